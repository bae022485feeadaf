/**
 * The coded vocabulary of IHE audit messages: DICOM PS3.16 codes (code system "DCM", CID
 * 400-403), RFC 3881 participant object id types, IHE XDS metadata and IHE transaction
 * codes, as ITI TF-2 3.20.7 and each transaction's "Security Considerations" section use
 * them. Display texts are carried in `originalText`, as DICOM PS3.15 (2017+) places them.
 */
import { TRANSACTIONS } from '@mesh/core';
import type { OutcomeStatus, TransactionId } from '@mesh/core';
import type {
  AuditSourceTypeCode,
  Coded,
  EventOutcomeIndicator,
  ParticipantObjectTypeCode,
} from './model.js';

const dcm = (csdCode: string, originalText: string): Coded =>
  Object.freeze({ csdCode, codeSystemName: 'DCM', originalText });

/** EventID values (DICOM PS3.16 CID 403 "Audit Event ID"). */
export const EVENT_ID = Object.freeze({
  applicationActivity: dcm('110100', 'Application Activity'),
  auditLogUsed: dcm('110101', 'Audit Log Used'),
  beginTransferringDicomInstances: dcm('110102', 'Begin Transferring DICOM Instances'),
  dicomInstancesAccessed: dcm('110103', 'DICOM Instances Accessed'),
  dicomInstancesTransferred: dcm('110104', 'DICOM Instances Transferred'),
  dicomStudyDeleted: dcm('110105', 'DICOM Study Deleted'),
  export: dcm('110106', 'Export'),
  import: dcm('110107', 'Import'),
  networkEntry: dcm('110108', 'Network Entry'),
  orderRecord: dcm('110109', 'Order Record'),
  patientRecord: dcm('110110', 'Patient Record'),
  procedureRecord: dcm('110111', 'Procedure Record'),
  query: dcm('110112', 'Query'),
  securityAlert: dcm('110113', 'Security Alert'),
  /** DICOM's code meaning is "User Authentication" (ATNA "User-authentication" events). */
  userAuthenticated: dcm('110114', 'User Authentication'),
});

/** Non-transaction EventTypeCode values (DICOM PS3.16 CID 401 "Audit Event Type Code"). */
export const EVENT_TYPE = Object.freeze({
  applicationStart: dcm('110120', 'Application Start'),
  applicationStop: dcm('110121', 'Application Stop'),
  login: dcm('110122', 'Login'),
  logout: dcm('110123', 'Logout'),
  attach: dcm('110124', 'Attach'),
  detach: dcm('110125', 'Detach'),
  nodeAuthentication: dcm('110126', 'Node Authentication'),
  emergencyOverrideStarted: dcm('110127', 'Emergency Override Started'),
  networkConfiguration: dcm('110128', 'Network Configuration'),
  securityConfiguration: dcm('110129', 'Security Configuration'),
  hardwareConfiguration: dcm('110130', 'Hardware Configuration'),
  softwareConfiguration: dcm('110131', 'Software Configuration'),
  useOfRestrictedFunction: dcm('110132', 'Use of Restricted Function'),
  auditRecordingStopped: dcm('110133', 'Audit Recording Stopped'),
  auditRecordingStarted: dcm('110134', 'Audit Recording Started'),
  objectSecurityAttributesChanged: dcm('110135', 'Object Security Attributes Changed'),
  securityRolesChanged: dcm('110136', 'Security Roles Changed'),
  userSecurityAttributesChanged: dcm('110137', 'User security Attributes Changed'),
  emergencyOverrideStopped: dcm('110138', 'Emergency Override Stopped'),
});

/** RoleIDCode values (DICOM PS3.16 CID 402 "Audit Active Participant Role ID Code"). */
export const ROLE_ID = Object.freeze({
  application: dcm('110150', 'Application'),
  applicationLauncher: dcm('110151', 'Application Launcher'),
  destination: dcm('110152', 'Destination Role ID'),
  source: dcm('110153', 'Source Role ID'),
  destinationMedia: dcm('110154', 'Destination Media'),
  sourceMedia: dcm('110155', 'Source Media'),
});

/**
 * AuditSourceTypeCode (DICOM PS3.15 A.5.1, from RFC 3881 5.4): bare single-digit codes,
 * which the schema allows without a code system.
 */
const sourceType = (
  csdCode: string,
  originalText: string,
): { readonly csdCode: string; readonly originalText: string } => Object.freeze({ csdCode, originalText });

export const AUDIT_SOURCE_TYPE = Object.freeze({
  endUserDisplayDevice: sourceType('1', 'End-user display device, diagnostic device'),
  dataAcquisitionDevice: sourceType('2', 'Data acquisition device or instrument'),
  webServerProcess: sourceType('3', 'Web Server process or thread'),
  applicationServerProcess: sourceType('4', 'Application Server process or thread'),
  databaseServerProcess: sourceType('5', 'Database Server process or thread'),
  securityServer: sourceType('6', 'Security server, e.g., a domain controller'),
  networkComponent: sourceType('7', 'ISO level 1-3 network component'),
  operatingSoftware: sourceType('8', 'ISO level 4-6 operating software'),
  other: sourceType('9', 'other'),
} satisfies Record<string, AuditSourceTypeCode>);

/** ParticipantObjectTypeCode (PS3.15 A.5.1 / RFC 3881 5.5.1). */
export const OBJECT_TYPE = Object.freeze({
  person: 1,
  systemObject: 2,
  organization: 3,
  other: 4,
} satisfies Record<string, ParticipantObjectTypeCode>);

/** ParticipantObjectTypeCodeRole (PS3.15 A.5.2.3 / RFC 3881 5.5.2). */
export const OBJECT_ROLE = Object.freeze({
  patient: 1,
  location: 2,
  report: 3,
  resource: 4,
  masterFile: 5,
  user: 6,
  list: 7,
  doctor: 8,
  subscriber: 9,
  guarantor: 10,
  securityUserEntity: 11,
  securityUserGroup: 12,
  securityResource: 13,
  securityGranularityDefinition: 14,
  provider: 15,
  dataDestination: 16,
  dataRepository: 17,
  schedule: 18,
  customer: 19,
  job: 20,
  jobStream: 21,
  table: 22,
  routingCriteria: 23,
  query: 24,
});

/** ParticipantObjectDataLifeCycle (PS3.15 A.5.2.4 / RFC 3881 5.5.3). */
export const DATA_LIFE_CYCLE = Object.freeze({
  origination: 1,
  importCopy: 2,
  amendment: 3,
  verification: 4,
  translation: 5,
  access: 6,
  deIdentification: 7,
  aggregation: 8,
  report: 9,
  exportCopy: 10,
  disclosure: 11,
  receiptOfDisclosure: 12,
  archiving: 13,
  logicalDeletion: 14,
  permanentErasure: 15,
});

/** ParticipantObjectIDTypeCode values used by the ITI transactions' audit definitions. */
export const OBJECT_ID_TYPE = Object.freeze({
  /** RFC 3881 5.5.4 "Patient Number": every patient object (ITI TF-2 3.41.5.1 and others). */
  patientNumber: Object.freeze({ csdCode: '2', codeSystemName: 'RFC-3881', originalText: 'Patient Number' }),
  /** RFC 3881 5.5.4 "Report Number": the document object of ITI-43 / ITI-39 (ITI TF-2 3.43.5.1). */
  reportNumber: Object.freeze({ csdCode: '9', codeSystemName: 'RFC-3881', originalText: 'Report Number' }),
  /**
   * The SubmissionSet classification node (ITI TF-3 4.2.5): the submission set object of
   * ITI-41 / ITI-42 (ITI TF-2 3.41.5.1, 3.42.5.1).
   */
  submissionSet: Object.freeze({
    csdCode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
    codeSystemName: 'IHE XDS Metadata',
    originalText: 'submission set classificationNode',
  }),
  /** RFC 3881 5.5.4 "URI": a security alert's subject named by URI (DICOM PS3.15 A.5.3 "Security Alert"). */
  uri: Object.freeze({ csdCode: '12', codeSystemName: 'RFC-3881', originalText: 'URI' }),
  /** DICOM "Node ID": a security alert's subject named as a network node (DICOM PS3.15 A.5.3 "Security Alert"). */
  nodeId: dcm('110182', 'Node ID'),
  /**
   * A registry object named by its entryUUID: the objects an ITI-62 Delete Document Set
   * removes (ITI TF-2 3.62.5.1, Remove Metadata and Documents).
   */
  registryObjectReference: Object.freeze({
    csdCode: 'urn:ihe:iti:2017:ObjectRef',
    codeSystemName: 'IHE XDS Metadata',
    originalText: 'registry object reference',
  }),
} satisfies Record<string, Coded>);

/** ParticipantObjectDetail `type` values fixed by the TF. */
export const OBJECT_DETAIL_TYPE = Object.freeze({
  /** ITI TF-2 3.43.5.1: the document's repositoryUniqueId. */
  repositoryUniqueId: 'Repository Unique Id',
  /** ITI TF-2 3.43.5.1, 3.39.5.1, 3.55.5.1: the homeCommunityId of a document or community. */
  homeCommunityIdDocument: 'ihe:homeCommunityID',
  /** ITI TF-2 3.18.5.1, 3.38.5.1: the homeCommunityId the query was addressed to. */
  homeCommunityIdQuery: 'urn:ihe:iti:xca:2010:homeCommunityId',
  /** ITI TF-2 3.18.5.1: character encoding of the query before base64 (e.g. "UTF-8"). */
  queryEncoding: 'QueryEncoding',
  /** DICOM PS3.15 A.5.3 "Security Alert": free-text description of a security alert. */
  alertDescription: 'Alert Description',
  /** ITI TF-2 3.8.5.1, 3.9.5.1, 3.21.5.1: the HL7v2 message control id (MSH-10) of the audited message. */
  msh10: 'MSH-10',
  /** ITI TF-2 3.44.5.1: the HL7v3 message id (root^extension form) of the audited message. */
  hl7v3MessageId: 'II',
});

/** The code system of IHE transaction codes in EventTypeCode and query object id types. */
export const IHE_TRANSACTIONS = 'IHE Transactions';

/**
 * One frozen value per transaction, made on first use: every audit record carries one or two
 * of them, and the XML writer renders a frozen code once.
 */
const transactionCodes = new Map<TransactionId, Coded>();
const auditTransactionCodes = new Map<TransactionId, Coded>();

/**
 * EventTypeCode for an IHE transaction, EV("ITI-41", "IHE Transactions", "<name>"),
 * derived from the @mesh/core catalogue so names cannot drift from it.
 */
export function transactionCode(id: TransactionId): Coded {
  let code = transactionCodes.get(id);
  if (code === undefined)
    transactionCodes.set(
      id,
      (code = Object.freeze({
        csdCode: id,
        codeSystemName: IHE_TRANSACTIONS,
        originalText: TRANSACTIONS[id].name,
      })),
    );
  return code;
}

/**
 * Display texts the TF-2 audit tables give some transactions in EventTypeCode and in the
 * query object's ParticipantObjectIDTypeCode, where they differ from the transaction's
 * title: the HL7 V3 variants are written with the HL7v2 display (ITI TF-2 3.44.5.1
 * "Patient Identity Feed", 3.45.5.1 "PIX Query", 3.47.5.1 "Patient Demographics Query").
 */
export const AUDIT_TRANSACTION_DISPLAY: Readonly<Partial<Record<TransactionId, string>>> = Object.freeze({
  'ITI-44': 'Patient Identity Feed',
  'ITI-45': 'PIX Query',
  'ITI-47': 'Patient Demographics Query',
});

/**
 * The transaction code as audit messages write it: {@link transactionCode} with the TF-2
 * audit table's display text ({@link AUDIT_TRANSACTION_DISPLAY}) where it has its own.
 */
export function auditTransactionCode(id: TransactionId): Coded {
  const display = AUDIT_TRANSACTION_DISPLAY[id];
  if (display === undefined) return transactionCode(id);
  let code = auditTransactionCodes.get(id);
  if (code === undefined)
    auditTransactionCodes.set(id, (code = Object.freeze({ ...transactionCode(id), originalText: display })));
  return code;
}

/**
 * EventOutcomeIndicator for an ebRS/Outcome status. IHE leaves the mapping to the actor;
 * the mesh records PartialSuccess as a minor failure (4) and Failure as a serious one (8).
 * 12 ("major failure, application now unavailable") is for the caller to set explicitly.
 */
export function outcomeIndicator(status: OutcomeStatus): EventOutcomeIndicator {
  switch (status) {
    case 'Success':
      return 0;
    case 'PartialSuccess':
      return 4;
    case 'Failure':
      return 8;
  }
}
