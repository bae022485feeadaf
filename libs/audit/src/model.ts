/**
 * The audit message model: DICOM PS3.15 Annex A.5.1 "Audit Message Format" (the 2017+
 * form, `csd-code` / `codeSystemName` / `originalText`), as ITI TF-2 3.20.7 profiles it for
 * every IHE transaction. Field names follow the DICOM element and attribute names, in
 * camelCase. Pure data: no behaviour, no I/O.
 */

/**
 * A DICOM coded value (PS3.15 A.5.1 "CodedValueType"). The 2017c schema requires
 * `originalText`; IHE writes its `EV(code, codeSystemName, "display")` triples with the
 * display text there, and `displayName` is optional.
 */
export interface Coded {
  readonly csdCode: string;
  readonly codeSystemName: string;
  readonly originalText?: string;
  readonly displayName?: string;
}

/** EventActionCode: Create, Read, Update, Delete, Execute (PS3.15 A.5.1). */
export type EventActionCode = 'C' | 'R' | 'U' | 'D' | 'E';

/** EventOutcomeIndicator: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
export type EventOutcomeIndicator = 0 | 4 | 8 | 12;

/** NetworkAccessPointTypeCode: 1 machine name, 2 IP address, 3 telephone, 4 e-mail, 5 URI. */
export type NetworkAccessPointTypeCode = 1 | 2 | 3 | 4 | 5;

/** ParticipantObjectTypeCode: 1 person, 2 system object, 3 organization, 4 other. */
export type ParticipantObjectTypeCode = 1 | 2 | 3 | 4;

export interface EventIdentification {
  readonly eventId: Coded;
  /** Optional in the schema, but every IHE transaction audit sets it. */
  readonly eventActionCode?: EventActionCode;
  /** xs:dateTime; the mesh writes ISO 8601 with an offset (UTC 'Z'). */
  readonly eventDateTime: string;
  readonly eventOutcomeIndicator: EventOutcomeIndicator;
  readonly eventTypeCodes: readonly Coded[];
  /** Free text; present-but-empty ('') is kept distinct from absent. */
  readonly eventOutcomeDescription?: string;
  /** XUA purpose of use (ITI TF-2 3.20.7.8), carried as DICOM PurposeOfUse. */
  readonly purposesOfUse?: readonly Coded[];
}

export interface ActiveParticipant {
  readonly userId: string;
  readonly alternativeUserId?: string;
  readonly userName?: string;
  readonly userIsRequestor: boolean;
  readonly roleIdCodes: readonly Coded[];
  readonly networkAccessPointId?: string;
  readonly networkAccessPointTypeCode?: NetworkAccessPointTypeCode;
  /** DICOM MediaIdentifier/MediaType, for media-based exchanges only. */
  readonly mediaType?: Coded;
}

/**
 * AuditSourceTypeCode allows a bare single-digit code (PS3.15 A.5.1, "1".."9") without a
 * code system, so its coded value has optional `codeSystemName`.
 */
export interface AuditSourceTypeCode {
  readonly csdCode: string;
  readonly codeSystemName?: string;
  readonly originalText?: string;
  readonly displayName?: string;
}

export interface AuditSourceIdentification {
  readonly auditSourceId: string;
  readonly auditEnterpriseSiteId?: string;
  readonly auditSourceTypeCodes?: readonly AuditSourceTypeCode[];
}

/** A ParticipantObjectDetail type/value pair; `value` is base64 (PS3.15 A.5.1 "ValuePair"). */
export interface ParticipantObjectDetail {
  readonly type: string;
  readonly value: string;
}

/** One DICOM SOP class within a study (PS3.15 A.5.1 "SOPClass"). */
export interface SopClass {
  readonly uid?: string;
  readonly numberOfInstances: number;
  readonly instanceUids: readonly string[];
}

/**
 * DICOM object description (PS3.15 A.5.1 "DICOMObjectDescriptionContents"). Modelled in
 * full because it is small and fixed; XDS audits never set it, DICOM imaging actors do.
 */
export interface ParticipantObjectDescription {
  readonly mppsUids: readonly string[];
  readonly accessionNumbers: readonly string[];
  readonly sopClasses: readonly SopClass[];
  /** ParticipantObjectContainsStudy/StudyIDs@UID; undefined when the element is absent. */
  readonly studyUids?: readonly string[];
  readonly encrypted?: boolean;
  readonly anonymized?: boolean;
}

export interface ParticipantObjectIdentification {
  /** Optional in IHE's profile of the schema (e.g. an ITI-18 query object may lack it). */
  readonly participantObjectId?: string;
  readonly participantObjectTypeCode?: ParticipantObjectTypeCode;
  /** PS3.15 A.5.2.3 role: 1 patient, 3 report, 20 job, 24 query, ... */
  readonly participantObjectTypeCodeRole?: number;
  /** PS3.15 A.5.2.4 data life cycle: 1 origination ... 15 permanent erasure. */
  readonly participantObjectDataLifeCycle?: number;
  readonly participantObjectIdTypeCode: Coded;
  readonly participantObjectSensitivity?: string;
  /** Schema choice with `participantObjectQuery`: set at most one of them. */
  readonly participantObjectName?: string;
  /** Base64 of the query (e.g. the AdhocQueryRequest for ITI-18). */
  readonly participantObjectQuery?: string;
  readonly participantObjectDetails: readonly ParticipantObjectDetail[];
  readonly participantObjectDescriptions?: readonly ParticipantObjectDescription[];
}

/** A DICOM PS3.15 AuditMessage. */
export interface AuditMessage {
  readonly eventIdentification: EventIdentification;
  /** At least one (schema maxOccurs unbounded, minOccurs 1). */
  readonly activeParticipants: readonly ActiveParticipant[];
  /** DICOM allows exactly one AuditSourceIdentification. */
  readonly auditSourceIdentification: AuditSourceIdentification;
  readonly participantObjects: readonly ParticipantObjectIdentification[];
}

/** Which XML vocabulary a parsed message used. */
export type AuditForm = 'dicom' | 'rfc3881';
