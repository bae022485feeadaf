/**
 * DICOM PS3.15 A.5.1 AuditMessage XML, both ways. The element order is the schema's
 * (dicom2017c.xsd `xs:sequence`s); DICOM defines the document without a namespace.
 */
import { DEFAULT_XML_LIMITS } from '@mesh/xml';
import type { XmlLimits } from '@mesh/xml';
import { AuditFormatError } from './errors.js';
import { attributeOf as attr, auditXmlRoot } from './xml-tree.js';
import type { AuditXmlElement as Element } from './xml-tree.js';
import type {
  ActiveParticipant,
  AuditForm,
  EventActionCode,
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

/** xs:dateTime lexical form (XML Schema Part 2 3.2.7); the offset is optional there. */
const XS_DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

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

/**
 * Whether a value may need escaping or replacing: a superset of the characters the two
 * escapers touch (every C0 control, any surrogate, U+FFFE/U+FFFF). Most audit values (OIDs,
 * codes, host names) have none, and are then written as they are after this one test.
 */
const ATTR_SPECIAL = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_SPECIAL = /[&<>\u0000-\u0008\u000B-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

const attrEntity = (c: string): string => ATTR_ESC[c] ?? c;
const textEntity = (c: string): string => TEXT_ESC[c] ?? c;

/** Attribute value: TAB/LF/CR as character references so attribute normalization keeps them. */
function escAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"\t\n\r]/g, attrEntity);
}

function escText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r]/g, textEntity);
}

/** ` name="value"`, or nothing when the value is absent. */
function attrXml(name: string, v: string | number | boolean | undefined): string {
  return v === undefined ? '' : ` ${name}="${escAttr(String(v))}"`;
}

/** Closes a start tag (whose attributes are written) around `content`, or as an empty element. */
function close(name: string, start: string, content: string): string {
  return content === '' ? `${start}/>` : `${start}>${content}</${name}>`;
}

/**
 * The coded values of the vocabulary (codes.ts: EventIDs, transaction codes, RoleIDCodes,
 * object id types, audit source types) are frozen constants that recur in every record:
 * each is rendered once per element name. Only frozen objects are remembered, so a
 * caller's mutable value is always written as it is now.
 */
const renderedCodes = new Map<string, WeakMap<object, string>>();

function remembered<C extends object>(name: string, c: C, render: (name: string, c: C) => string): string {
  if (!Object.isFrozen(c)) return render(name, c);
  let byObject = renderedCodes.get(name);
  if (byObject === undefined) renderedCodes.set(name, (byObject = new WeakMap()));
  let xml = byObject.get(c);
  if (xml === undefined) byObject.set(c, (xml = render(name, c)));
  return xml;
}

/**
 * The 2017c schema requires `originalText`; when a model leaves it out the display name
 * (or, last, the code) stands in so the output stays schema-valid.
 */
function coded(name: string, c: Coded): string {
  return remembered(name, c, renderCoded);
}

function renderCoded(name: string, c: Coded): string {
  return `<${name}${attrXml('csd-code', c.csdCode)}${attrXml('codeSystemName', c.codeSystemName)}${attrXml(
    'displayName',
    c.displayName,
  )}${attrXml('originalText', c.originalText ?? c.displayName ?? c.csdCode)}/>`;
}

/** AuditSourceTypeCode: a bare code may come without code system, and nothing stands in for originalText. */
function renderSourceTypeCode(name: string, c: AuditSourceTypeCode): string {
  return `<${name}${attrXml('csd-code', c.csdCode)}${attrXml('codeSystemName', c.codeSystemName)}${attrXml(
    'displayName',
    c.displayName,
  )}${attrXml('originalText', c.originalText)}/>`;
}

function invalid(path: string, message: string): AuditFormatError {
  return new AuditFormatError('invalid-model', message, path);
}

function eventIdentificationXml(e: EventIdentification): string {
  const outcome = e.eventOutcomeIndicator;
  if (outcome !== 0 && outcome !== 4 && outcome !== 8 && outcome !== 12)
    throw invalid('EventIdentification@EventOutcomeIndicator', 'EventOutcomeIndicator must be 0, 4, 8 or 12');
  if (!XS_DATE_TIME.test(e.eventDateTime))
    throw invalid('EventIdentification@EventDateTime', 'EventDateTime must be an xs:dateTime');
  let inner = coded('EventID', e.eventId);
  for (const t of e.eventTypeCodes) inner += coded('EventTypeCode', t);
  if (e.eventOutcomeDescription !== undefined)
    inner += close('EventOutcomeDescription', '<EventOutcomeDescription', escText(e.eventOutcomeDescription));
  if (e.purposesOfUse !== undefined) for (const p of e.purposesOfUse) inner += coded('PurposeOfUse', p);
  return `<EventIdentification${attrXml('EventActionCode', e.eventActionCode)}${attrXml(
    'EventDateTime',
    e.eventDateTime,
  )} EventOutcomeIndicator="${outcome}">${inner}</EventIdentification>`;
}

function activeParticipantXml(p: ActiveParticipant): string {
  let inner = '';
  for (const r of p.roleIdCodes) inner += coded('RoleIDCode', r);
  if (p.mediaType) inner += `<MediaIdentifier>${coded('MediaType', p.mediaType)}</MediaIdentifier>`;
  return close(
    'ActiveParticipant',
    `<ActiveParticipant${attrXml('UserID', p.userId)}${attrXml('AlternativeUserID', p.alternativeUserId)}${attrXml(
      'UserName',
      p.userName,
    )}${attrXml('UserIsRequestor', p.userIsRequestor)}${attrXml('NetworkAccessPointID', p.networkAccessPointId)}${attrXml(
      'NetworkAccessPointTypeCode',
      p.networkAccessPointTypeCode,
    )}`,
    inner,
  );
}

function auditSourceXml(a: AuditSourceIdentification): string {
  let inner = '';
  if (a.auditSourceTypeCodes !== undefined)
    for (const t of a.auditSourceTypeCodes)
      inner += remembered('AuditSourceTypeCode', t, renderSourceTypeCode);
  return close(
    'AuditSourceIdentification',
    `<AuditSourceIdentification${attrXml('AuditEnterpriseSiteID', a.auditEnterpriseSiteId)}${attrXml(
      'AuditSourceID',
      a.auditSourceId,
    )}`,
    inner,
  );
}

/** `<Name UID="..."/>` for each uid. */
function uidElements(name: string, uids: readonly string[]): string {
  let out = '';
  for (const uid of uids) out += `<${name}${attrXml('UID', uid)}/>`;
  return out;
}

function descriptionXml(d: ParticipantObjectDescription): string {
  let inner = uidElements('MPPS', d.mppsUids);
  for (const n of d.accessionNumbers) inner += `<Accession${attrXml('Number', n)}/>`;
  for (const s of d.sopClasses)
    inner += close(
      'SOPClass',
      `<SOPClass${attrXml('UID', s.uid)}${attrXml('NumberOfInstances', s.numberOfInstances)}`,
      uidElements('Instance', s.instanceUids),
    );
  if (d.studyUids !== undefined)
    inner += close(
      'ParticipantObjectContainsStudy',
      '<ParticipantObjectContainsStudy',
      uidElements('StudyIDs', d.studyUids),
    );
  if (d.encrypted !== undefined) inner += `<Encrypted>${String(d.encrypted)}</Encrypted>`;
  if (d.anonymized !== undefined) inner += `<Anonymized>${String(d.anonymized)}</Anonymized>`;
  return `<ParticipantObjectDescription>${inner}</ParticipantObjectDescription>`;
}

const inRange = (v: number | undefined, max: number): boolean =>
  v === undefined || (Number.isInteger(v) && v >= 1 && v <= max);

function participantObjectXml(o: ParticipantObjectIdentification, i: number): string {
  if (o.participantObjectName !== undefined && o.participantObjectQuery !== undefined)
    throw invalid(
      `ParticipantObjectIdentification[${i + 1}]`,
      'ParticipantObjectName and ParticipantObjectQuery are a schema choice: set at most one',
    );
  if (!inRange(o.participantObjectTypeCodeRole, 24) || !inRange(o.participantObjectDataLifeCycle, 15))
    throw invalid(
      `ParticipantObjectIdentification[${i + 1}]`,
      'ParticipantObjectTypeCodeRole must be 1-24 and ParticipantObjectDataLifeCycle 1-15 (PS3.15 A.5.2)',
    );
  let inner = coded('ParticipantObjectIDTypeCode', o.participantObjectIdTypeCode);
  if (o.participantObjectName !== undefined)
    inner += close('ParticipantObjectName', '<ParticipantObjectName', escText(o.participantObjectName));
  if (o.participantObjectQuery !== undefined)
    inner += close('ParticipantObjectQuery', '<ParticipantObjectQuery', escText(o.participantObjectQuery));
  for (const d of o.participantObjectDetails)
    inner += `<ParticipantObjectDetail${attrXml('type', d.type)}${attrXml('value', d.value)}/>`;
  if (o.participantObjectDescriptions !== undefined)
    for (const d of o.participantObjectDescriptions) inner += descriptionXml(d);
  return close(
    'ParticipantObjectIdentification',
    `<ParticipantObjectIdentification${attrXml('ParticipantObjectID', o.participantObjectId)}${attrXml(
      'ParticipantObjectTypeCode',
      o.participantObjectTypeCode,
    )}${attrXml('ParticipantObjectTypeCodeRole', o.participantObjectTypeCodeRole)}${attrXml(
      'ParticipantObjectDataLifeCycle',
      o.participantObjectDataLifeCycle,
    )}${attrXml('ParticipantObjectSensitivity', o.participantObjectSensitivity)}`,
    inner,
  );
}

export interface ToAuditXmlOptions {
  /** Prefix the `<?xml version="1.0" encoding="UTF-8"?>` declaration (default true). */
  readonly declaration?: boolean;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Serializes a message as DICOM PS3.15 A.5.1 `AuditMessage` XML (no namespace, schema
 * element order, no insignificant whitespace). Throws {@link AuditFormatError}
 * ('invalid-model') for a model the schema cannot express, e.g. no ActiveParticipant.
 * Written by plain string concatenation, one pass, no intermediate arrays: it runs for
 * every transaction of every service.
 */
export function toAuditXml(message: AuditMessage, options: ToAuditXmlOptions = {}): string {
  if (message.activeParticipants.length === 0)
    throw invalid('AuditMessage/ActiveParticipant', 'an AuditMessage needs at least one ActiveParticipant');
  let xml = options.declaration === false ? '<AuditMessage>' : `${DECLARATION}<AuditMessage>`;
  xml += eventIdentificationXml(message.eventIdentification);
  for (const p of message.activeParticipants) xml += activeParticipantXml(p);
  xml += auditSourceXml(message.auditSourceIdentification);
  const objects = message.participantObjects;
  for (let i = 0; i < objects.length; i++)
    xml += participantObjectXml(objects[i] as ParticipantObjectIdentification, i);
  return `${xml}</AuditMessage>`;
}

// ---------------------------------------------------------------------------------------
// Parsing

/**
 * Audit messages are shallow (AuditMessage/ParticipantObjectIdentification/
 * ParticipantObjectDescription/SOPClass/Instance is the deepest path, 5) and small; the
 * defaults are tighter than the generic parser's so a syslog peer cannot make the audit
 * repository build a huge DOM.
 */
export const AUDIT_XML_LIMITS: Partial<XmlLimits> = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 16,
  maxElements: 100_000,
});

export interface ParseAuditXmlOptions {
  /** Overrides of {@link AUDIT_XML_LIMITS}. */
  readonly limits?: Partial<XmlLimits>;
}

/** A parsed message and the vocabulary it was written in. */
export interface ParsedAuditMessage {
  readonly message: AuditMessage;
  /**
   * 'dicom' for the DICOM PS3.15 (2017+) form with `csd-code`; 'rfc3881' when any coded
   * value used RFC 3881's `code` attribute (the form IHE profiles used before DICOM
   * adopted the schema with `csd-code`).
   */
  readonly form: AuditForm;
}

/** Per-parse state: where we are, and whether any RFC 3881 construct was seen. */
interface Cursor {
  rfc3881: boolean;
}

function fail(
  reason: 'missing-element' | 'missing-attribute' | 'invalid-value' | 'duplicate-element',
  path: string,
  message: string,
): never {
  throw new AuditFormatError(reason, message, path);
}

const NONE: readonly Element[] = Object.freeze([]);

/**
 * The reader fills its results field by field, in the model's property order (object spread
 * inside a literal is a slow path in V8, and this runs for every record the repository ingests).
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** base64 (xs:base64Binary) without the white space it may be wrapped with. */
function withoutWhitespace(s: string): string {
  return /\s/.test(s) ? s.replace(/\s+/g, '') : s;
}

/**
 * Child elements by local name. DICOM defines no namespace; a namespaced copy is read the
 * same. (Loops rather than filter: most names asked for are absent, and then nothing is allocated.)
 */
function kids(parent: Element, name: string): readonly Element[] {
  let found: Element[] | undefined;
  for (const e of parent.children) if (e.localName === name) (found ??= []).push(e);
  return found ?? NONE;
}

function one(parent: Element, name: string, path: string): Element | undefined {
  let found: Element | undefined;
  for (const e of parent.children) {
    if (e.localName !== name) continue;
    if (found) fail('duplicate-element', `${path}/${name}`, `${name} may appear only once`);
    found = e;
  }
  return found;
}

function required(parent: Element, name: string, path: string): Element {
  return one(parent, name, path) ?? fail('missing-element', `${path}/${name}`, `${name} is required`);
}

function reqAttr(e: Element, name: string, path: string): string {
  return attr(e, name) ?? fail('missing-attribute', `${path}@${name}`, `attribute ${name} is required`);
}

/** Reads an enumerated integer attribute (xs:token whitespace is collapsed first). */
function enumAttr<T extends number>(
  e: Element,
  name: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  const raw = attr(e, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (!allowed.includes(n as T))
    fail('invalid-value', `${path}@${name}`, `${name} must be one of ${allowed.join(', ')}`);
  return n as T;
}

function intAttr(e: Element, name: string, path: string, min: number, max: number): number | undefined {
  const raw = attr(e, name)?.trim();
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    fail('invalid-value', `${path}@${name}`, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

function boolValue(raw: string | undefined, path: string): boolean {
  switch (raw?.trim() ?? '') {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
  }
  return fail('invalid-value', path, 'must be an xs:boolean (true, false, 1, 0)');
}

/**
 * A coded value in either form. RFC 3881 wrote `code` (and `codeSystem`, an OID) and put
 * the display text in `displayName`; DICOM 2017 writes `csd-code` and carries that text in
 * `originalText`. Mapping RFC 3881's displayName to originalText (when originalText is
 * absent) gives both forms of the same EV(...) triple the same model.
 */
function parseCoded(e: Element, path: string, cur: Cursor, systemRequired = true): Coded {
  const dicomCode = attr(e, 'csd-code');
  let code = dicomCode;
  if (code === undefined) {
    code = attr(e, 'code');
    if (code === undefined) fail('missing-attribute', `${path}@csd-code`, 'attribute csd-code is required');
    cur.rfc3881 = true;
  }
  const system = attr(e, 'codeSystemName') ?? (dicomCode === undefined ? attr(e, 'codeSystem') : undefined);
  if (system === undefined && systemRequired)
    fail('missing-attribute', `${path}@codeSystemName`, 'attribute codeSystemName is required');
  let originalText = attr(e, 'originalText');
  let displayName = attr(e, 'displayName');
  if (dicomCode === undefined && originalText === undefined && displayName !== undefined) {
    originalText = displayName;
    displayName = undefined;
  }
  const coded: Mutable<Coded> = { csdCode: code, codeSystemName: system ?? '' };
  if (originalText !== undefined) coded.originalText = originalText;
  if (displayName !== undefined) coded.displayName = displayName;
  return coded;
}

function parseEventIdentification(root: Element, cur: Cursor): EventIdentification {
  const path = 'AuditMessage/EventIdentification';
  const e = required(root, 'EventIdentification', 'AuditMessage');
  const eventDateTime = reqAttr(e, 'EventDateTime', path).trim();
  if (!XS_DATE_TIME.test(eventDateTime))
    fail('invalid-value', `${path}@EventDateTime`, 'EventDateTime must be an xs:dateTime');
  const outcome =
    enumAttr(e, 'EventOutcomeIndicator', path, [0, 4, 8, 12] as const) ??
    fail('missing-attribute', `${path}@EventOutcomeIndicator`, 'attribute EventOutcomeIndicator is required');
  const action = attr(e, 'EventActionCode')?.trim();
  if (action !== undefined && !['C', 'R', 'U', 'D', 'E'].includes(action))
    fail('invalid-value', `${path}@EventActionCode`, 'EventActionCode must be one of C, R, U, D, E');
  const description = one(e, 'EventOutcomeDescription', path);
  const purposes = kids(e, 'PurposeOfUse').map((p, i) =>
    parseCoded(p, `${path}/PurposeOfUse[${i + 1}]`, cur),
  );
  const eventId = parseCoded(required(e, 'EventID', path), `${path}/EventID`, cur);
  const eventTypeCodes = kids(e, 'EventTypeCode').map((t, i) =>
    parseCoded(t, `${path}/EventTypeCode[${i + 1}]`, cur),
  );
  // Properties in the model's order, whichever are present.
  const out = { eventId } as Mutable<EventIdentification>;
  if (action !== undefined) out.eventActionCode = action as EventActionCode;
  out.eventDateTime = eventDateTime;
  out.eventOutcomeIndicator = outcome;
  out.eventTypeCodes = eventTypeCodes;
  if (description) out.eventOutcomeDescription = description.text;
  if (purposes.length > 0) out.purposesOfUse = purposes;
  return out;
}

function parseActiveParticipant(e: Element, i: number, cur: Cursor): ActiveParticipant {
  const path = `AuditMessage/ActiveParticipant[${i + 1}]`;
  const alternativeUserId = attr(e, 'AlternativeUserID');
  const userName = attr(e, 'UserName');
  const napId = attr(e, 'NetworkAccessPointID');
  const napType = enumAttr(e, 'NetworkAccessPointTypeCode', path, [1, 2, 3, 4, 5] as const);
  const media = one(e, 'MediaIdentifier', path);
  // Read the codes first: an RFC 3881 RoleIDCode also decides the UserIsRequestor default.
  const roleIdCodes = kids(e, 'RoleIDCode').map((r, j) => parseCoded(r, `${path}/RoleIDCode[${j + 1}]`, cur));
  const userId = reqAttr(e, 'UserID', path);
  // RFC 3881 made UserIsRequestor optional with default true; DICOM requires it.
  const userIsRequestor = boolValue(
    attr(e, 'UserIsRequestor') ?? (cur.rfc3881 ? 'true' : reqAttr(e, 'UserIsRequestor', path)),
    `${path}@UserIsRequestor`,
  );
  const out = { userId } as Mutable<ActiveParticipant>;
  if (alternativeUserId !== undefined) out.alternativeUserId = alternativeUserId;
  if (userName !== undefined) out.userName = userName;
  out.userIsRequestor = userIsRequestor;
  out.roleIdCodes = roleIdCodes;
  if (napId !== undefined) out.networkAccessPointId = napId;
  if (napType !== undefined) out.networkAccessPointTypeCode = napType;
  if (media) {
    const mediaPath = `${path}/MediaIdentifier`;
    out.mediaType = parseCoded(required(media, 'MediaType', mediaPath), `${mediaPath}/MediaType`, cur);
  }
  return out;
}

function parseAuditSource(root: Element, cur: Cursor): AuditSourceIdentification {
  const path = 'AuditMessage/AuditSourceIdentification';
  const e = required(root, 'AuditSourceIdentification', 'AuditMessage');
  const site = attr(e, 'AuditEnterpriseSiteID');
  const types = kids(e, 'AuditSourceTypeCode').map((t, i): AuditSourceTypeCode => {
    const c = parseCoded(t, `${path}/AuditSourceTypeCode[${i + 1}]`, cur, false);
    // A bare PS3.15 A.5.1 audit source type ("1".."9") carries no code system.
    const { codeSystemName, ...rest } = c;
    return codeSystemName === '' ? rest : c;
  });
  const out: Mutable<AuditSourceIdentification> = { auditSourceId: reqAttr(e, 'AuditSourceID', path) };
  if (site !== undefined) out.auditEnterpriseSiteId = site;
  if (types.length > 0) out.auditSourceTypeCodes = types;
  return out;
}

/** The DICOM object description elements, whether wrapped (DICOM 2017) or inline (older form). */
function parseDescription(e: Element, path: string): ParticipantObjectDescription | undefined {
  const mpps = kids(e, 'MPPS');
  const acc = kids(e, 'Accession');
  const sop = kids(e, 'SOPClass');
  const study = one(e, 'ParticipantObjectContainsStudy', path);
  const enc = one(e, 'Encrypted', path);
  const anon = one(e, 'Anonymized', path);
  if (mpps.length + acc.length + sop.length === 0 && !study && !enc && !anon) return undefined;
  const out: Mutable<ParticipantObjectDescription> = {
    mppsUids: mpps.map((m, i) => reqAttr(m, 'UID', `${path}/MPPS[${i + 1}]`)),
    accessionNumbers: acc.map((a, i) => reqAttr(a, 'Number', `${path}/Accession[${i + 1}]`)),
    sopClasses: sop.map((s, i) => {
      const p = `${path}/SOPClass[${i + 1}]`;
      const uid = attr(s, 'UID');
      const numberOfInstances =
        intAttr(s, 'NumberOfInstances', p, 0, Number.MAX_SAFE_INTEGER) ??
        fail('missing-attribute', `${p}@NumberOfInstances`, 'attribute NumberOfInstances is required');
      const instanceUids = kids(s, 'Instance').map((n, j) => reqAttr(n, 'UID', `${p}/Instance[${j + 1}]`));
      return uid === undefined
        ? { numberOfInstances, instanceUids }
        : { uid, numberOfInstances, instanceUids };
    }),
  };
  if (study)
    out.studyUids = kids(study, 'StudyIDs').map((s, i) =>
      reqAttr(s, 'UID', `${path}/ParticipantObjectContainsStudy/StudyIDs[${i + 1}]`),
    );
  if (enc) out.encrypted = boolValue(enc.text, `${path}/Encrypted`);
  if (anon) out.anonymized = boolValue(anon.text, `${path}/Anonymized`);
  return out;
}

function parseParticipantObject(e: Element, i: number, cur: Cursor): ParticipantObjectIdentification {
  const path = `AuditMessage/ParticipantObjectIdentification[${i + 1}]`;
  const id = attr(e, 'ParticipantObjectID');
  const typeCode = enumAttr(e, 'ParticipantObjectTypeCode', path, [1, 2, 3, 4] as const);
  const role = intAttr(e, 'ParticipantObjectTypeCodeRole', path, 1, 24);
  const lifeCycle = intAttr(e, 'ParticipantObjectDataLifeCycle', path, 1, 15);
  const sensitivity = attr(e, 'ParticipantObjectSensitivity');
  const name = one(e, 'ParticipantObjectName', path);
  const query = one(e, 'ParticipantObjectQuery', path);
  if (name && query)
    fail(
      'duplicate-element',
      `${path}/ParticipantObjectQuery`,
      'ParticipantObjectName and ParticipantObjectQuery are a choice: only one may appear',
    );
  const descriptions: ParticipantObjectDescription[] = [];
  kids(e, 'ParticipantObjectDescription').forEach((d, j) => {
    // RFC 3881 / pre-2017 DICOM: a free-text description, which DICOM 2017 has no place for.
    const parsed = parseDescription(d, `${path}/ParticipantObjectDescription[${j + 1}]`);
    if (parsed) descriptions.push(parsed);
  });
  // Pre-2017 DICOM put MPPS, Accession, SOPClass ... directly in the object.
  const inline = parseDescription(e, path);
  if (inline) {
    cur.rfc3881 = true;
    descriptions.push(inline);
  }
  const idTypeCode = parseCoded(
    required(e, 'ParticipantObjectIDTypeCode', path),
    `${path}/ParticipantObjectIDTypeCode`,
    cur,
  );
  const out = {} as Mutable<ParticipantObjectIdentification>;
  if (id !== undefined) out.participantObjectId = id;
  if (typeCode !== undefined) out.participantObjectTypeCode = typeCode;
  if (role !== undefined) out.participantObjectTypeCodeRole = role;
  if (lifeCycle !== undefined) out.participantObjectDataLifeCycle = lifeCycle;
  out.participantObjectIdTypeCode = idTypeCode;
  if (sensitivity !== undefined) out.participantObjectSensitivity = sensitivity;
  if (name) out.participantObjectName = name.text;
  // xs:base64Binary allows whitespace (line breaks); the model holds it without.
  if (query) out.participantObjectQuery = withoutWhitespace(query.text);
  out.participantObjectDetails = kids(e, 'ParticipantObjectDetail').map((d, j) => {
    const p = `${path}/ParticipantObjectDetail[${j + 1}]`;
    return { type: reqAttr(d, 'type', p), value: withoutWhitespace(reqAttr(d, 'value', p)) };
  });
  if (descriptions.length > 0) out.participantObjectDescriptions = descriptions;
  return out;
}

/**
 * Parses an audit message in the DICOM PS3.15 form or the older RFC 3881 form and says
 * which. Uses the hardened parser (no DOCTYPE, size/depth limits). Throws
 * {@link AuditFormatError}: 'malformed-xml' (with the XmlError as `cause`) for refused or
 * broken XML, 'not-audit-message' when the root is not AuditMessage, and
 * missing/invalid/duplicate reasons with the failing `path` otherwise.
 */
export function parseAuditXmlWithForm(
  input: string | Uint8Array,
  options: ParseAuditXmlOptions = {},
): ParsedAuditMessage {
  const root = auditXmlRoot(input, { ...DEFAULT_XML_LIMITS, ...AUDIT_XML_LIMITS, ...options.limits });
  if (!root || root.localName !== 'AuditMessage')
    throw new AuditFormatError(
      'not-audit-message',
      `root element is ${root?.localName ?? 'absent'}, not AuditMessage`,
      '/',
    );
  const cur: Cursor = { rfc3881: false };
  const eventIdentification = parseEventIdentification(root, cur);
  const participants = kids(root, 'ActiveParticipant');
  if (participants.length === 0)
    fail('missing-element', 'AuditMessage/ActiveParticipant', 'at least one ActiveParticipant is required');
  const message: AuditMessage = {
    eventIdentification,
    activeParticipants: participants.map((p, i) => parseActiveParticipant(p, i, cur)),
    auditSourceIdentification: parseAuditSource(root, cur),
    participantObjects: kids(root, 'ParticipantObjectIdentification').map((o, i) =>
      parseParticipantObject(o, i, cur),
    ),
  };
  return { message, form: cur.rfc3881 ? 'rfc3881' : 'dicom' };
}

/** Parses an audit message (DICOM PS3.15 or RFC 3881 form); see {@link parseAuditXmlWithForm}. */
export function parseAuditXml(input: string | Uint8Array, options: ParseAuditXmlOptions = {}): AuditMessage {
  return parseAuditXmlWithForm(input, options).message;
}
