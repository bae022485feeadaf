/**
 * The ONE catalogue of bus subjects (HOUSE_STYLE: services talk over "NATS subjects declared
 * in one catalogue"). Each subject is either a request (request/reply, served by a queue group
 * so replicas share the load) or an event (published to a JetStream stream, consumed by
 * durable consumers). Events are named in the past tense.
 *
 * The catalogue exists twice on purpose: as TypeScript types ({@link RequestTypes},
 * {@link EventTypes}) that type the Bus API, and as data ({@link SUBJECTS}, {@link STREAMS})
 * so the JSON Schemas under schemas/ can be checked against it. A compile-time check below
 * keeps the two in step. Every payload is plain JSON (no Dates, Maps, undefined-only fields).
 */
import type { OutcomeStatus, Principal, RequestContext, TransactionId } from '@mesh/core';

// ---------------------------------------------------------------------------------------------
// Payload types
// ---------------------------------------------------------------------------------------------

/**
 * A {@link RequestContext} as it travels on the bus: everything but the AbortSignal, which
 * cannot cross a process boundary (the reply timeout bounds the remote work instead).
 */
export interface WireRequestContext {
  readonly transaction: TransactionId;
  readonly principal: Principal;
  readonly traceId: string;
  readonly messageId: string;
  readonly remoteAddress?: string;
  readonly endpoint?: string;
}

/** Strips the non-serializable parts of a request context before it goes on the bus. */
export function toWireContext(ctx: RequestContext): WireRequestContext {
  const { transaction, principal, traceId, messageId, remoteAddress, endpoint } = ctx;
  return {
    transaction,
    principal,
    traceId,
    messageId,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/**
 * One patient identifier: HL7 CX-1 (id) and CX-4.2 (the assigning authority's universal id,
 * an ISO OID), as PIX and XDS use them (ITI TF-3 4.2.3.1.7 sourcePatientId / patientId).
 */
export interface PatientIdentifier {
  readonly id: string;
  /** Assigning authority universal id (OID), CX-4.2 with CX-4.3 = 'ISO'. */
  readonly assigningAuthority: string;
}

/** A code triple as XDS metadata carries it (ITI TF-3 4.2.3.1.2 classification code). */
export interface EventCode {
  readonly code: string;
  readonly codeSystem: string;
  readonly displayName?: string;
}

/** Fields every event carries: its id (also sent as Nats-Msg-Id) and when it happened. */
export interface EventBase {
  /** Unique id of the event (UUID); publishers use it as the JetStream msgId, consumers to be idempotent. */
  readonly eventId: string;
  /** ISO 8601 instant the change was committed by the publishing service. */
  readonly occurredAt: string;
}

/** `registry.register` request: the ITI-42 a Document Repository sends after storing documents (ITI-41). */
export interface RegistryRegisterRequest {
  /** The ebRIM lcm:SubmitObjectsRequest XML (ITI TF-2 3.42.4.1.2), as the repository built it. */
  readonly submission: string;
  /** The context of the ITI-41 that caused this ITI-42 (principal, trace, message id). */
  readonly context: WireRequestContext;
}

/** `registry.register` reply: the registry's RegistryResponse. */
export interface RegistryRegisterReply {
  /** The rs:RegistryResponse XML (ITI TF-2 3.42.4.2), errors included in its RegistryErrorList. */
  readonly responseXml: string;
  /** Status of that response, so the repository can roll back without parsing the XML. */
  readonly status: OutcomeStatus;
}

/** `mpi.resolve` request: resolve a CX patient id to the enterprise identity (PIX-style lookup). */
export interface MpiResolveRequest {
  /** CX as sent in XDS metadata, e.g. `8735512^^^&1.3.6.1.4.1.21367.2005.3.7&ISO`. */
  readonly patientId: string;
  readonly context?: WireRequestContext;
}

/** `mpi.resolve` reply. Unknown ids are `found: false`, not an error (XDSUnknownPatientId is the caller's call). */
export type MpiResolveReply =
  | { readonly found: false }
  | {
      readonly found: true;
      /** The enterprise (national) identifier; for a merged id, the surviving identity. */
      readonly enterpriseId: PatientIdentifier;
      /** True when the requested id belongs to an identity that was merged into `enterpriseId`. */
      readonly merged: boolean;
      /** Every active local identifier linked to the enterprise identity (PIX cross-references). */
      readonly crossReferences: readonly PatientIdentifier[];
    };

/** `mpi.patient-created`: a new enterprise identity exists (ITI-8 A01/A04/A05, ITI-44 add). */
export interface MpiPatientCreated extends EventBase {
  readonly enterpriseId: PatientIdentifier;
  /** All identifiers linked at creation, the enterprise one excluded. */
  readonly identifiers: readonly PatientIdentifier[];
  readonly transaction: TransactionId;
}

/** `mpi.patient-updated`: demographics or identifiers of an identity changed (ITI-8 A08, ITI-44 revise). */
export interface MpiPatientUpdated extends EventBase {
  readonly enterpriseId: PatientIdentifier;
  readonly identifiers: readonly PatientIdentifier[];
  readonly transaction: TransactionId;
}

/** `mpi.patient-linked`: local identifiers were (un)linked to an enterprise identity (PIX cross-referencing, ITI-10). */
export interface MpiPatientLinked extends EventBase {
  readonly enterpriseId: PatientIdentifier;
  readonly linked: readonly PatientIdentifier[];
  readonly unlinked: readonly PatientIdentifier[];
  readonly transaction?: TransactionId;
}

/** `mpi.patient-merged`: identities were merged into a survivor (ITI-8 A40, ITI-44 duplicates resolved). */
export interface MpiPatientMerged extends EventBase {
  readonly survivingId: PatientIdentifier;
  /** The retired identifiers; XDS registries re-point their entries (ITI TF-2 3.8.4.2.3). */
  readonly mergedIds: readonly PatientIdentifier[];
  readonly transaction: TransactionId;
}

/** One DocumentEntry as the `xds.document-registered` event summarizes it (no PHI beyond ids and codes). */
export interface RegisteredDocument {
  readonly entryUUID: string;
  readonly uniqueId: string;
  readonly repositoryUniqueId?: string;
  readonly classCode?: EventCode;
  readonly typeCode?: EventCode;
  readonly formatCode?: EventCode;
  readonly mimeType?: string;
  /** Institution of the author (XON), used for the per-organisation indicators. */
  readonly authorInstitutions?: readonly string[];
}

/** `xds.document-registered`: an ITI-42 submission set was committed by the registry. */
export interface XdsDocumentRegistered extends EventBase {
  /** The submission's patient id as CX (ITI TF-3 4.2.3.1.7). */
  readonly patientId: string;
  readonly submissionSetUniqueId: string;
  readonly submissionSetEntryUUID: string;
  readonly sourceId: string;
  readonly documents: readonly RegisteredDocument[];
}

/** `xds.document-removed`: DocumentEntries were deleted from the registry (ITI-62 Remove Metadata). */
export interface XdsDocumentRemoved extends EventBase {
  readonly patientId: string;
  readonly documents: readonly { readonly entryUUID: string; readonly uniqueId: string }[];
  readonly transaction: TransactionId;
}

/**
 * `audit.record-submitted`: one ATNA audit message (DICOM PS3.15 A.5 XML) handed over by a
 * Secure Node. The audit repository stores it in PostgreSQL and acks only after commit.
 */
export interface AuditRecordSubmitted {
  /** UUID; equals the Nats-Msg-Id, and the audit repository's idempotency key. */
  readonly messageId: string;
  /** The AuditMessage XML. */
  readonly xml: string;
  /** The audit source (AuditSourceIdentification/@AuditSourceID) of the sending node. */
  readonly sourceId: string;
  /** ISO 8601 instant the Secure Node accepted the record. */
  readonly receivedAt: string;
}

/**
 * `audit.records-submitted`: several audit records of one Secure Node in one message (its
 * sender batches the records handed to it while a publish is in flight, ADR 0006). The
 * Nats-Msg-Id identifies the batch; each record keeps its own `messageId`, which stays the
 * audit repository's idempotency key. The repository acks the message once every record
 * in it is committed.
 */
export interface AuditRecordsSubmitted {
  /** In the order the Secure Node accepted them; at least one. */
  readonly records: readonly AuditRecordSubmitted[];
}

// ---------------------------------------------------------------------------------------------
// The catalogue as types
// ---------------------------------------------------------------------------------------------

/** Request subjects: request payload and reply types. */
export interface RequestTypes {
  'registry.register': { request: RegistryRegisterRequest; reply: RegistryRegisterReply };
  'mpi.resolve': { request: MpiResolveRequest; reply: MpiResolveReply };
}

/** Event subjects: payload types. */
export interface EventTypes {
  'mpi.patient-created': MpiPatientCreated;
  'mpi.patient-updated': MpiPatientUpdated;
  'mpi.patient-linked': MpiPatientLinked;
  'mpi.patient-merged': MpiPatientMerged;
  'xds.document-registered': XdsDocumentRegistered;
  'xds.document-removed': XdsDocumentRemoved;
  'audit.record-submitted': AuditRecordSubmitted;
  'audit.records-submitted': AuditRecordsSubmitted;
}

export type RequestSubject = keyof RequestTypes;
export type EventSubject = keyof EventTypes;
export type Subject = RequestSubject | EventSubject;
export type RequestOf<S extends RequestSubject> = RequestTypes[S]['request'];
export type ReplyOf<S extends RequestSubject> = RequestTypes[S]['reply'];
export type EventOf<S extends EventSubject> = EventTypes[S];

// ---------------------------------------------------------------------------------------------
// The catalogue as data
// ---------------------------------------------------------------------------------------------

/** A JetStream stream the catalogue's events live in. */
export interface StreamSpec {
  readonly name: string;
  readonly doc: string;
  /** Messages older than this are discarded (limits retention): the stream is a buffer, not a system of record. */
  readonly maxAgeMs: number;
  /** The Nats-Msg-Id de-duplication window (JetStream `duplicate_window`). */
  readonly duplicateWindowMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Streams, keyed by name. Names are UPPER_CASE as NATS convention has it. */
export const STREAMS = Object.freeze({
  MPI: {
    name: 'MPI',
    doc: 'Patient identity changes published by the MPI (PIX Manager); consumed by the registry.',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * 60_000,
  },
  XDS: {
    name: 'XDS',
    doc: 'Document registry changes; consumed by indicators and notification features.',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * 60_000,
  },
  AUDIT: {
    name: 'AUDIT',
    doc: 'ATNA audit records from every Secure Node; consumed by the audit repository (PostgreSQL is the system of record).',
    maxAgeMs: 7 * DAY,
    // A Secure Node may re-send spooled records long after a first attempt that timed out
    // but was stored; a wide window keeps those out. The audit repository is idempotent on
    // messageId as well, for re-sends beyond the window.
    duplicateWindowMs: 1 * HOUR,
  },
} as const satisfies Record<string, StreamSpec>);

export type StreamName = keyof typeof STREAMS;

/** A request subject's catalogue entry. */
export interface RequestSubjectSpec {
  readonly kind: 'request';
  readonly doc: string;
  /** Name of the TypeScript request payload type (for schema checks). */
  readonly payloadType: string;
  /** Name of the TypeScript reply type. */
  readonly replyType: string;
  /** Services that serve it (queue group members) and that call it. */
  readonly servedBy: string;
  readonly calledBy: readonly string[];
  /** The IHE transaction it carries, when it carries one. */
  readonly transaction?: TransactionId;
}

/** An event subject's catalogue entry. */
export interface EventSubjectSpec {
  readonly kind: 'event';
  readonly doc: string;
  readonly payloadType: string;
  readonly stream: StreamName;
  readonly publishedBy: string;
}

export type SubjectSpec = RequestSubjectSpec | EventSubjectSpec;

/** Every subject, keyed by subject name (without any deployment prefix). */
export const SUBJECTS = Object.freeze({
  'registry.register': {
    kind: 'request',
    doc: 'ITI-42 Register Document Set-b from a Document Repository to the Document Registry.',
    payloadType: 'RegistryRegisterRequest',
    replyType: 'RegistryRegisterReply',
    servedBy: 'registry',
    calledBy: ['repository'],
    transaction: 'ITI-42',
  },
  'mpi.resolve': {
    kind: 'request',
    doc: 'Resolve a CX patient id to its enterprise identity and cross-references (PIX-style lookup).',
    payloadType: 'MpiResolveRequest',
    replyType: 'MpiResolveReply',
    servedBy: 'mpi',
    calledBy: ['registry', 'ncp-gateway'],
  },
  'mpi.patient-created': {
    kind: 'event',
    doc: 'A new enterprise patient identity was created.',
    payloadType: 'MpiPatientCreated',
    stream: 'MPI',
    publishedBy: 'mpi',
  },
  'mpi.patient-updated': {
    kind: 'event',
    doc: "A patient identity's demographics or identifiers changed.",
    payloadType: 'MpiPatientUpdated',
    stream: 'MPI',
    publishedBy: 'mpi',
  },
  'mpi.patient-linked': {
    kind: 'event',
    doc: 'Local identifiers were linked to or unlinked from an enterprise identity.',
    payloadType: 'MpiPatientLinked',
    stream: 'MPI',
    publishedBy: 'mpi',
  },
  'mpi.patient-merged': {
    kind: 'event',
    doc: 'Patient identities were merged into a surviving identity.',
    payloadType: 'MpiPatientMerged',
    stream: 'MPI',
    publishedBy: 'mpi',
  },
  'xds.document-registered': {
    kind: 'event',
    doc: 'A submission set and its DocumentEntries were committed by the registry (ITI-42).',
    payloadType: 'XdsDocumentRegistered',
    stream: 'XDS',
    publishedBy: 'registry',
  },
  'xds.document-removed': {
    kind: 'event',
    doc: 'DocumentEntries were removed from the registry (ITI-62).',
    payloadType: 'XdsDocumentRemoved',
    stream: 'XDS',
    publishedBy: 'registry',
  },
  'audit.record-submitted': {
    kind: 'event',
    doc: 'An ATNA audit record handed over by a Secure Node, for the audit repository.',
    payloadType: 'AuditRecordSubmitted',
    stream: 'AUDIT',
    publishedBy: 'secure-node (every service)',
  },
  'audit.records-submitted': {
    kind: 'event',
    doc: 'A batch of ATNA audit records handed over by one Secure Node in one message, for the audit repository.',
    payloadType: 'AuditRecordsSubmitted',
    stream: 'AUDIT',
    publishedBy: 'secure-node (every service)',
  },
} as const satisfies Record<Subject, SubjectSpec>);

// Compile-time check that the data and the types agree on each subject's kind: a subject
// added to one side only, or filed under the wrong kind, fails the typecheck here.
type KindOf<K extends 'request' | 'event'> = {
  [S in keyof typeof SUBJECTS]: (typeof SUBJECTS)[S]['kind'] extends K ? S : never;
}[keyof typeof SUBJECTS];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const requestsInStep: Same<KindOf<'request'>, RequestSubject> = true;
const eventsInStep: Same<KindOf<'event'>, EventSubject> = true;
void requestsInStep;
void eventsInStep;

/** The stream an event subject is stored in. */
export function streamOf(subject: EventSubject): StreamSpec {
  return STREAMS[SUBJECTS[subject].stream];
}

/** The catalogue's subjects stored in a stream. */
export function subjectsOfStream(stream: StreamName): EventSubject[] {
  return (Object.keys(SUBJECTS) as Subject[]).filter(
    (s): s is EventSubject => SUBJECTS[s].kind === 'event' && SUBJECTS[s].stream === stream,
  );
}

/** True when `s` names a catalogue subject of the given kind (for data arriving from outside). */
export function isRequestSubject(s: string): s is RequestSubject {
  return Object.hasOwn(SUBJECTS, s) && SUBJECTS[s as Subject].kind === 'request';
}

export function isEventSubject(s: string): s is EventSubject {
  return Object.hasOwn(SUBJECTS, s) && SUBJECTS[s as Subject].kind === 'event';
}
