/**
 * The closed set of registry/repository error codes the mesh returns in ebRS
 * RegistryError/@errorCode: ITI TF-3 4.2.4.1 Table 4.2.4.1-2 "Error Codes" (which the
 * Metadata Update and XCA sections extend), plus the ebRS 3.0 exception ITI-62 names
 * (ITI TF-2 3.62.4.1.3). Codes of that table for transactions the mesh does not play are left
 * out (UnknownRecipient and UnavailableRecipient, ITI-80 only; XDSSqlError, retired with XDS.a),
 * as are Restricted Metadata Update codes (ITI-92, not played).
 * docs/errors.md lists exactly these codes; error-codes.test.ts keeps the two in sync.
 */

export interface ErrorCodeSpec {
  readonly code: string;
  /** What the code means, in the TF's terms. */
  readonly description: string;
  /** Error, or Warning for codes the TF defines as warnings. */
  readonly severity: 'Error' | 'Warning';
  /** The table or section that defines the code. */
  readonly tf: string;
  /** Transactions that may return it. */
  readonly transactions: readonly string[];
}

const T = 'ITI TF-3 Table 4.2.4.1-2';
/** Codes the XDS Metadata Update option adds to the table, for ITI-57. */
const MU = 'ITI TF-3 Table 4.2.4.1-2; ITI TF-2 3.57.4.1.3';

const codes = [
  {
    code: 'DocumentQueued',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'The recipient queued the submission, for example for a manual process matching it to a patient.',
  },
  {
    code: 'InvalidDocumentContent',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'A document does not match its metadata (e.g. formatCode) or fails other requirements on its content; codeContext gives the uniqueId of the document, one RegistryError per document.',
  },
  {
    code: 'PartialAppendContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A Document Recipient did not process the Append semantics of the submission.',
  },
  {
    code: 'PartialFolderContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A Document Recipient did not process the Folder semantics of the submission.',
  },
  {
    code: 'PartialRelationshipContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'A Document Recipient did not process the relationship Association semantics of the submission.',
  },
  {
    code: 'PartialReplaceContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A Document Recipient did not process the Replace semantics of the submission.',
  },
  {
    code: 'PartialTransformNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A Document Recipient did not process the Transform semantics of the submission.',
  },
  {
    code: 'PartialTransformReplaceNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'A Document Recipient did not process the Transform-and-Replace semantics of the submission.',
  },
  {
    code: 'UnresolvedReferenceException',
    severity: 'Error',
    tf: `${T}; ITI TF-2 3.62.4.1.3`,
    transactions: ['ITI-42', 'ITI-57', 'ITI-62'],
    description:
      'The recipient cannot resolve an entryUUID reference in the request (for ITI-62: an object to delete does not exist).',
  },
  {
    code: 'ReferencesExistException',
    severity: 'Error',
    tf: 'ITI TF-2 3.62.4.1.3 (ebRS 3.0)',
    transactions: ['ITI-62'],
    description:
      'An object to delete is the sourceObject or targetObject of an Association that is not itself being deleted.',
  },
  {
    code: 'XDSDocumentUniqueIdError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-43', 'ITI-39', 'ITI-86'],
    description:
      'The document with this uniqueId is not available: unknown, no longer available, or the requestor is not authorized to access it.',
  },
  {
    code: 'XDSDuplicateUniqueIdInRegistry',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'The uniqueId of a SubmissionSet or Folder is already registered; codeContext says which and gives the value. Never used for a DocumentEntry (see XDSNonIdenticalHash/Size).',
  },
  {
    code: 'XDSExtraMetadataNotSaved',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'The submission carried extra metadata that the recipient did not save.',
  },
  {
    code: 'XDSMissingDocument',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A DocumentEntry in the metadata has no matching Document element.',
  },
  {
    code: 'XDSMissingDocumentMetadata',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A Document element has no matching DocumentEntry.',
  },
  {
    code: 'XDSMissingHomeCommunityId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39', 'ITI-43'],
    description: 'A homeCommunityId is required and was not specified.',
  },
  {
    code: 'XDSNonIdenticalHash',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description:
      'The document is a duplicate (its uniqueId is already registered) but the hash differs; codeContext gives the uniqueId.',
  },
  {
    code: 'XDSNonIdenticalSize',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description:
      'The document is a duplicate (its uniqueId is already registered) but the size differs; codeContext gives the uniqueId.',
  },
  {
    code: 'XDSPatientIdDoesNotMatch',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'A patient id that is required to match does not; codeContext gives the patient id and the nature of the conflict.',
  },
  {
    code: 'XDSRegistryBusy',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-18', 'ITI-57', 'ITI-62'],
    description: 'Too much activity in the Document Registry; the request may be retried later.',
  },
  {
    code: 'XDSRepositoryBusy',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43', 'ITI-86'],
    description: 'Too much activity in the Document Repository; the request may be retried later.',
  },
  {
    code: 'XDSRegistryDeprecatedDocumentError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description: 'The submission was rejected because an Association references a Deprecated document.',
  },
  {
    code: 'XDSRegistryDuplicateUniqueIdInMessage',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'The Document Registry found a uniqueId used more than once in the submission; codeContext gives it.',
  },
  {
    code: 'XDSRepositoryDuplicateUniqueIdInMessage',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'The Document Repository found a uniqueId used more than once in the submission; codeContext gives it.',
  },
  {
    code: 'XDSRegistryError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-18', 'ITI-38', 'ITI-57', 'ITI-62'],
    description:
      'Internal Document Registry error; codeContext carries implementation-specific details. The default when no other code applies.',
  },
  {
    code: 'XDSRepositoryError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43', 'ITI-39', 'ITI-86'],
    description:
      'Internal Document Repository error; codeContext carries implementation-specific details. The default when no other code applies.',
  },
  {
    code: 'XDSRegistryMetadataError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-18', 'ITI-57', 'ITI-62'],
    description:
      'The Document Registry detected an error in the metadata; codeContext gives the nature of the problem.',
  },
  {
    code: 'XDSRepositoryMetadataError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description:
      'The Document Repository (or a Document Recipient) detected an error in the metadata; codeContext gives the nature of the problem.',
  },
  {
    code: 'XDSRegistryNotAvailable',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'The Document Repository was unable to access the Document Registry.',
  },
  {
    code: 'XDSRegistryOutOfResources',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-18', 'ITI-57', 'ITI-62'],
    description:
      'Document Registry resources are currently unavailable to respond to the request; it may be retried later.',
  },
  {
    code: 'XDSRepositoryOutOfResources',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43', 'ITI-86'],
    description:
      'Document Repository resources are currently unavailable to respond to the request; it may be retried later.',
  },
  {
    code: 'XDSResultNotSinglePatient',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'The request would have returned content for more than one patient.',
  },
  {
    code: 'XDSStoredQueryMissingParam',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'A required parameter of the stored query is missing.',
  },
  {
    code: 'XDSStoredQueryParamNumber',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'A parameter that accepts a single value was coded with several values.',
  },
  {
    code: 'XDSTooManyResults',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description:
      'The request is too broad or its response too large; it should be narrowed to reduce the number of results.',
  },
  {
    code: 'XDSUnavailableCommunity',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39', 'ITI-43'],
    description: 'A community that would have been contacted was not available.',
  },
  {
    code: 'XDSUnknownCommunity',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39', 'ITI-43'],
    description: 'A homeCommunityId value is not recognized.',
  },
  {
    code: 'XDSUnknownPatientId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-18', 'ITI-38', 'ITI-57'],
    description:
      'The patient id in the request is not known to the receiving actor; codeContext gives the patient id.',
  },
  {
    code: 'XDSUnknownRepositoryId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-43', 'ITI-39', 'ITI-86'],
    description:
      'The repositoryUniqueId cannot be resolved to a Document Repository, or does not match this repository.',
  },
  {
    code: 'XDSUnknownStoredQuery',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'The stored query id in the request is not recognized.',
  },
  {
    code: 'XDSMetadataUpdateError',
    severity: 'Error',
    tf: MU,
    transactions: ['ITI-57'],
    description:
      'General metadata update error, used only when no more specific code applies; codeContext gives the id of the object in error.',
  },
  {
    code: 'XDSMetadataUpdateOperationError',
    severity: 'Error',
    tf: MU,
    transactions: ['ITI-57'],
    description: 'The Document Registry cannot decode the requested metadata update.',
  },
  {
    code: 'XDSMetadataVersionError',
    severity: 'Error',
    tf: MU,
    transactions: ['ITI-57'],
    description:
      'The version number in the update does not match the existing object (e.g. simultaneous updates).',
  },
  {
    code: 'XDSPatientIDReconciliationError',
    severity: 'Error',
    tf: MU,
    transactions: ['ITI-57'],
    description: 'The update changes a patient id that must stay the same.',
  },
] as const satisfies readonly ErrorCodeSpec[];

/** A registry or repository error code of the catalogue. */
export type RegistryErrorCode = (typeof codes)[number]['code'];

/** The catalogue, keyed by code. */
export const REGISTRY_ERROR_CODES: Readonly<Record<RegistryErrorCode, ErrorCodeSpec>> = Object.freeze(
  Object.fromEntries(codes.map((c) => [c.code, c])) as unknown as Record<RegistryErrorCode, ErrorCodeSpec>,
);

export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return Object.hasOwn(REGISTRY_ERROR_CODES, code);
}
