/**
 * From a received ITI-20 payload to the record the repository stores: the audit message
 * parsed (DICOM PS3.15, or RFC 3881 translated by @mesh/audit), the columns and keys the
 * searches use, derived from it, and the digest its chain link commits to. The parsed model
 * itself is not kept: records wait in memory until their batch commits. Pure: no I/O.
 */
import { AuditFormatError, OBJECT_ROLE, OBJECT_TYPE, parseAuditXmlWithForm } from '@mesh/audit';
import type { AuditForm, AuditMessage } from '@mesh/audit';
import { xmlDigest } from './chain.js';

/** How a record reached the repository. */
export type Transport = 'bus' | 'tls' | 'udp';

/** What an ingest path hands over. */
export interface IngestInput {
  /** The AuditMessage XML: the syslog MSG bytes or the bus payload's `xml`. */
  readonly xml: string | Uint8Array;
  readonly transport: Transport;
  /** The sender's message id, when it gave one (the bus message id): the de-duplication key. */
  readonly messageId?: string;
  /** Who delivered it: remote address (syslog) or the Secure Node's source id (bus). */
  readonly peer?: string;
}

/** One search key of a record: P patient (canonical CX), U user id or name, S EventTypeCode. */
export interface RecordKey {
  readonly kind: 'P' | 'U' | 'S';
  readonly value: string;
}

/** A parsed, indexed record ready to be appended to a chain. */
export interface PreparedRecord {
  readonly messageId: string | null;
  readonly transport: Transport;
  readonly peer: string | null;
  /** The XML exactly as received (decoded as UTF-8). */
  readonly xml: string;
  /** SHA-256 of the XML (hex), which its chain link commits to; computed here, outside the chain's lock. */
  readonly digest: string;
  readonly form: AuditForm;
  readonly eventTime: Date;
  readonly eventCode: string;
  readonly action: string | null;
  readonly outcome: number;
  readonly subtype: string | null;
  readonly sourceId: string;
  readonly keys: readonly RecordKey[];
}

/** Longest value kept in a search key; longer ids are not searchable (they are still stored). */
const MAX_KEY = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** PostgreSQL timestamptz range (4713 BC .. 294276 AD); stay well inside it. */
const MIN_TIME = Date.UTC(1, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A patient id in the canonical form the keys use: an HL7 CX `id^^^&oid&ISO` reduced to its
 * id and assigning authority universal id (other components dropped), or a FHIR token
 * `urn:oid:<oid>|id` / `<oid>|id`. Anything else is kept as given.
 */
export function canonicalPatientId(value: string): string {
  const s = value.trim();
  const bar = s.indexOf('|');
  if (bar > 0 && !s.includes('^')) {
    const system = s.slice(0, bar).replace(/^urn:oid:/, '');
    const id = s.slice(bar + 1);
    if (id !== '' && /^[0-2](\.\d+)+$/.test(system)) return `${id}^^^&${system}&ISO`;
    return s;
  }
  const comps = s.split('^');
  const id = comps[0] ?? '';
  const authority = (comps[3] ?? '').split('&');
  const uid = authority[1];
  if (id !== '' && uid !== undefined && uid !== '') return `${id}^^^&${uid}&${authority[2] || 'ISO'}`;
  return s;
}

function decode(xml: string | Uint8Array): string {
  if (typeof xml === 'string') return xml;
  try {
    return utf8.decode(xml);
  } catch (cause) {
    throw new AuditFormatError('malformed-xml', 'audit message is not valid UTF-8', undefined, { cause });
  }
}

/** xs:dateTime to an instant; no offset means UTC (the mesh writes 'Z'; some senders omit it). */
function eventInstant(value: string): Date {
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t) || t < MIN_TIME || t > MAX_TIME)
    throw new AuditFormatError(
      'invalid-value',
      'EventDateTime is not a usable xs:dateTime',
      'AuditMessage/EventIdentification@EventDateTime',
    );
  return new Date(t);
}

/** The search keys of a message: patients, users, event type codes (deduplicated). */
export function recordKeys(m: AuditMessage): RecordKey[] {
  const seen = new Set<string>();
  const out: RecordKey[] = [];
  const add = (kind: RecordKey['kind'], value: string | undefined): void => {
    if (value === undefined || value === '' || value.length > MAX_KEY) return;
    const k = `${kind}\u0000${value}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ kind, value });
  };
  for (const o of m.participantObjects)
    if (
      o.participantObjectTypeCode === OBJECT_TYPE.person &&
      o.participantObjectTypeCodeRole === OBJECT_ROLE.patient &&
      o.participantObjectId !== undefined
    )
      add('P', canonicalPatientId(o.participantObjectId));
  for (const p of m.activeParticipants) {
    add('U', p.userId);
    add('U', p.userName);
  }
  for (const t of m.eventIdentification.eventTypeCodes) add('S', t.csdCode);
  return out;
}

/**
 * Parses and indexes one received payload. Throws AuditFormatError for anything that is not
 * a DICOM PS3.15 / RFC 3881 audit message (its message never echoes content).
 */
export function prepareRecord(input: IngestInput): PreparedRecord {
  const xml = decode(input.xml);
  if (xml.includes('\u0000'))
    throw new AuditFormatError('malformed-xml', 'audit message contains a NUL character');
  const { message, form } = parseAuditXmlWithForm(xml);
  const e = message.eventIdentification;
  return {
    messageId: input.messageId ?? null,
    transport: input.transport,
    peer: input.peer ?? null,
    xml,
    digest: xmlDigest(xml),
    form,
    eventTime: eventInstant(e.eventDateTime),
    eventCode: e.eventId.csdCode,
    action: e.eventActionCode ?? null,
    outcome: e.eventOutcomeIndicator,
    subtype: e.eventTypeCodes[0]?.csdCode ?? null,
    sourceId: message.auditSourceIdentification.auditSourceId,
    keys: recordKeys(message),
  };
}
