/**
 * Identifiers of the XDS metadata as ebRIM 3.0 carries them: classification schemes,
 * classification nodes, external identifier schemes (ITI TF-3 4.2.5 "Metadata UUIDs" tables),
 * object types, status, association types (ITI TF-3 4.2.2) and response status URNs (ebRS 3.0).
 */

/** ITI TF-3 4.2.5.1 DocumentEntry: object types, classification schemes, identification schemes. */
export const DOCUMENT_ENTRY = Object.freeze({
  /** objectType of a Stable DocumentEntry (ITI TF-3 4.2.5.2). */
  stableObjectType: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  /** objectType of an On-Demand DocumentEntry (ITI TF-3 4.2.5.2). */
  onDemandObjectType: 'urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248',
  author: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  eventCodeList: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  healthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  practiceSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  /** classificationNode marking a DocumentEntry built under Metadata-Limited rules (ITI TF-3 4.2.3.2.29). */
  limitedMetadata: 'urn:uuid:ab9b591b-83ab-4d03-8f5d-f93b1fb92e85',
  patientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  uniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
});

/** ITI TF-3 4.2.5.1 SubmissionSet. */
export const SUBMISSION_SET = Object.freeze({
  /** classificationNode that makes a RegistryPackage a SubmissionSet (ITI TF-3 4.2.3.3). */
  classificationNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  author: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  contentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  limitedMetadata: 'urn:uuid:5003a9db-8d8d-49e6-bf0c-990e34ac7707',
  patientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  sourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  uniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
});

/** ITI TF-3 4.2.5.1 Folder. */
export const FOLDER = Object.freeze({
  /** classificationNode that makes a RegistryPackage a Folder (ITI TF-3 4.2.3.4). */
  classificationNode: 'urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2',
  codeList: 'urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5',
  limitedMetadata: 'urn:uuid:2c144a76-29a9-4b7c-af54-b25409fe7d03',
  patientId: 'urn:uuid:f64ffdf0-4b97-4e06-b79f-a52b38ec2f8a',
  uniqueId: 'urn:uuid:75df8f67-9973-4fbe-a900-df66cefecc5a',
});

/** Association Documentation classification scheme (ITI TF-3 4.2.2.2, 4.2.5.1). */
export const ASSOCIATION_DOCUMENTATION_SCHEME = 'urn:uuid:abd807a3-4432-4053-87b4-fd82c643d1f3';

/** The Name each external identifier carries (ITI TF-3 4.2.3.2.23, 4.2.3.2.26, ...). */
export const EXTERNAL_IDENTIFIER_NAMES = Object.freeze({
  [DOCUMENT_ENTRY.patientId]: 'XDSDocumentEntry.patientId',
  [DOCUMENT_ENTRY.uniqueId]: 'XDSDocumentEntry.uniqueId',
  [SUBMISSION_SET.patientId]: 'XDSSubmissionSet.patientId',
  [SUBMISSION_SET.sourceId]: 'XDSSubmissionSet.sourceId',
  [SUBMISSION_SET.uniqueId]: 'XDSSubmissionSet.uniqueId',
  [FOLDER.patientId]: 'XDSFolder.patientId',
  [FOLDER.uniqueId]: 'XDSFolder.uniqueId',
} as Record<string, string>);

/** ebRIM 3.0 StatusType values used by XDS (ITI TF-3 4.2.3.2.2 availabilityStatus). */
export const STATUS = Object.freeze({
  Approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
  Deprecated: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
  Submitted: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Submitted',
});

/** ebRS 3.0 response status, and the IHE PartialSuccess (ITI TF-3 4.2.4.1). */
export const RESPONSE_STATUS = Object.freeze({
  Success: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
  Failure: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
  PartialSuccess: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
});

/** ebRIM 3.0 RegistryError severities (ITI TF-3 4.2.4.1). */
export const ERROR_SEVERITY = Object.freeze({
  Error: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
  Warning: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning',
});

/** ebRIM 3.0 canonical objectType values of the wrappers (written by registries on responses). */
export const RIM_OBJECT_TYPE = Object.freeze({
  RegistryPackage: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage',
  Association: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association',
  Classification: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification',
  ExternalIdentifier: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier',
});

/** Association types of ITI TF-3 4.2.2 and the ITI-57 Metadata Update ones (ITI TF-3 4.1.x, ITI TF-2 3.57). */
export const ASSOCIATION_TYPE_URNS = Object.freeze({
  HasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
  RPLC: 'urn:ihe:iti:2007:AssociationType:RPLC',
  APND: 'urn:ihe:iti:2007:AssociationType:APND',
  XFRM: 'urn:ihe:iti:2007:AssociationType:XFRM',
  XFRM_RPLC: 'urn:ihe:iti:2007:AssociationType:XFRM_RPLC',
  signs: 'urn:ihe:iti:2007:AssociationType:signs',
  IsSnapshotOf: 'urn:ihe:iti:2010:AssociationType:IsSnapshotOf',
  UpdateAvailabilityStatus: 'urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus',
  SubmitAssociation: 'urn:ihe:iti:2010:AssociationType:SubmitAssociation',
});

/** DocumentEntry.documentAvailability values (ITI TF-3 4.2.3.2.31). */
export const DOCUMENT_AVAILABILITY = Object.freeze({
  Online: 'urn:ihe:iti:2010:DocumentAvailability:Online',
  Offline: 'urn:ihe:iti:2010:DocumentAvailability:Offline',
});

/** Slot names XDS defines, per object (ITI TF-3 Tables 4.2.3.2-1, 4.2.3.3-1, 4.2.3.4-1; ITI-57). */
export const SLOT = Object.freeze({
  creationTime: 'creationTime',
  hash: 'hash',
  languageCode: 'languageCode',
  legalAuthenticator: 'legalAuthenticator',
  repositoryUniqueId: 'repositoryUniqueId',
  serviceStartTime: 'serviceStartTime',
  serviceStopTime: 'serviceStopTime',
  size: 'size',
  sourcePatientId: 'sourcePatientId',
  sourcePatientInfo: 'sourcePatientInfo',
  URI: 'URI',
  referenceIdList: 'urn:ihe:iti:xds:2013:referenceIdList',
  documentAvailability: 'documentAvailability',
  submissionTime: 'submissionTime',
  intendedRecipient: 'intendedRecipient',
  lastUpdateTime: 'lastUpdateTime',
  codingScheme: 'codingScheme',
  authorPerson: 'authorPerson',
  authorInstitution: 'authorInstitution',
  authorRole: 'authorRole',
  authorSpecialty: 'authorSpecialty',
  authorTelecommunication: 'authorTelecommunication',
  SubmissionSetStatus: 'SubmissionSetStatus',
  PreviousVersion: 'PreviousVersion',
  OriginalStatus: 'OriginalStatus',
  NewStatus: 'NewStatus',
  AssociationPropagation: 'AssociationPropagation',
});
