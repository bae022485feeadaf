/**
 * Builders for the audit messages the ITI transactions define (ITI TF-2 3.20.7 profiles
 * DICOM PS3.15; each transaction's "Security Considerations" section fixes the EventID,
 * EventActionCode, EventTypeCode, participants and objects). The generic pieces below are
 * shared by every actor; {@link buildTransactionAudit} assembles whole messages from the
 * per-transaction table {@link TRANSACTION_AUDITS}. Pure: the caller supplies the time.
 */
import type { Coded as CoreCoded, OutcomeStatus, Principal } from '@mesh/core';
import {
  AUDIT_SOURCE_TYPE,
  auditTransactionCode,
  DATA_LIFE_CYCLE,
  EVENT_ID,
  OBJECT_DETAIL_TYPE,
  OBJECT_ID_TYPE,
  OBJECT_ROLE,
  OBJECT_TYPE,
  ROLE_ID,
  outcomeIndicator,
  transactionCode,
} from './codes.js';
import { AuditFormatError } from './errors.js';
import type {
  ActiveParticipant,
  AuditMessage,
  AuditSourceIdentification,
  AuditSourceTypeCode,
  Coded,
  EventActionCode,
  EventIdentification,
  EventOutcomeIndicator,
  NetworkAccessPointTypeCode,
  ParticipantObjectDetail,
  ParticipantObjectIdentification,
} from './model.js';

// ---------------------------------------------------------------------------------------
// Small helpers

/**
 * The builders fill their results field by field, in the model's property order: a
 * conditional spread in an object literal is a slow path in V8, and they run for every
 * transaction of every service.
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ASCII = /^[\u0000-\u007F]*$/;

/** Base64 of the UTF-8 bytes of a string, or of raw bytes (ParticipantObjectDetail values are xs:base64Binary). */
export function base64(value: string | Uint8Array): string {
  if (typeof value !== 'string')
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  // ASCII is its own UTF-8, and btoa encodes it without a Buffer (about twice as fast for the short ids and queries audited).
  return ASCII.test(value) ? btoa(value) : Buffer.from(value, 'utf8').toString('base64');
}

/** base64('UTF-8'), the default QueryEncoding detail. */
const UTF8_BASE64 = base64('UTF-8');

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const IPV6 = /^\[?[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%[\w.]+)?\]?$/;

/**
 * NetworkAccessPointTypeCode for an address (PS3.15 A.5.1): 2 for an IPv4 or IPv6 literal,
 * 5 for a URI, otherwise 1 (machine or DNS name).
 */
export function networkAccessPointType(address: string): NetworkAccessPointTypeCode {
  if (IPV4.test(address) || IPV6.test(address)) return 2;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(address)) return 5;
  return 1;
}

/** A XUA/@mesh/core coded value (code, codeSystem OID, displayName) as a DICOM coded value. */
export function fromCoreCoded(c: CoreCoded): Coded {
  return {
    csdCode: c.code,
    codeSystemName: c.codeSystem,
    originalText: c.displayName ?? c.code,
  };
}

// ---------------------------------------------------------------------------------------
// Active participants

/** What an audit knows about one party of a transaction. */
export interface Party {
  /**
   * For the initiator of a SOAP transaction, the content of its wsa:ReplyTo (often the
   * WS-Addressing anonymous URI); for the responder, its SOAP endpoint URI (ITI TF-2
   * 3.41.5.1 and siblings).
   */
  readonly userId: string;
  /** The process id of the party, when it is this process (TF: "AlternativeUserID = process ID"). */
  readonly altUserId?: string;
  readonly userName?: string;
  /** Machine name or IP address; its type code is inferred by {@link networkAccessPointType}. */
  readonly networkAccessPoint?: string;
}

export interface ParticipantInput extends Party {
  readonly isRequestor: boolean;
}

/**
 * Any active participant: a party with its requestor flag and RoleIDCodes, its network
 * access point typed by {@link networkAccessPointType}.
 */
export function activeParticipant(
  p: Party,
  isRequestor: boolean,
  roleIdCodes: readonly Coded[],
): ActiveParticipant {
  const out = { userId: p.userId } as Mutable<ActiveParticipant>;
  if (p.altUserId !== undefined) out.alternativeUserId = p.altUserId;
  if (p.userName !== undefined) out.userName = p.userName;
  out.userIsRequestor = isRequestor;
  out.roleIdCodes = roleIdCodes;
  if (p.networkAccessPoint !== undefined) {
    out.networkAccessPointId = p.networkAccessPoint;
    out.networkAccessPointTypeCode = networkAccessPointType(p.networkAccessPoint);
  }
  return out;
}

/** The Source active participant, RoleIDCode EV(110153, DCM, "Source Role ID"). */
export function sourceParticipant(p: ParticipantInput): ActiveParticipant {
  return activeParticipant(p, p.isRequestor, [ROLE_ID.source]);
}

/** The Destination active participant, RoleIDCode EV(110152, DCM, "Destination Role ID"). */
export function destinationParticipant(p: ParticipantInput): ActiveParticipant {
  return activeParticipant(p, p.isRequestor, [ROLE_ID.destination]);
}

/**
 * The Human Requestor active participant for a XUA-identified user (XUA, ITI TF-2 3.40, and
 * each transaction's "Human Requestor (0..n)"): UserID is the assertion's NameID, UserName
 * the subject-id attribute, RoleIDCode the subject:role values. Anonymous and system
 * principals have no human requestor: returns undefined.
 */
export function humanRequestor(principal: Principal): ActiveParticipant | undefined {
  if (principal.kind !== 'user') return undefined;
  const out = { userId: principal.nameId } as Mutable<ActiveParticipant>;
  if (principal.subjectId !== principal.nameId) out.userName = principal.subjectId;
  out.userIsRequestor = true;
  out.roleIdCodes = principal.roles.map(fromCoreCoded);
  return out;
}

// ---------------------------------------------------------------------------------------
// Participant objects

/** Patient (ITI TF-2 3.41.5.1 and others): the patient id in HL7 CX form, e.g. `id^^^&1.2.3&ISO`. */
export function patientObject(cx: string): ParticipantObjectIdentification {
  return {
    participantObjectId: cx,
    participantObjectTypeCode: OBJECT_TYPE.person,
    participantObjectTypeCodeRole: OBJECT_ROLE.patient,
    participantObjectIdTypeCode: OBJECT_ID_TYPE.patientNumber,
    participantObjectDetails: [],
  };
}

/** {@link patientObject}, with a detail naming the audited message when `detailType` is given. */
function patientObjectWith(
  cx: string,
  detailType: string | undefined,
  detailValue: string,
): ParticipantObjectIdentification {
  const p = patientObject(cx) as Mutable<ParticipantObjectIdentification>;
  if (detailType !== undefined) p.participantObjectDetails = [{ type: detailType, value: detailValue }];
  return p;
}

/** SubmissionSet (ITI TF-2 3.41.5.1, 3.42.5.1): the XDSSubmissionSet.uniqueId. */
export function submissionSetObject(uniqueId: string): ParticipantObjectIdentification {
  return {
    participantObjectId: uniqueId,
    participantObjectTypeCode: OBJECT_TYPE.systemObject,
    participantObjectTypeCodeRole: OBJECT_ROLE.job,
    participantObjectIdTypeCode: OBJECT_ID_TYPE.submissionSet,
    participantObjectDetails: [],
  };
}

/** A document reference as ITI-43 / ITI-39 name it. */
export interface DocumentRef {
  readonly uniqueId: string;
  readonly repositoryUniqueId: string;
  /** Present for XCA (and when the request carried one). */
  readonly homeCommunityId?: string;
}

/**
 * Document (ITI TF-2 3.43.5.1): ParticipantObjectID the DocumentEntry.uniqueId, with
 * "Repository Unique Id" and (when known) "ihe:homeCommunityID" details, base64-encoded.
 */
export function documentObject(doc: DocumentRef): ParticipantObjectIdentification {
  return documentObjectWith(doc, undefined);
}

/** {@link documentObject}, with a ParticipantObjectDataLifeCycle when one is given. */
function documentObjectWith(
  doc: DocumentRef,
  lifeCycle: number | undefined,
): ParticipantObjectIdentification {
  const details: ParticipantObjectDetail[] = [
    { type: OBJECT_DETAIL_TYPE.repositoryUniqueId, value: base64(doc.repositoryUniqueId) },
  ];
  if (doc.homeCommunityId !== undefined)
    details.push({ type: OBJECT_DETAIL_TYPE.homeCommunityIdDocument, value: base64(doc.homeCommunityId) });
  const out: Mutable<ParticipantObjectIdentification> = {
    participantObjectId: doc.uniqueId,
    participantObjectTypeCode: OBJECT_TYPE.systemObject,
    participantObjectTypeCodeRole: OBJECT_ROLE.report,
    participantObjectIdTypeCode: OBJECT_ID_TYPE.reportNumber,
    participantObjectDetails: details,
  };
  if (lifeCycle !== undefined) out.participantObjectDataLifeCycle = lifeCycle;
  return out;
}

/** A stored query as ITI-18 / ITI-38 audit it. Give the query either raw or already base64. */
export type QueryInput = {
  /** The stored query id (a urn:uuid). */
  readonly storedQueryId: string;
  readonly homeCommunityId?: string;
  /** Character encoding of the query text before base64; default "UTF-8". */
  readonly encoding?: string;
  /** The transaction whose query this is (ParticipantObjectIDTypeCode); default 'ITI-18'. */
  readonly transaction?: 'ITI-18' | 'ITI-38';
} & ({ readonly query: string | Uint8Array } | { readonly queryBase64: string });

/**
 * Query Parameters (ITI TF-2 3.18.5.1): ParticipantObjectID the stored query id,
 * ParticipantObjectQuery the whole AdhocQueryRequest in base64, details "QueryEncoding" and
 * (when the query named one) "urn:ihe:iti:xca:2010:homeCommunityId".
 */
export function queryObject(q: QueryInput): ParticipantObjectIdentification {
  const details: ParticipantObjectDetail[] = [
    {
      type: OBJECT_DETAIL_TYPE.queryEncoding,
      value: q.encoding === undefined ? UTF8_BASE64 : base64(q.encoding),
    },
  ];
  if (q.homeCommunityId !== undefined)
    details.push({ type: OBJECT_DETAIL_TYPE.homeCommunityIdQuery, value: base64(q.homeCommunityId) });
  return {
    participantObjectId: q.storedQueryId,
    participantObjectTypeCode: OBJECT_TYPE.systemObject,
    participantObjectTypeCodeRole: OBJECT_ROLE.query,
    participantObjectIdTypeCode: transactionCode(q.transaction ?? 'ITI-18'),
    participantObjectQuery: 'queryBase64' in q ? q.queryBase64 : base64(q.query),
    participantObjectDetails: details,
  };
}

/**
 * AuditSourceIdentification. Mesh services are application server processes (type 4)
 * unless told otherwise.
 */
export function auditSource(
  sourceId: string,
  enterpriseSiteId?: string,
  typeCode: AuditSourceTypeCode = AUDIT_SOURCE_TYPE.applicationServerProcess,
): AuditSourceIdentification {
  const out: Mutable<AuditSourceIdentification> = { auditSourceId: sourceId };
  if (enterpriseSiteId !== undefined) out.auditEnterpriseSiteId = enterpriseSiteId;
  out.auditSourceTypeCodes = [typeCode];
  return out;
}

/**
 * An HL7 query as the PIX/PDQ audits carry it (ITI TF-2 3.9.5.1, 3.21.5.1: the QPD segment;
 * 3.45.5.1, 3.47.5.1: the QueryByParameter element), raw or already base64.
 */
export type Hl7QueryInput = {
  /**
   * ParticipantObjectID of the query object: for HL7 V3 the queryId (as `extension@root`),
   * for HL7v2 the query tag (QPD-2); defaults to the message id (MSH-10) when absent.
   */
  readonly queryId?: string;
} & ({ readonly query: string | Uint8Array } | { readonly queryBase64: string });

/**
 * Query Parameters of an HL7v2 (ITI-9, ITI-21) or HL7 V3 (ITI-45, ITI-47) query:
 * ParticipantObjectIDTypeCode the transaction code, ParticipantObjectQuery the QPD segment
 * or QueryByParameter in base64, and for HL7v2 a "MSH-10" detail with the message control id.
 */
export function hl7QueryObject(
  transaction: 'ITI-9' | 'ITI-21' | 'ITI-45' | 'ITI-47',
  q: Hl7QueryInput,
  messageId?: string,
): ParticipantObjectIdentification {
  const v2 = transaction === 'ITI-9' || transaction === 'ITI-21';
  const id = q.queryId ?? messageId;
  const out = {} as Mutable<ParticipantObjectIdentification>;
  if (id !== undefined) out.participantObjectId = id;
  out.participantObjectTypeCode = OBJECT_TYPE.systemObject;
  out.participantObjectTypeCodeRole = OBJECT_ROLE.query;
  out.participantObjectIdTypeCode = auditTransactionCode(transaction);
  out.participantObjectQuery = 'queryBase64' in q ? q.queryBase64 : base64(q.query);
  out.participantObjectDetails =
    v2 && messageId !== undefined ? [{ type: OBJECT_DETAIL_TYPE.msh10, value: base64(messageId) }] : [];
  return out;
}

/**
 * A registry object removed by ITI-62 Delete Document Set (ITI TF-2 3.62.5.1): its entryUUID,
 * typed "registry object reference", a report in its logical-deletion life cycle.
 */
export function removedObject(entryUuid: string): ParticipantObjectIdentification {
  return {
    participantObjectId: entryUuid,
    participantObjectTypeCode: OBJECT_TYPE.systemObject,
    participantObjectTypeCodeRole: OBJECT_ROLE.report,
    participantObjectDataLifeCycle: DATA_LIFE_CYCLE.logicalDeletion,
    participantObjectIdTypeCode: OBJECT_ID_TYPE.registryObjectReference,
    participantObjectDetails: [],
  };
}

// ---------------------------------------------------------------------------------------
// Per-transaction definitions

/** The transactions {@link buildTransactionAudit} knows; others are added with their issues. */
export type AuditedTransaction =
  | 'ITI-8'
  | 'ITI-9'
  | 'ITI-18'
  | 'ITI-21'
  | 'ITI-41'
  | 'ITI-42'
  | 'ITI-43'
  | 'ITI-44'
  | 'ITI-45'
  | 'ITI-47'
  | 'ITI-57'
  | 'ITI-62'
  | 'ITI-86';

/** Which end of the transaction records the audit. */
export type AuditSide = 'initiator' | 'responder';

type Cardinality = 'required' | 'optional' | 'none';

/**
 * The form of a transaction's query object: an ebXML stored query ({@link queryObject}) or an
 * HL7v2 / HL7 V3 query ({@link hl7QueryObject}).
 */
export type QueryStyle = 'stored-query' | 'hl7v2' | 'hl7v3';

/** One row of the table: what ITI TF-2 fixes for a transaction's audit on both sides. */
export interface TransactionAuditDefinition {
  /** The TF section defining the audit message. */
  readonly tf: string;
  /** TF actor names of the two ends (documentation and error messages). */
  readonly initiatorActor: string;
  readonly responderActor: string;
  readonly initiator: { readonly eventId: Coded; readonly action: EventActionCode };
  readonly responder: { readonly eventId: Coded; readonly action: EventActionCode };
  /**
   * Which end plays Source Role ID: the initiator when it sends content or a query, the
   * responder when content flows back to the initiator (ITI-43: the Repository is Source).
   */
  readonly sourceRole: AuditSide;
  /** The Patient object(s): `patientId` and `patientIds` of the input. */
  readonly patient: Cardinality;
  readonly submissionSet: Cardinality;
  readonly documents: Cardinality;
  readonly query: Cardinality;
  /** Default 'stored-query'. */
  readonly queryStyle?: QueryStyle;
  /**
   * EventActionCodes the caller may choose instead of the default (Patient Record events:
   * 'C' a new patient, 'U' an update or a merge's surviving patient, 'D' the merged-away one).
   */
  readonly allowedActions?: readonly EventActionCode[];
  /** ParticipantObjectDetail on each Patient object naming the message (ITI-8 "MSH-10", ITI-44 "II"). */
  readonly patientMessageDetail?: string;
  /** The registry objects an ITI-62 removes (`removedObjectIds`); default 'none'. */
  readonly removedObjects?: Cardinality;
  /** ParticipantObjectDataLifeCycle of each Document object (ITI-86: permanent erasure). */
  readonly documentLifeCycle?: number;
}

const xdsSubmission = {
  sourceRole: 'initiator',
  patient: 'required',
  submissionSet: 'required',
  documents: 'none',
  query: 'none',
} as const;

const patientFeed = {
  initiator: { eventId: EVENT_ID.patientRecord, action: 'C' },
  responder: { eventId: EVENT_ID.patientRecord, action: 'C' },
  allowedActions: ['C', 'U', 'D'],
  sourceRole: 'initiator',
  patient: 'required',
  submissionSet: 'none',
  documents: 'none',
  query: 'none',
} as const;

const patientQuery = {
  initiator: { eventId: EVENT_ID.query, action: 'E' },
  responder: { eventId: EVENT_ID.query, action: 'E' },
  sourceRole: 'initiator',
  patient: 'optional',
  submissionSet: 'none',
  documents: 'none',
  query: 'required',
} as const;

/**
 * The audit definitions of the ITI transactions the mesh plays. XDS.b: ITI TF-2 3.18.5.1,
 * 3.41.5.1, 3.42.5.1, 3.43.5.1; Metadata Update 3.57.5.1; Remove Metadata and Documents
 * 3.62.5.1 and 3.86.5.1; PIX/PDQ HL7v2 3.8.5.1, 3.9.5.1, 3.21.5.1; HL7 V3 3.44.5.1,
 * 3.45.5.1, 3.47.5.1. The recording end chooses EventID/ActionCode; participants and
 * objects are the same on both ends. HL7v2 parties are named `MSH-3|MSH-4` (sender) and
 * `MSH-5|MSH-6` (receiver) in their UserID; SOAP parties as {@link Party} says.
 */
export const TRANSACTION_AUDITS: Readonly<Record<AuditedTransaction, TransactionAuditDefinition>> =
  Object.freeze({
    'ITI-8': {
      tf: 'ITI TF-2 3.8.5.1',
      initiatorActor: 'Patient Identity Source',
      responderActor: 'Patient Identifier Cross-reference Manager',
      ...patientFeed,
      patientMessageDetail: OBJECT_DETAIL_TYPE.msh10,
    },
    'ITI-9': {
      tf: 'ITI TF-2 3.9.5.1',
      initiatorActor: 'Patient Identifier Cross-reference Consumer',
      responderActor: 'Patient Identifier Cross-reference Manager',
      ...patientQuery,
      queryStyle: 'hl7v2',
    },
    'ITI-18': {
      tf: 'ITI TF-2 3.18.5.1',
      initiatorActor: 'Document Consumer',
      responderActor: 'Document Registry',
      initiator: { eventId: EVENT_ID.query, action: 'E' },
      responder: { eventId: EVENT_ID.query, action: 'E' },
      sourceRole: 'initiator',
      patient: 'optional',
      submissionSet: 'none',
      documents: 'none',
      query: 'required',
    },
    'ITI-21': {
      tf: 'ITI TF-2 3.21.5.1',
      initiatorActor: 'Patient Demographics Consumer',
      responderActor: 'Patient Demographics Supplier',
      ...patientQuery,
      queryStyle: 'hl7v2',
    },
    'ITI-41': {
      tf: 'ITI TF-2 3.41.5.1',
      initiatorActor: 'Document Source',
      responderActor: 'Document Repository',
      initiator: { eventId: EVENT_ID.export, action: 'R' },
      responder: { eventId: EVENT_ID.import, action: 'C' },
      ...xdsSubmission,
    },
    'ITI-42': {
      tf: 'ITI TF-2 3.42.5.1',
      initiatorActor: 'Document Repository',
      responderActor: 'Document Registry',
      initiator: { eventId: EVENT_ID.export, action: 'R' },
      responder: { eventId: EVENT_ID.import, action: 'C' },
      ...xdsSubmission,
    },
    'ITI-43': {
      tf: 'ITI TF-2 3.43.5.1',
      initiatorActor: 'Document Consumer',
      responderActor: 'Document Repository',
      initiator: { eventId: EVENT_ID.import, action: 'C' },
      responder: { eventId: EVENT_ID.export, action: 'R' },
      sourceRole: 'responder',
      patient: 'optional',
      submissionSet: 'none',
      documents: 'required',
      query: 'none',
    },
    'ITI-44': {
      tf: 'ITI TF-2 3.44.5.1',
      initiatorActor: 'Patient Identity Source',
      responderActor: 'Patient Identifier Cross-reference Manager',
      ...patientFeed,
      patientMessageDetail: OBJECT_DETAIL_TYPE.hl7v3MessageId,
    },
    'ITI-45': {
      tf: 'ITI TF-2 3.45.5.1',
      initiatorActor: 'Patient Identifier Cross-reference Consumer',
      responderActor: 'Patient Identifier Cross-reference Manager',
      ...patientQuery,
      queryStyle: 'hl7v3',
    },
    'ITI-47': {
      tf: 'ITI TF-2 3.47.5.1',
      initiatorActor: 'Patient Demographics Consumer',
      responderActor: 'Patient Demographics Supplier',
      ...patientQuery,
      queryStyle: 'hl7v3',
    },
    // Metadata Update: the submission audit of ITI-42 with EventActionCode "U" (Update).
    'ITI-57': {
      tf: 'ITI TF-2 3.57.5.1',
      initiatorActor: 'Document Administrator',
      responderActor: 'Document Registry',
      initiator: { eventId: EVENT_ID.export, action: 'U' },
      responder: { eventId: EVENT_ID.import, action: 'U' },
      ...xdsSubmission,
    },
    'ITI-62': {
      tf: 'ITI TF-2 3.62.5.1',
      initiatorActor: 'Document Administrator',
      responderActor: 'Document Registry',
      initiator: { eventId: EVENT_ID.patientRecord, action: 'D' },
      responder: { eventId: EVENT_ID.patientRecord, action: 'D' },
      sourceRole: 'initiator',
      patient: 'required',
      submissionSet: 'none',
      documents: 'none',
      query: 'none',
      removedObjects: 'required',
    },
    'ITI-86': {
      tf: 'ITI TF-2 3.86.5.1',
      initiatorActor: 'Document Administrator',
      responderActor: 'Document Repository',
      initiator: { eventId: EVENT_ID.patientRecord, action: 'D' },
      responder: { eventId: EVENT_ID.patientRecord, action: 'D' },
      sourceRole: 'initiator',
      patient: 'optional',
      submissionSet: 'none',
      documents: 'required',
      query: 'none',
      documentLifeCycle: DATA_LIFE_CYCLE.permanentErasure,
    },
  });

export interface TransactionAuditInput {
  readonly transaction: AuditedTransaction;
  /** The end recording this audit. */
  readonly side: AuditSide;
  /** An Outcome status (mapped by {@link outcomeIndicator}) or an explicit indicator. */
  readonly outcome: OutcomeStatus | EventOutcomeIndicator;
  /** Free text for failures (e.g. the ebRS error codes); never PHI beyond the request. */
  readonly outcomeDescription?: string;
  /** When the event happened; a Date is written in UTC ('Z'). */
  readonly eventDateTime: Date | string;
  /** Who started the transaction (the SOAP client) and who answered it (the endpoint). */
  readonly initiator: Party;
  readonly responder: Party;
  /** The calling principal: a XUA user becomes the Human Requestor and gives PurposeOfUse. */
  readonly principal?: Principal;
  readonly auditSource: AuditSourceIdentification;
  /**
   * EventActionCode, where the definition lets the caller choose (ITI-8/ITI-44 Patient
   * Record: 'C' add, 'U' update or merge survivor, 'D' the merged-away patient; a merge is
   * audited as two messages, ITI TF-2 3.8.5.1). Otherwise the definition's code applies.
   */
  readonly action?: EventActionCode;
  /** Patient id in CX form. */
  readonly patientId?: string;
  /** Further patients in CX form (PIX/PDQ queries: every patient id in the query or its result). */
  readonly patientIds?: readonly string[];
  readonly submissionSetUniqueId?: string;
  readonly documents?: readonly DocumentRef[];
  readonly query?: QueryInput;
  /** The HL7v2 / HL7 V3 query of ITI-9, ITI-21, ITI-45, ITI-47. */
  readonly hl7Query?: Hl7QueryInput;
  /**
   * The id of the audited HL7 message: MSH-10 for ITI-8/9/21, the message id
   * (`root^extension`) for ITI-44. Written as the ParticipantObjectDetail the TF names.
   */
  readonly messageId?: string;
  /** entryUUIDs of the registry objects ITI-62 removes. */
  readonly removedObjectIds?: readonly string[];
}

/**
 * Builds the audit message ITI TF-2 defines for one end of a transaction. A successful
 * transaction must supply every required object (throws AuditFormatError 'invalid-model'
 * otherwise); a failed one is audited with whatever is known, because the failure itself
 * must still be recorded (ATNA audits failed transactions too).
 */
export function buildTransactionAudit(input: TransactionAuditInput): AuditMessage {
  const def: TransactionAuditDefinition = TRANSACTION_AUDITS[input.transaction];
  const indicator = typeof input.outcome === 'number' ? input.outcome : outcomeIndicator(input.outcome);
  const event = input.side === 'initiator' ? def.initiator : def.responder;
  const action = input.action ?? event.action;
  if (action !== event.action && !(def.allowedActions ?? []).includes(action))
    throw new AuditFormatError(
      'invalid-model',
      `${def.tf}: EventActionCode '${action}' is not defined for ${input.transaction}`,
      'EventIdentification@EventActionCode',
    );
  const queryStyle = def.queryStyle ?? 'stored-query';
  const removed = def.removedObjects ?? 'none';
  if (indicator === 0) {
    requireObject(
      input,
      def.patient,
      input.patientId !== undefined || (input.patientIds?.length ?? 0) > 0,
      'Patient',
    );
    requireObject(input, def.submissionSet, input.submissionSetUniqueId !== undefined, 'SubmissionSet');
    requireObject(input, def.documents, (input.documents?.length ?? 0) > 0, 'Document');
    requireObject(
      input,
      def.query,
      queryStyle === 'stored-query' ? input.query !== undefined : input.hl7Query !== undefined,
      'Query Parameters',
    );
    requireObject(input, removed, (input.removedObjectIds?.length ?? 0) > 0, 'Removed Object');
  }

  // The initiator asked for the transaction: it is the requestor whichever role it plays.
  const initiatorIsSource = def.sourceRole === 'initiator';
  const participants: ActiveParticipant[] = [
    activeParticipant(initiatorIsSource ? input.initiator : input.responder, initiatorIsSource, [
      ROLE_ID.source,
    ]),
  ];
  const human = input.principal ? humanRequestor(input.principal) : undefined;
  if (human) participants.push(human);
  participants.push(
    activeParticipant(initiatorIsSource ? input.responder : input.initiator, !initiatorIsSource, [
      ROLE_ID.destination,
    ]),
  );

  const objects: ParticipantObjectIdentification[] = [];
  if (def.patient !== 'none') {
    const detailType = input.messageId === undefined ? undefined : def.patientMessageDetail;
    const detailValue = detailType === undefined ? '' : base64(input.messageId as string);
    if (input.patientId !== undefined)
      objects.push(patientObjectWith(input.patientId, detailType, detailValue));
    if (input.patientIds !== undefined)
      for (const cx of input.patientIds) objects.push(patientObjectWith(cx, detailType, detailValue));
  }
  if (def.submissionSet !== 'none' && input.submissionSetUniqueId !== undefined)
    objects.push(submissionSetObject(input.submissionSetUniqueId));
  if (def.documents !== 'none' && input.documents !== undefined)
    for (const d of input.documents) objects.push(documentObjectWith(d, def.documentLifeCycle));
  if (def.query !== 'none') {
    if (queryStyle === 'stored-query' && input.query !== undefined) objects.push(queryObject(input.query));
    if (queryStyle !== 'stored-query' && input.hl7Query !== undefined)
      objects.push(
        hl7QueryObject(
          input.transaction as 'ITI-9' | 'ITI-21' | 'ITI-45' | 'ITI-47',
          input.hl7Query,
          input.messageId,
        ),
      );
  }
  if (removed !== 'none' && input.removedObjectIds !== undefined)
    for (const id of input.removedObjectIds) objects.push(removedObject(id));

  const eventIdentification: Mutable<EventIdentification> = {
    eventId: event.eventId,
    eventActionCode: action,
    eventDateTime:
      typeof input.eventDateTime === 'string' ? input.eventDateTime : input.eventDateTime.toISOString(),
    eventOutcomeIndicator: indicator,
    eventTypeCodes: [auditTransactionCode(input.transaction)],
  };
  if (input.outcomeDescription !== undefined)
    eventIdentification.eventOutcomeDescription = input.outcomeDescription;
  if (input.principal?.kind === 'user' && input.principal.purposeOfUse)
    eventIdentification.purposesOfUse = [fromCoreCoded(input.principal.purposeOfUse)];
  return {
    eventIdentification,
    activeParticipants: participants,
    auditSourceIdentification: input.auditSource,
    participantObjects: objects,
  };
}

/** Throws when a successful transaction's audit lacks an object its definition requires. */
function requireObject(
  input: TransactionAuditInput,
  card: Cardinality,
  present: boolean,
  what: string,
): void {
  if (card === 'required' && !present)
    throw new AuditFormatError(
      'invalid-model',
      `${TRANSACTION_AUDITS[input.transaction].tf}: a successful ${input.transaction} audit needs the ${what} object`,
      `ParticipantObjectIdentification(${what})`,
    );
}
