/** The one error the audit library throws for input that is not a usable audit message. */

export type AuditFormatErrorReason =
  /** The bytes are not well-formed or were refused by the hardened parser (DOCTYPE, limits). */
  | 'malformed-xml'
  /** Well-formed XML whose root is not AuditMessage. */
  | 'not-audit-message'
  /** A required element is absent (e.g. EventIdentification, EventID, ActiveParticipant). */
  | 'missing-element'
  /** A required attribute is absent (e.g. UserID, EventDateTime, csd-code). */
  | 'missing-attribute'
  /** A value outside its DICOM enumeration (e.g. EventOutcomeIndicator="3"). */
  | 'invalid-value'
  /** An element the schema allows once appears again (e.g. two EventID). */
  | 'duplicate-element'
  /** A model handed to the serializer breaks the schema's structure. */
  | 'invalid-model';

/**
 * Raised by {@link parseAuditXml} and {@link toAuditXml}. `path` names where the problem
 * is (e.g. `AuditMessage/ActiveParticipant[2]@UserID`); the message never echoes content.
 */
export class AuditFormatError extends Error {
  override readonly name = 'AuditFormatError';
  constructor(
    readonly reason: AuditFormatErrorReason,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
