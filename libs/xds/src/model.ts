/**
 * The XDS metadata model of ITI TF-3 4.2.3 as plain readonly data, in the spec's nouns.
 *
 * Values are kept exactly as sent (HL7 v2 data types keep their `raw` text, times stay
 * strings): what was registered is what a LeafClass query returns (ITI TF-2 3.18.4.1.3).
 * The parsed components of CX, XCN, XON and XTN are there for matching and validation; the
 * writer only ever uses `raw`. Object ids are kept as given: a submission may use symbolic
 * ids (`Document01`) that the registry replaces with UUIDs (ITI TF-3 4.2.3.1.5).
 */
import type { ASSOCIATION_TYPE_URNS } from './constants.js';

/** ebRIM LocalizedString: a value of rim:Name or rim:Description (ebRIM 3.0 2.4.2). */
export interface LocalizedString {
  readonly value: string;
  /** xml:lang, when sent. */
  readonly lang?: string;
  readonly charset?: string;
}

/**
 * A coded value carried as an external Classification (ITI TF-3 4.2.3.1.2): the code is the
 * nodeRepresentation, the codingScheme slot gives the code system, rim:Name the display name.
 */
export interface Code {
  readonly code: string;
  /** Value of the `codingScheme` slot (the code system, usually an OID). */
  readonly codingScheme: string;
  readonly displayName?: LocalizedString;
}

/**
 * HL7 v2 CX (ITI TF-3 Table 4.2.3.1.7-2): `id^^^&universalId&ISO`. For referenceIdList
 * (CXi) also the identifier type code (CX.5) and the homeCommunityId (CX.6).
 */
export interface Cx {
  /** The value exactly as sent; the only thing written back. */
  readonly raw: string;
  /** CX.1 */
  readonly id: string;
  /** CX.4.1 namespace id, when sent (XDS forbids it for patient ids; kept to report it). */
  readonly assigningAuthorityNamespace?: string;
  /** CX.4.2 universal id: the assigning authority OID. */
  readonly assigningAuthority?: string;
  /** CX.4.3 universal id type (ISO). */
  readonly assigningAuthorityType?: string;
  /** CX.5 identifier type code (referenceIdList, ITI TF-3 4.2.3.2.28). */
  readonly identifierTypeCode?: string;
  /** CX.6 assigning facility, raw (referenceIdList: the homeCommunityId). */
  readonly assigningFacility?: string;
}

/** HL7 v2 XCN, a person (authorPerson, legalAuthenticator; ITI TF-3 Table 4.2.3.1.7-2). */
export interface Xcn {
  readonly raw: string;
  /** XCN.1 */
  readonly idNumber?: string;
  /** XCN.2 */
  readonly familyName?: string;
  /** XCN.3 */
  readonly givenName?: string;
  /** XCN.4 */
  readonly otherGivenNames?: string;
  /** XCN.5 */
  readonly suffix?: string;
  /** XCN.6 */
  readonly prefix?: string;
  /** XCN.9.2 universal id of the assigning authority (required when XCN.1 is present). */
  readonly assigningAuthority?: string;
  /** XCN.9.3 */
  readonly assigningAuthorityType?: string;
}

/** HL7 v2 XON, an organization (authorInstitution; ITI TF-3 Table 4.2.3.1.7-2). */
export interface Xon {
  readonly raw: string;
  /** XON.1 */
  readonly organizationName: string;
  /** XON.6.2 universal id of the assigning authority. */
  readonly assigningAuthority?: string;
  /** XON.10, or XON.3 when XON.10 is empty. */
  readonly organizationIdentifier?: string;
}

/** HL7 v2 XTN, a telecom address (authorTelecommunication; ITI TF-3 Table 4.2.3.1.7-2). */
export interface Xtn {
  readonly raw: string;
  /** XTN.2 */
  readonly useCode?: string;
  /** XTN.3 (Internet, PH, ...) */
  readonly equipmentType?: string;
  /** XTN.4 */
  readonly email?: string;
  /** XTN.5 */
  readonly countryCode?: string;
  /** XTN.6 */
  readonly areaCode?: string;
  /** XTN.7 */
  readonly localNumber?: string;
  /** XTN.8 */
  readonly extension?: string;
}

/**
 * HL7 v2 DTM in UTC as XDS carries it (ITI TF-3 Table 4.2.3.1.7-2): `YYYY[MM[DD[HH[MM[SS]]]]]`,
 * any precision from the year down. Kept as sent; `dtmPrecision` tells the precision.
 */
export type Dtm = string;

/** An ebRIM Slot that XDS does not define for the object (extra metadata, ITI TF-3 4.2.3.1.7). */
export interface Slot {
  readonly name: string;
  readonly values: readonly string[];
}

/**
 * The author of a DocumentEntry or SubmissionSet (ITI TF-3 4.2.3.1.4): one Classification
 * with the author scheme and these slots.
 */
export interface Author {
  /** authorPerson (XCN, or a free string in its XCN.1... form as sent). */
  readonly person?: Xcn;
  /** authorInstitution (XON), in order. */
  readonly institutions: readonly Xon[];
  /** authorRole (CWE or string), as sent. */
  readonly roles: readonly string[];
  /** authorSpecialty (CWE or string), as sent. */
  readonly specialties: readonly string[];
  /** authorTelecommunication (XTN). */
  readonly telecoms: readonly Xtn[];
  /** Other slots on the author Classification, as sent. */
  readonly extraSlots: readonly Slot[];
}

/** ebRIM StatusType short names (the full URNs are in STATUS). */
export type AvailabilityStatus = 'Approved' | 'Deprecated' | 'Submitted';

/** Stable or On-Demand DocumentEntry (ITI TF-3 4.2.5.2). */
export type DocumentEntryType = 'stable' | 'on-demand';

/** DocumentEntry.documentAvailability (ITI TF-3 4.2.3.2.31), short names. */
export type DocumentAvailability = 'Online' | 'Offline';

/** What every XDS object carries besides its own attributes. */
interface RegistryObjectBase {
  /** entryUUID (ITI TF-3 4.2.3.2.8): the ebRIM id, as given (symbolic in a submission). */
  readonly entryUUID: string;
  /** The ebRIM `status` attribute, when sent (the registry sets it; ITI TF-3 4.2.3.2.2). */
  readonly availabilityStatus?: AvailabilityStatus;
  /** The ebRIM `home` attribute (ITI TF-3 4.2.3.2.12). */
  readonly homeCommunityId?: string;
  /** Slots not defined by XDS for this object, in document order (ITI TF-3 4.2.3.1.7). */
  readonly extraSlots: readonly Slot[];
}

/** A DocumentEntry: every attribute of ITI TF-3 Table 4.2.3.2-1 (rim:ExtrinsicObject). */
export interface DocumentEntry extends RegistryObjectBase {
  /** objectType: stable `urn:uuid:7edca82f-...` or on-demand `urn:uuid:34268e47-...`. */
  readonly objectType: DocumentEntryType;
  readonly authors: readonly Author[];
  readonly classCode?: Code;
  /** rim:Description */
  readonly comments?: LocalizedString;
  readonly confidentialityCodes: readonly Code[];
  readonly creationTime?: Dtm;
  readonly eventCodeList: readonly Code[];
  readonly formatCode?: Code;
  /** SHA-1 in hex, as sent. */
  readonly hash?: string;
  readonly healthcareFacilityTypeCode?: Code;
  readonly languageCode?: string;
  readonly legalAuthenticator?: Xcn;
  /** Classification with node urn:uuid:ab9b591b-... present (ITI TF-3 4.2.3.2.29). */
  readonly limitedMetadata: boolean;
  /** The ebRIM `lid` attribute (ITI TF-3 4.2.3.2.13). */
  readonly logicalID?: string;
  readonly mimeType?: string;
  readonly patientId?: Cx;
  readonly practiceSettingCode?: Code;
  readonly referenceIdList: readonly Cx[];
  readonly repositoryUniqueId?: string;
  readonly serviceStartTime?: Dtm;
  readonly serviceStopTime?: Dtm;
  /** Decimal size in bytes, as sent. */
  readonly size?: string;
  readonly sourcePatientId?: Cx;
  /** `PID-x|value` strings, as sent (ITI TF-3 4.2.3.2.21). */
  readonly sourcePatientInfo: readonly string[];
  /** rim:Name */
  readonly title?: LocalizedString;
  readonly typeCode?: Code;
  readonly uniqueId?: string;
  readonly URI?: string;
  /** rim:VersionInfo/@versionName (ITI TF-3 4.2.3.2.27). */
  readonly version?: string;
  readonly documentAvailability?: DocumentAvailability;
}

/** A SubmissionSet: ITI TF-3 Table 4.2.3.3-1 (rim:RegistryPackage classified a54d6aa5-...). */
export interface SubmissionSet extends RegistryObjectBase {
  readonly authors: readonly Author[];
  /** rim:Description */
  readonly comments?: LocalizedString;
  readonly contentTypeCode?: Code;
  /** intendedRecipient values (`XON|XCN` or `|XTN` forms), as sent. */
  readonly intendedRecipients: readonly string[];
  readonly limitedMetadata: boolean;
  readonly patientId?: Cx;
  readonly sourceId?: string;
  readonly submissionTime?: Dtm;
  readonly title?: LocalizedString;
  readonly uniqueId?: string;
  readonly logicalID?: string;
  readonly version?: string;
}

/** A Folder: ITI TF-3 Table 4.2.3.4-1 (rim:RegistryPackage classified d9d542f3-...). */
export interface Folder extends RegistryObjectBase {
  readonly codeList: readonly Code[];
  readonly comments?: LocalizedString;
  /** Set by the registry (ITI TF-3 4.2.3.4.5). */
  readonly lastUpdateTime?: Dtm;
  readonly limitedMetadata: boolean;
  readonly logicalID?: string;
  readonly patientId?: Cx;
  readonly title?: LocalizedString;
  readonly uniqueId?: string;
  readonly version?: string;
}

/** Association types by their short names (full URNs in ASSOCIATION_TYPE_URNS). */
export type AssociationType = keyof typeof ASSOCIATION_TYPE_URNS;

/** HasMember SubmissionSet -> DocumentEntry SubmissionSetStatus (ITI TF-3 4.2.2.1.1). */
export type SubmissionSetStatus = 'Original' | 'Reference';

/** An Association (ITI TF-3 4.2.2; ITI-57 slots: ITI TF-3 4.1.x, ITI TF-2 3.57.4.1.3). */
export interface Association extends RegistryObjectBase {
  readonly associationType: AssociationType;
  readonly sourceObject: string;
  readonly targetObject: string;
  readonly submissionSetStatus?: SubmissionSetStatus;
  /** ITI-57: version of the entry being replaced (`PreviousVersion` slot). */
  readonly previousVersion?: string;
  /** ITI-57 UpdateAvailabilityStatus: `OriginalStatus` slot (full StatusType URN, as sent). */
  readonly originalStatus?: string;
  /** ITI-57 UpdateAvailabilityStatus: `NewStatus` slot (full StatusType URN, as sent). */
  readonly newStatus?: string;
  /** ITI-57: `AssociationPropagation` slot ('yes' | 'no', as sent). */
  readonly associationPropagation?: string;
  /** Association Documentation classification (scheme urn:uuid:abd807a3-..., ITI TF-3 4.2.2.2). */
  readonly documentation?: Code;
}

/** ebRIM ObjectRef: a reference to an object not carried in full (ObjectRef queries, ITI TF-2 3.18). */
export interface ObjectRef {
  readonly id: string;
  readonly homeCommunityId?: string;
}

/** What an ITI-42 (and the metadata of ITI-41) carries: one SubmissionSet and its contents. */
export interface Submission {
  readonly submissionSet: SubmissionSet;
  readonly documentEntries: readonly DocumentEntry[];
  readonly folders: readonly Folder[];
  readonly associations: readonly Association[];
  /** rim:ObjectRef elements of the request, if any. */
  readonly objectRefs: readonly ObjectRef[];
}

/** A rim:RegistryObjectList of any shape (query responses carry any number of each kind). */
export interface RegistryObjects {
  readonly submissionSets: readonly SubmissionSet[];
  readonly documentEntries: readonly DocumentEntry[];
  readonly folders: readonly Folder[];
  readonly associations: readonly Association[];
  readonly objectRefs: readonly ObjectRef[];
}
