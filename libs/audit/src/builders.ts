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
  EventOutcomeIndicator,
  NetworkAccessPointTypeCode,
  ParticipantObjectDetail,
  ParticipantObjectIdentification,
} from './model.js';

// ---------------------------------------------------------------------------------------
// Small helpers

/** Base64 of the UTF-8 bytes of a string, or of raw bytes (ParticipantObjectDetail values are xs:base64Binary). */
export function base64(value: string | Uint8Array): string {
  return typeof value === 'string'
    ? Buffer.from(value, 'utf8').toString('base64')
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}

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
  return {
    userId: p.userId,
    ...(p.altUserId !== undefined && { alternativeUserId: p.altUserId }),
    ...(p.userName !== undefined && { userName: p.userName }),
    userIsRequestor: isRequestor,
    roleIdCodes,
    ...(p.networkAccessPoint !== undefined && {
      networkAccessPointId: p.networkAccessPoint,
      networkAccessPointTypeCode: networkAccessPointType(p.networkAccessPoint),
    }),
  };
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
  return {
    userId: principal.nameId,
    ...(principal.subjectId !== principal.nameId && { userName: principal.subjectId }),
    userIsRequestor: true,
    roleIdCodes: principal.roles.map(fromCoreCoded),
  };
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
  const details: ParticipantObjectDetail[] = [
    { type: OBJECT_DETAIL_TYPE.repositoryUniqueId, value: base64(doc.repositoryUniqueId) },
  ];
  if (doc.homeCommunityId !== undefined)
    details.push({ type: OBJECT_DETAIL_TYPE.homeCommunityIdDocument, value: base64(doc.homeCommunityId) });
  return {
    participantObjectId: doc.uniqueId,
    participantObjectTypeCode: OBJECT_TYPE.systemObject,
    participantObjectTypeCodeRole: OBJECT_ROLE.report,
    participantObjectIdTypeCode: OBJECT_ID_TYPE.reportNumber,
    participantObjectDetails: details,
  };
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
    { type: OBJECT_DETAIL_TYPE.queryEncoding, value: base64(q.encoding ?? 'UTF-8') },
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
  return {
    auditSourceId: sourceId,
    ...(enterpriseSiteId !== undefined && { auditEnterpriseSiteId: enterpriseSiteId }),
    auditSourceTypeCodes: [typeCode],
  };
}

// ---------------------------------------------------------------------------------------
// Per-transaction definitions

/** The transactions {@link buildTransactionAudit} knows; others are added with their issues. */
export type AuditedTransaction = 'ITI-18' | 'ITI-41' | 'ITI-42' | 'ITI-43';

/** Which end of the transaction records the audit. */
export type AuditSide = 'initiator' | 'responder';

type Cardinality = 'required' | 'optional' | 'none';

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
  readonly patient: Cardinality;
  readonly submissionSet: Cardinality;
  readonly documents: Cardinality;
  readonly query: Cardinality;
}

/**
 * The audit definitions of the XDS.b transactions (ITI TF-2 3.18.5.1, 3.41.5.1, 3.42.5.1,
 * 3.43.5.1). The recording end chooses EventID/ActionCode; participants and objects are
 * the same on both ends.
 */
export const TRANSACTION_AUDITS: Readonly<Record<AuditedTransaction, TransactionAuditDefinition>> =
  Object.freeze({
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
    'ITI-41': {
      tf: 'ITI TF-2 3.41.5.1',
      initiatorActor: 'Document Source',
      responderActor: 'Document Repository',
      initiator: { eventId: EVENT_ID.export, action: 'R' },
      responder: { eventId: EVENT_ID.import, action: 'C' },
      sourceRole: 'initiator',
      patient: 'required',
      submissionSet: 'required',
      documents: 'none',
      query: 'none',
    },
    'ITI-42': {
      tf: 'ITI TF-2 3.42.5.1',
      initiatorActor: 'Document Repository',
      responderActor: 'Document Registry',
      initiator: { eventId: EVENT_ID.export, action: 'R' },
      responder: { eventId: EVENT_ID.import, action: 'C' },
      sourceRole: 'initiator',
      patient: 'required',
      submissionSet: 'required',
      documents: 'none',
      query: 'none',
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
  /** Patient id in CX form. */
  readonly patientId?: string;
  readonly submissionSetUniqueId?: string;
  readonly documents?: readonly DocumentRef[];
  readonly query?: QueryInput;
}

/**
 * Builds the audit message ITI TF-2 defines for one end of an XDS.b transaction. A
 * successful transaction must supply every required object (throws AuditFormatError
 * 'invalid-model' otherwise); a failed one is audited with whatever is known, because the
 * failure itself must still be recorded (ATNA audits failed transactions too).
 */
export function buildTransactionAudit(input: TransactionAuditInput): AuditMessage {
  const def = TRANSACTION_AUDITS[input.transaction];
  const indicator = typeof input.outcome === 'number' ? input.outcome : outcomeIndicator(input.outcome);
  const event = input.side === 'initiator' ? def.initiator : def.responder;

  const require = (card: Cardinality, present: boolean, what: string): void => {
    if (card === 'required' && !present && indicator === 0)
      throw new AuditFormatError(
        'invalid-model',
        `${def.tf}: a successful ${input.transaction} audit needs the ${what} object`,
        `ParticipantObjectIdentification(${what})`,
      );
  };
  require(def.patient, input.patientId !== undefined, 'Patient');
  require(def.submissionSet, input.submissionSetUniqueId !== undefined, 'SubmissionSet');
  require(def.documents, (input.documents?.length ?? 0) > 0, 'Document');
  require(def.query, input.query !== undefined, 'Query Parameters');

  // The initiator asked for the transaction: it is the requestor whichever role it plays.
  const initiator = { ...input.initiator, isRequestor: true };
  const responder = { ...input.responder, isRequestor: false };
  const source = def.sourceRole === 'initiator' ? initiator : responder;
  const destination = def.sourceRole === 'initiator' ? responder : initiator;
  const human = input.principal ? humanRequestor(input.principal) : undefined;
  const participants: ActiveParticipant[] = [sourceParticipant(source)];
  if (human) participants.push(human);
  participants.push(destinationParticipant(destination));

  const objects: ParticipantObjectIdentification[] = [];
  if (def.patient !== 'none' && input.patientId !== undefined) objects.push(patientObject(input.patientId));
  if (def.submissionSet !== 'none' && input.submissionSetUniqueId !== undefined)
    objects.push(submissionSetObject(input.submissionSetUniqueId));
  if (def.documents !== 'none') for (const d of input.documents ?? []) objects.push(documentObject(d));
  if (def.query !== 'none' && input.query !== undefined) objects.push(queryObject(input.query));

  const purpose =
    input.principal?.kind === 'user' && input.principal.purposeOfUse
      ? [fromCoreCoded(input.principal.purposeOfUse)]
      : [];
  return {
    eventIdentification: {
      eventId: event.eventId,
      eventActionCode: event.action,
      eventDateTime:
        typeof input.eventDateTime === 'string' ? input.eventDateTime : input.eventDateTime.toISOString(),
      eventOutcomeIndicator: indicator,
      eventTypeCodes: [transactionCode(input.transaction)],
      ...(input.outcomeDescription !== undefined && { eventOutcomeDescription: input.outcomeDescription }),
      ...(purpose.length > 0 && { purposesOfUse: purpose }),
    },
    activeParticipants: participants,
    auditSourceIdentification: input.auditSource,
    participantObjects: objects,
  };
}
