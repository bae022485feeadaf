/**
 * Plain, transport- and storage-neutral model of the PIXV3/PDQV3 messages (ITI TF-2 3.44,
 * 3.45, 3.46, 3.47). Names follow the HL7v3 RMIM attribute names the TF tables use.
 */

/** HL7v3 II (instance identifier). For patient ids root is the assigning authority OID. */
export interface II {
  readonly root: string;
  readonly extension?: string;
  readonly assigningAuthorityName?: string;
}

/** A device of the transmission wrapper (ITI TF-2 Appendix O Table O.1.1-1). */
export interface Device {
  /** Device id; IHE: root only, an ISO OID. */
  readonly id: II;
  /** asAgent/representedOrganization/id, when sent. */
  readonly organizationId?: II;
  /** device/telecom/@value (endpoint), when sent. */
  readonly telecom?: string;
}

/** The transmission wrapper fields common to every interaction (MCCI_MT000100UV01 / 000300UV01). */
export interface MessageHeader {
  /** interactionId/@extension, e.g. 'PRPA_IN201301UV02'. */
  readonly interactionId: string;
  readonly messageId: II;
  /** creationTime/@value (HL7 TS). */
  readonly creationTime?: string;
  /** processingCode/@code: P, D or T. */
  readonly processingCode?: string;
  /** processingModeCode/@code: IHE fixes it to T. */
  readonly processingModeCode?: string;
  /** acceptAckCode/@code: AL for requests, NE for responses. */
  readonly acceptAckCode?: string;
  readonly sender: Device;
  /** IHE allows exactly one receiver; every one sent is kept so validation can say so. */
  readonly receivers: readonly Device[];
}

/** One name part with its qualifiers (EntityNamePartQualifier, e.g. BR birth name, SP spouse, CL call me). */
export interface NamePart {
  readonly type: 'family' | 'given' | 'prefix' | 'suffix';
  readonly value: string;
  readonly qualifier: readonly string[];
}

/** HL7v3 PN: a name with its parts in document order per part type. */
export interface PersonName {
  /** name/@use codes (EntityNameUse: L, A, P, C, SRCH ...), space-separated in XML. */
  readonly use?: readonly string[];
  readonly family: readonly string[];
  readonly given: readonly string[];
  readonly prefix: readonly string[];
  readonly suffix: readonly string[];
  /**
   * Every part in document order with its qualifiers; given only when some part is qualified
   * (the family name qualified BR is the birth name, which identity vigilance keeps apart from
   * the name in use). When present the writer follows it instead of the arrays.
   */
  readonly parts?: readonly NamePart[];
  /** Unstructured text of a name without parts (e.g. `<name>Unknown</name>`). */
  readonly text?: string;
  /** name/@nullFlavor, when the name is a null (ITI-45 responses send NA). */
  readonly nullFlavor?: string;
}

/** HL7v3 AD. */
export interface Address {
  readonly use?: readonly string[];
  readonly streetAddressLine: readonly string[];
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly county?: string;
  readonly censusTract?: string;
}

/** HL7v3 TEL. */
export interface Telecom {
  readonly value: string;
  readonly use?: readonly string[];
}

/** patientPerson (PRPA_MT201301UV02.Person and its siblings): the demographics. */
export interface Demographics {
  readonly names: readonly PersonName[];
  /** administrativeGenderCode/@code (AdministrativeGender: M, F, UN). */
  readonly administrativeGender?: string;
  /** birthTime/@value (HL7 TS, e.g. '19630804'). */
  readonly birthTime?: string;
  readonly deceasedInd?: boolean;
  readonly deceasedTime?: string;
  readonly addresses: readonly Address[];
  readonly telecoms: readonly Telecom[];
  /** personalRelationship with code MTH: the mother's (maiden) name. */
  readonly mothersMaidenName?: PersonName;
  readonly multipleBirthInd?: boolean;
  readonly multipleBirthOrderNumber?: number;
  readonly maritalStatusCode?: string;
}

/** A patient role: its ids in the source domain, other ids and demographics. */
export interface PatientRecord {
  /** patient/id: the identifiers in the sender's domain(s). */
  readonly ids: readonly II[];
  /** patientPerson/asOtherIDs/id (e.g. national identifiers, CIT). */
  readonly otherIds: readonly II[];
  /** patient/statusCode/@code (active). */
  readonly statusCode?: string;
  readonly demographics: Demographics;
  /** providerOrganization/id, when sent. */
  readonly providerOrganizationId?: II;
}

/** The three ITI-44 interactions (ITI TF-2 3.44.4.1, 3.44.4.2). */
export type FeedKind = 'add' | 'revise' | 'merge';

/** ITI-44 Patient Identity Feed HL7 V3: add, revise or duplicates resolved. */
export interface PatientFeedV3 {
  readonly transaction: 'ITI-44';
  readonly kind: FeedKind;
  readonly header: MessageHeader;
  readonly patient: PatientRecord;
  /** registrationEvent/custodian/assignedEntity/id: who is responsible for the record. */
  readonly custodianId?: II;
  /**
   * Merge only (PRPA_IN201304UV02, ITI TF-2 3.44.4.2.2): the ids that were replaced
   * (replacementOf/priorRegistration/subject1/priorRegisteredRole/id); the surviving id is
   * `patient.ids[0]`.
   */
  readonly replacedIds: readonly II[];
}

/** ITI-45 PIXV3 Query, PRPA_IN201309UV02 (ITI TF-2 3.45.4.1.2). */
export interface PixQueryV3 {
  readonly transaction: 'ITI-45';
  readonly header: MessageHeader;
  readonly queryId: II;
  readonly statusCode?: string;
  readonly responsePriorityCode?: string;
  /** parameterList/patientIdentifier/value: the queried-for id. */
  readonly patientIdentifier: II;
  /** parameterList/dataSource/value/@root, in order: domains whose ids are wanted (none = all). */
  readonly dataSources: readonly string[];
  /** controlActProcess/authorOrPerformer assignedDevice id, when sent. */
  readonly authorDeviceId?: II;
}

/** Query parameters of a PDQV3 query (ITI TF-2 3.47.4.1.2, Table 3.47.4.1.2-2). */
export interface PdqParameters {
  readonly livingSubjectIds: readonly II[];
  readonly otherIDsScopingOrganizations: readonly string[];
  readonly names: readonly PersonName[];
  readonly administrativeGender?: string;
  readonly birthTime?: string;
  readonly addresses: readonly Address[];
  readonly telecoms: readonly Telecom[];
  readonly mothersMaidenName?: PersonName;
  readonly deceasedTime?: string;
}

/** ITI-47 Patient Demographics Query HL7 V3, PRPA_IN201305UV02. */
export interface PdqQueryV3 {
  readonly transaction: 'ITI-47';
  readonly header: MessageHeader;
  readonly queryId: II;
  readonly statusCode?: string;
  readonly responseModalityCode?: string;
  readonly responsePriorityCode?: string;
  /** initialQuantity/@value: the page size the consumer asks for (continuation option). */
  readonly initialQuantity?: number;
  readonly matchAlgorithm?: string;
  readonly minimumDegreeMatch?: number;
  readonly parameters: PdqParameters;
  readonly authorDeviceId?: II;
}

/** ITI-47 continuation or cancel, QUQI_IN000003UV01 (ITI TF-2 3.47.4.3). */
export interface PdqContinuationV3 {
  readonly transaction: 'ITI-47';
  readonly header: MessageHeader;
  /** queryContinuation/queryId: the original query's id. */
  readonly queryId: II;
  /** 'waitContinuedQueryResponse' for the next page, 'aborted' for a cancel. */
  readonly statusCode: string;
  readonly cancel: boolean;
  /** queryContinuation/continuationQuantity/@value: the next page size, when sent. */
  readonly continuationQuantity?: number;
  /** queryContinuation/startResultNumber/@value: the first result wanted (1-based), when sent. */
  readonly startResultNumber?: number;
  /** acknowledgement/targetMessage/id: the previous response's message id. */
  readonly targetMessageId?: II;
}

/** HL7v3 acknowledgement typeCode (application acknowledgement, AcknowledgementType). */
export type AckTypeCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** One acknowledgementDetail of a response. */
export interface AckDetail {
  /** E, W or I (AcknowledgementDetailType). */
  readonly typeCode: string;
  readonly code?: string;
  readonly text?: string;
  /** An XPath into the request (IHE uses it to point at the failing parameter). */
  readonly location?: string;
}

/** The acknowledgement part of a parsed response. */
export interface Acknowledgement {
  readonly typeCode: string;
  readonly targetMessageId?: II;
  readonly details: readonly AckDetail[];
}

/** MCCI_IN000002UV01 as parsed. */
export interface AckV3 {
  readonly header: MessageHeader;
  readonly acknowledgement: Acknowledgement;
}

/** queryAck of a query response. */
export interface QueryAck {
  readonly queryId?: II;
  readonly statusCode?: string;
  /** OK, NF, AE, QE. */
  readonly queryResponseCode?: string;
  readonly resultTotalQuantity?: number;
  readonly resultCurrentQuantity?: number;
  readonly resultRemainingQuantity?: number;
}

/** A patient returned by ITI-47 with its match score (queryMatchObservation, 0-100). */
export interface MatchedPatient extends PatientRecord {
  readonly matchScore?: number;
}

/** PRPA_IN201310UV02 as parsed. */
export interface PixQueryResponseV3 {
  readonly header: MessageHeader;
  readonly acknowledgement: Acknowledgement;
  readonly queryAck: QueryAck;
  /** The one patient returned (ids = cross-referenced identifiers), or none. */
  readonly patient?: PatientRecord;
}

/** PRPA_IN201306UV02 as parsed. */
export interface PdqQueryResponseV3 {
  readonly header: MessageHeader;
  readonly acknowledgement: Acknowledgement;
  readonly queryAck: QueryAck;
  readonly patients: readonly MatchedPatient[];
}
