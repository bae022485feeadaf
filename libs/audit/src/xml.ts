/**
 * DICOM PS3.15 A.5.1 AuditMessage XML, both ways. The element order is the schema's
 * (dicom2017c.xsd `xs:sequence`s); DICOM defines the document without a namespace.
 */
import { AuditFormatError } from './errors.js';
import type {
  ActiveParticipant,
  AuditMessage,
  AuditSourceIdentification,
  AuditSourceTypeCode,
  Coded,
  EventIdentification,
  ParticipantObjectDescription,
  ParticipantObjectIdentification,
} from './model.js';

// ---------------------------------------------------------------------------------------
// Serialization

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than TAB/LF/CR, lone
 * surrogates, U+FFFE/U+FFFF). Audit fields may hold attacker-chosen strings (a UserID from
 * a SAML assertion, a patient id from an HL7 message): replacing them keeps the record
 * well-formed instead of losing it.
 */
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ATTR_ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Attribute value: TAB/LF/CR as character references so attribute normalization keeps them. */
function escAttr(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESC[c] ?? c);
}

function escText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r]/g, (c) => TEXT_ESC[c] ?? c);
}

type Attrs = ReadonlyArray<readonly [string, string | number | boolean | undefined]>;

function open(name: string, attrs: Attrs): string {
  let s = `<${name}`;
  for (const [k, v] of attrs) if (v !== undefined) s += ` ${k}="${escAttr(String(v))}"`;
  return s;
}

function el(name: string, attrs: Attrs, content = ''): string {
  return content === '' ? `${open(name, attrs)}/>` : `${open(name, attrs)}>${content}</${name}>`;
}

/**
 * The 2017c schema requires `originalText`; when a model leaves it out the display name
 * (or, last, the code) stands in so the output stays schema-valid.
 */
function coded(name: string, c: Coded): string {
  return el(name, [
    ['csd-code', c.csdCode],
    ['codeSystemName', c.codeSystemName],
    ['displayName', c.displayName],
    ['originalText', c.originalText ?? c.displayName ?? c.csdCode],
  ]);
}

function sourceTypeCode(c: AuditSourceTypeCode): string {
  return el('AuditSourceTypeCode', [
    ['csd-code', c.csdCode],
    ['codeSystemName', c.codeSystemName],
    ['displayName', c.displayName],
    ['originalText', c.originalText],
  ]);
}

function invalid(path: string, message: string): AuditFormatError {
  return new AuditFormatError('invalid-model', message, path);
}

function eventIdentificationXml(e: EventIdentification): string {
  if (![0, 4, 8, 12].includes(e.eventOutcomeIndicator))
    throw invalid('EventIdentification@EventOutcomeIndicator', 'EventOutcomeIndicator must be 0, 4, 8 or 12');
  let inner = coded('EventID', e.eventId);
  for (const t of e.eventTypeCodes) inner += coded('EventTypeCode', t);
  if (e.eventOutcomeDescription !== undefined)
    inner += `<EventOutcomeDescription>${escText(e.eventOutcomeDescription)}</EventOutcomeDescription>`;
  for (const p of e.purposesOfUse ?? []) inner += coded('PurposeOfUse', p);
  return el(
    'EventIdentification',
    [
      ['EventActionCode', e.eventActionCode],
      ['EventDateTime', e.eventDateTime],
      ['EventOutcomeIndicator', e.eventOutcomeIndicator],
    ],
    inner,
  );
}

function activeParticipantXml(p: ActiveParticipant): string {
  let inner = '';
  for (const r of p.roleIdCodes) inner += coded('RoleIDCode', r);
  if (p.mediaType) inner += `<MediaIdentifier>${coded('MediaType', p.mediaType)}</MediaIdentifier>`;
  return el(
    'ActiveParticipant',
    [
      ['UserID', p.userId],
      ['AlternativeUserID', p.alternativeUserId],
      ['UserName', p.userName],
      ['UserIsRequestor', p.userIsRequestor],
      ['NetworkAccessPointID', p.networkAccessPointId],
      ['NetworkAccessPointTypeCode', p.networkAccessPointTypeCode],
    ],
    inner,
  );
}

function auditSourceXml(a: AuditSourceIdentification): string {
  return el(
    'AuditSourceIdentification',
    [
      ['AuditEnterpriseSiteID', a.auditEnterpriseSiteId],
      ['AuditSourceID', a.auditSourceId],
    ],
    (a.auditSourceTypeCodes ?? []).map(sourceTypeCode).join(''),
  );
}

function descriptionXml(d: ParticipantObjectDescription): string {
  let inner = '';
  for (const uid of d.mppsUids) inner += el('MPPS', [['UID', uid]]);
  for (const n of d.accessionNumbers) inner += el('Accession', [['Number', n]]);
  for (const s of d.sopClasses)
    inner += el(
      'SOPClass',
      [
        ['UID', s.uid],
        ['NumberOfInstances', s.numberOfInstances],
      ],
      s.instanceUids.map((uid) => el('Instance', [['UID', uid]])).join(''),
    );
  if (d.studyUids !== undefined)
    inner += el(
      'ParticipantObjectContainsStudy',
      [],
      d.studyUids.map((uid) => el('StudyIDs', [['UID', uid]])).join(''),
    );
  if (d.encrypted !== undefined) inner += `<Encrypted>${String(d.encrypted)}</Encrypted>`;
  if (d.anonymized !== undefined) inner += `<Anonymized>${String(d.anonymized)}</Anonymized>`;
  return `<ParticipantObjectDescription>${inner}</ParticipantObjectDescription>`;
}

function participantObjectXml(o: ParticipantObjectIdentification, i: number): string {
  if (o.participantObjectName !== undefined && o.participantObjectQuery !== undefined)
    throw invalid(
      `ParticipantObjectIdentification[${i + 1}]`,
      'ParticipantObjectName and ParticipantObjectQuery are a schema choice: set at most one',
    );
  let inner = coded('ParticipantObjectIDTypeCode', o.participantObjectIdTypeCode);
  if (o.participantObjectName !== undefined)
    inner += `<ParticipantObjectName>${escText(o.participantObjectName)}</ParticipantObjectName>`;
  if (o.participantObjectQuery !== undefined)
    inner += `<ParticipantObjectQuery>${escText(o.participantObjectQuery)}</ParticipantObjectQuery>`;
  for (const d of o.participantObjectDetails)
    inner += el('ParticipantObjectDetail', [
      ['type', d.type],
      ['value', d.value],
    ]);
  for (const d of o.participantObjectDescriptions ?? []) inner += descriptionXml(d);
  return el(
    'ParticipantObjectIdentification',
    [
      ['ParticipantObjectID', o.participantObjectId],
      ['ParticipantObjectTypeCode', o.participantObjectTypeCode],
      ['ParticipantObjectTypeCodeRole', o.participantObjectTypeCodeRole],
      ['ParticipantObjectDataLifeCycle', o.participantObjectDataLifeCycle],
      ['ParticipantObjectSensitivity', o.participantObjectSensitivity],
    ],
    inner,
  );
}

export interface ToAuditXmlOptions {
  /** Prefix the `<?xml version="1.0" encoding="UTF-8"?>` declaration (default true). */
  readonly declaration?: boolean;
}

/**
 * Serializes a message as DICOM PS3.15 A.5.1 `AuditMessage` XML (no namespace, schema
 * element order, no insignificant whitespace). Throws {@link AuditFormatError}
 * ('invalid-model') for a model the schema cannot express, e.g. no ActiveParticipant.
 */
export function toAuditXml(message: AuditMessage, options: ToAuditXmlOptions = {}): string {
  if (message.activeParticipants.length === 0)
    throw invalid('AuditMessage/ActiveParticipant', 'an AuditMessage needs at least one ActiveParticipant');
  const body =
    eventIdentificationXml(message.eventIdentification) +
    message.activeParticipants.map(activeParticipantXml).join('') +
    auditSourceXml(message.auditSourceIdentification) +
    message.participantObjects.map(participantObjectXml).join('');
  const decl = options.declaration === false ? '' : '<?xml version="1.0" encoding="UTF-8"?>';
  return `${decl}<AuditMessage>${body}</AuditMessage>`;
}
