/**
 * The XDS affinity domain as the mesh configures it (MESH_BRIEF "Identifiers"): the
 * national patient-id assigning authority, the known local authorities, the registry's
 * homeCommunityId, the repositories, and the value set of each coded metadata attribute.
 * The shape is exactly `schemas/affinity-domain.schema.json`; schema.test.ts keeps the two
 * in step.
 */

/** One allowed code: ebRIM Classification nodeRepresentation + codingScheme slot + Name (ITI TF-3 4.2.3.1.2). */
export interface Code {
  readonly code: string;
  /** The codingScheme slot value, usually the code system's OID (LOINC: 2.16.840.1.113883.6.1). */
  readonly codeSystem: string;
  readonly displayName: string;
}

/** What kind of organisation assigns identifiers under an authority (informative). */
export type AuthorityKind =
  | 'national'
  | 'hospital'
  | 'laboratory'
  | 'radiology'
  | 'general-practice'
  | 'pharmacy'
  | 'nursing-home'
  | 'home-care'
  | 'insurer'
  | 'other';

/** A patient-id assigning authority: HL7 HD with universal id type ISO. */
export interface AssigningAuthority {
  /** HD-2 universal id (an OID); CX.4.2 in XDS patient ids. */
  readonly oid: string;
  readonly name: string;
  /** HD-1 namespace id, as HL7v2 feeds (PID-3) may carry it. */
  readonly namespaceId?: string;
  readonly kind?: AuthorityKind;
}

/** An XDS Document Repository of the domain. */
export interface Repository {
  /** ITI TF-3 4.2.3.2.18 repositoryUniqueId (an OID). */
  readonly repositoryUniqueId: string;
  readonly name: string;
  readonly url?: string;
}

/**
 * Coded attributes whose codes the affinity domain constrains. Each is a Classification
 * (ITI TF-3 4.2.3.1.2) on the object named in {@link CODED_ATTRIBUTES}.
 */
export type CodedAttribute =
  | 'classCode'
  | 'typeCode'
  | 'formatCode'
  | 'healthcareFacilityTypeCode'
  | 'practiceSettingCode'
  | 'confidentialityCode'
  | 'eventCodeList'
  | 'contentTypeCode'
  | 'folderCodeList'
  | 'associationDocumentation';

export interface CodedAttributeSpec {
  /** The metadata object that carries the attribute. */
  readonly object: 'DocumentEntry' | 'SubmissionSet' | 'Folder' | 'Association';
  /** The classificationScheme of its Classification (ITI TF-3 Table 4.2.5-1 and 4.2.2.2). */
  readonly classificationScheme: string;
  /** Whether every affinity domain file must give a value set for it. */
  readonly required: boolean;
  /** Where the TF defines it. */
  readonly tf: string;
}

/** The coded attributes, their objects, classification schemes and TF sections. */
export const CODED_ATTRIBUTES: { readonly [A in CodedAttribute]: CodedAttributeSpec } = {
  classCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.3',
  },
  typeCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.25',
  },
  formatCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.9',
  },
  healthcareFacilityTypeCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.11',
  },
  practiceSettingCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.17',
  },
  confidentialityCode: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
    required: true,
    tf: 'ITI TF-3 4.2.3.2.5',
  },
  eventCodeList: {
    object: 'DocumentEntry',
    classificationScheme: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
    required: false,
    tf: 'ITI TF-3 4.2.3.2.8',
  },
  contentTypeCode: {
    object: 'SubmissionSet',
    classificationScheme: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
    required: false,
    tf: 'ITI TF-3 4.2.3.3.4',
  },
  folderCodeList: {
    object: 'Folder',
    classificationScheme: 'urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5',
    required: false,
    tf: 'ITI TF-3 4.2.3.4.1',
  },
  associationDocumentation: {
    object: 'Association',
    classificationScheme: 'urn:uuid:abd807a3-4432-4053-87b4-fd82c643d1f3',
    required: false,
    tf: 'ITI TF-3 4.2.2.2',
  },
};

/** Every coded attribute, in the order of {@link CODED_ATTRIBUTES}. */
export const CODED_ATTRIBUTE_NAMES = Object.keys(CODED_ATTRIBUTES) as readonly CodedAttribute[];

/** The value sets; an absent optional one leaves its attribute unconstrained. */
export interface ValueSets {
  readonly classCode: readonly Code[];
  readonly typeCode: readonly Code[];
  readonly formatCode: readonly Code[];
  readonly healthcareFacilityTypeCode: readonly Code[];
  readonly practiceSettingCode: readonly Code[];
  readonly confidentialityCode: readonly Code[];
  readonly eventCodeList?: readonly Code[];
  readonly contentTypeCode?: readonly Code[];
  readonly folderCodeList?: readonly Code[];
  readonly associationDocumentation?: readonly Code[];
  /** Allowed DocumentEntry.mimeType values (ITI TF-3 4.2.3.2.14), compared case-insensitively. */
  readonly mimeType?: readonly string[];
  /** Allowed DocumentEntry.languageCode ranges (RFC 4647 basic filtering: 'fr' accepts 'fr-LU'). */
  readonly languageCode?: readonly string[];
}

/** One XDS affinity domain (schemas/affinity-domain.schema.json). */
export interface AffinityDomain {
  readonly name: string;
  readonly description?: string;
  /** The operator's version label of the file. */
  readonly version?: string;
  /** urn:oid:... (ITI TF-3 4.2.3.2.13). */
  readonly homeCommunityId: string;
  /** The national patient identifier's authority: the affinity domain patient id (ITI TF-3 4.2.3.1.7). */
  readonly patientIdAuthority: AssigningAuthority;
  /** Local authorities (hospitals, labs...), for sourcePatientId and PIX feeds. */
  readonly assigningAuthorities: readonly AssigningAuthority[];
  readonly repositories: readonly Repository[];
  readonly valueSets: ValueSets;
}
