import { describe, expect, it } from 'vitest';
import { parseCx, parseXcn, parseXon, parseXtn } from '@mesh/xds';
import type { Association, Code, DocumentEntry, Folder, Submission, SubmissionSet } from '@mesh/xds';
import { relationshipTargets, validateSubmission } from './validate.js';
import type { CodedAttribute, MetadataPolicy, RegisteredDocument, ValidateOptions } from './policy.js';

const NATIONAL = '1.3.6.1.4.1.21367.2017.2.5.83';
const PATIENT = `9901234567^^^&${NATIONAL}&ISO`;
const OTHER_PATIENT = `9907654321^^^&${NATIONAL}&ISO`;
const REPOSITORY = '1.3.6.1.4.1.21367.2017.2.3.1';
const LOINC = '2.16.840.1.113883.6.1';
const CONF = '2.16.840.1.113883.5.25';

const DOC = 'urn:uuid:0c287d32-01e3-4d87-9953-9fcc9404eb21';
const DOC2 = 'urn:uuid:7a5c3d66-0a3e-4a51-9a5e-2ad2b2a1f0c3';
const SS = 'urn:uuid:a6e06ca8-0c75-4064-9e5c-88b9045a96f6';
const FOLDER = 'urn:uuid:2f5d5b37-1c0b-4a1f-9a44-3a9e2b2d7c10';
const AS_SS_DOC = 'urn:uuid:1d6a8f3e-3c51-4e0c-8c9b-1f5c2a2b6d01';
const AS_SS_FOLDER = 'urn:uuid:1d6a8f3e-3c51-4e0c-8c9b-1f5c2a2b6d02';
const AS_FOLDER_DOC = 'urn:uuid:1d6a8f3e-3c51-4e0c-8c9b-1f5c2a2b6d03';
const AS_SS_FD = 'urn:uuid:1d6a8f3e-3c51-4e0c-8c9b-1f5c2a2b6d04';
const REGISTERED = 'urn:uuid:e0985823-dc50-45a5-a6c8-a11a829893bd';

const code = (c: string, scheme = LOINC): Code => ({ code: c, codingScheme: scheme });

/** Value sets of the test affinity domain: each attribute accepts the codes listed. */
const VALUE_SETS: Record<CodedAttribute, readonly string[]> = {
  classCode: ['18842-5'],
  typeCode: ['11490-0'],
  formatCode: ['urn:ihe:iti:xds-sd:pdf:2008'],
  healthcareFacilityTypeCode: ['22232009'],
  practiceSettingCode: ['394802001'],
  confidentialityCode: ['N', 'R'],
  eventCodeList: ['ANNGEN'],
  contentTypeCode: ['34133-9'],
  folderCodeList: ['18842-5'],
  associationDocumentation: ['signed'],
};

function policy(overrides: Partial<MetadataPolicy> = {}): MetadataPolicy {
  return {
    isAllowedCode: (attribute, c) => VALUE_SETS[attribute].includes(c),
    isAffinityDomainPatientId: (cx) => cx.endsWith(`&${NATIONAL}&ISO`),
    isKnownPatientId: (cx) => cx === PATIENT || cx === OTHER_PATIENT,
    isKnownRepository: (uid) => uid === REPOSITORY,
    lookupDocument: (id): RegisteredDocument | undefined =>
      id === REGISTERED ? { status: 'Approved', patientId: PATIENT, objectType: 'stable' } : undefined,
    ...overrides,
  };
}

function documentEntry(over: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    entryUUID: DOC,
    objectType: 'stable',
    extraSlots: [],
    authors: [
      {
        person: parseXcn(`12345^Muller^Anna^^^Dr^^^&1.3.6.1.4.1.21367.2017.2.7.1&ISO`),
        institutions: [parseXon('Centre Hospitalier^^^^^&1.3.6.1.4.1.21367.2017.2.7.2&ISO^^^^CHL')],
        roles: ['Attending'],
        specialties: ['Cardiology'],
        telecoms: [parseXtn('^^Internet^anna.muller@example.lu')],
        extraSlots: [],
      },
    ],
    classCode: code('18842-5'),
    typeCode: code('11490-0'),
    formatCode: code('urn:ihe:iti:xds-sd:pdf:2008', '1.3.6.1.4.1.19376.1.2.3'),
    healthcareFacilityTypeCode: code('22232009', '2.16.840.1.113883.6.96'),
    practiceSettingCode: code('394802001', '2.16.840.1.113883.6.96'),
    confidentialityCodes: [code('N', CONF)],
    eventCodeList: [],
    creationTime: '20261125093000',
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    size: '1024',
    languageCode: 'fr-LU',
    limitedMetadata: false,
    mimeType: 'application/pdf',
    patientId: parseCx(PATIENT),
    referenceIdList: [],
    repositoryUniqueId: REPOSITORY,
    serviceStartTime: '202611240800',
    serviceStopTime: '202611251000',
    sourcePatientId: parseCx('P-778^^^&1.3.6.1.4.1.21367.2017.2.7.2.1&ISO'),
    sourcePatientInfo: ['PID-3|P-778^^^&1.3.6.1.4.1.21367.2017.2.7.2.1&ISO', 'PID-5|Schmit^Marie'],
    title: { value: 'Lettre de sortie' },
    uniqueId: '1.3.6.1.4.1.21367.2017.2.1.108.1^a1b2',
    ...over,
  };
}

function submissionSet(over: Partial<SubmissionSet> = {}): SubmissionSet {
  return {
    entryUUID: SS,
    extraSlots: [],
    authors: [
      {
        institutions: [parseXon('Centre Hospitalier^^^^^&1.3.6.1.4.1.21367.2017.2.7.2&ISO^^^^CHL')],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    contentTypeCode: code('34133-9'),
    intendedRecipients: [],
    limitedMetadata: false,
    patientId: parseCx(PATIENT),
    sourceId: '1.3.6.1.4.1.21367.2017.2.7.2',
    submissionTime: '20261125093100',
    uniqueId: '1.3.6.1.4.1.21367.2017.2.7.2.99.1',
    ...over,
  };
}

function folder(over: Partial<Folder> = {}): Folder {
  return {
    entryUUID: FOLDER,
    extraSlots: [],
    codeList: [code('18842-5')],
    limitedMetadata: false,
    patientId: parseCx(PATIENT),
    title: { value: 'Hospitalisation novembre 2026' },
    uniqueId: '1.3.6.1.4.1.21367.2017.2.7.2.98.1',
    ...over,
  };
}

function association(over: Partial<Association> & Pick<Association, 'entryUUID'>): Association {
  return {
    associationType: 'HasMember',
    sourceObject: SS,
    targetObject: DOC,
    extraSlots: [],
    ...over,
  };
}

/** A complete, valid ITI-42 submission: one document, one new folder holding it. */
function validSubmission(over: Partial<Submission> = {}): Submission {
  return {
    submissionSet: submissionSet(),
    documentEntries: [documentEntry()],
    folders: [folder()],
    associations: [
      association({ entryUUID: AS_SS_DOC, submissionSetStatus: 'Original' }),
      association({ entryUUID: AS_SS_FOLDER, targetObject: FOLDER }),
      association({ entryUUID: AS_FOLDER_DOC, sourceObject: FOLDER, targetObject: DOC }),
      association({ entryUUID: AS_SS_FD, targetObject: AS_FOLDER_DOC }),
    ],
    objectRefs: [],
    ...over,
  };
}

const ITI42: ValidateOptions = { transaction: 'ITI-42', policy: policy() };
const ITI41: ValidateOptions = { transaction: 'ITI-41', policy: policy() };
const ITI57: ValidateOptions = { transaction: 'ITI-57', policy: policy() };

const withDoc = (over: Partial<DocumentEntry>): Submission =>
  validSubmission({ documentEntries: [documentEntry(over)] });
const withSs = (over: Partial<SubmissionSet>): Submission =>
  validSubmission({ submissionSet: submissionSet(over) });
const withFolder = (over: Partial<Folder>): Submission => validSubmission({ folders: [folder(over)] });
const withAssociations = (...extra: Association[]): Submission => {
  const base = validSubmission();
  return { ...base, associations: [...base.associations, ...extra] };
};

const D = `DocumentEntry[${DOC}]`;
const F = `Folder[${FOLDER}]`;
const META = 'XDSRegistryMetadataError';

describe('validateSubmission: the valid fixture', () => {
  it('has no issue in ITI-42', () => {
    expect(validateSubmission(validSubmission(), ITI42)).toEqual([]);
  });

  it('has no issue in ITI-41, also without hash, size and repositoryUniqueId (O from the source)', () => {
    const { hash: _h, size: _s, repositoryUniqueId: _r, ...rest } = documentEntry();
    expect(validateSubmission(validSubmission({ documentEntries: [rest] }), ITI41)).toEqual([]);
  });

  it('accepts a policy without the optional lookups', () => {
    const minimal: MetadataPolicy = {
      isAllowedCode: () => true,
      isAffinityDomainPatientId: () => true,
    };
    const s = withAssociations(
      association({ entryUUID: 'as-rplc', associationType: 'RPLC', sourceObject: DOC, targetObject: DOC2 }),
    );
    expect(validateSubmission(s, { transaction: 'ITI-42', policy: minimal })).toEqual([]);
  });
});

describe('DocumentEntry required attributes (ITI TF-3 Table 4.3.1-3)', () => {
  it.each([
    'classCode',
    'typeCode',
    'formatCode',
    'healthcareFacilityTypeCode',
    'practiceSettingCode',
    'creationTime',
    'languageCode',
    'mimeType',
    'sourcePatientId',
    'uniqueId',
    'patientId',
    'hash',
    'size',
    'repositoryUniqueId',
  ] as const)('%s missing in ITI-42', (name) => {
    const { [name]: _removed, ...rest } = documentEntry();
    const s = validSubmission({ documentEntries: [rest] });
    expect(validateSubmission(s, ITI42)).toMatchObject([{ code: META, location: `${D}.${name}` }]);
  });

  it('confidentialityCode needs at least one value', () => {
    expect(validateSubmission(withDoc({ confidentialityCodes: [] }), ITI42)).toMatchObject([
      { code: META, location: `${D}.confidentialityCode` },
    ]);
  });

  it('an empty required value counts as missing', () => {
    expect(validateSubmission(withDoc({ mimeType: '' }), ITI42)).toMatchObject([
      { code: META, location: `${D}.mimeType` },
    ]);
  });

  it('ITI-41 problems are the Document Repository codes', () => {
    expect(validateSubmission(withDoc({ classCode: undefined }), ITI41)).toMatchObject([
      { code: 'XDSRepositoryMetadataError', location: `${D}.classCode` },
    ]);
  });

  it('limitedMetadata is not XDS', () => {
    expect(validateSubmission(withDoc({ limitedMetadata: true }), ITI42)).toMatchObject([
      { code: META, location: `${D}.limitedMetadata` },
    ]);
  });
});

describe('DocumentEntry value formats', () => {
  it.each([
    ['creationTime', { creationTime: '2026-11-25' }],
    ['creationTime', { creationTime: '20261131' }],
    ['creationTime', { creationTime: '20250229' }],
    ['creationTime', { creationTime: '2026112509300' }],
    ['creationTime', { creationTime: '20261125093000+0100' }],
    ['creationTime', { creationTime: '20261125240000' }],
    ['serviceStartTime', { serviceStartTime: '202613' }],
    ['serviceStopTime', { serviceStopTime: '20261125106000' }],
    ['hash', { hash: 'da39a3ee5e6b4b0d3255bfef95601890afd8070' }],
    ['hash', { hash: 'zz39a3ee5e6b4b0d3255bfef95601890afd80709' }],
    ['size', { size: '-1' }],
    ['size', { size: '10.5' }],
    ['mimeType', { mimeType: 'pdf' }],
    ['mimeType', { mimeType: 'text/plain; charset=utf-8' }],
    ['languageCode', { languageCode: 'french language' }],
    ['uniqueId', { uniqueId: '1.3.6.1.04' }],
    ['uniqueId', { uniqueId: `1.3.6.1.4.1^${'x'.repeat(17)}` }],
    ['uniqueId', { uniqueId: `1.${'1234567890.'.repeat(6)}1` }],
    ['repositoryUniqueId', { repositoryUniqueId: 'repo-1' }],
    ['homeCommunityId', { homeCommunityId: '1.3.6.1.4.1.21367' }],
  ] as [string, Partial<DocumentEntry>][])('%s %j', (name, over) => {
    const s = withDoc(over);
    const where = `DocumentEntry[${over.entryUUID ?? DOC}]`;
    const issues = validateSubmission(s, ITI42).filter((i) => !i.location?.startsWith('Association'));
    expect(issues).toMatchObject([{ code: META, location: `${where}.${name}` }]);
  });

  it('entryUUID that starts urn:uuid: but is no UUID', () => {
    const bad = 'urn:uuid:not-a-uuid';
    const base = withDoc({ entryUUID: bad });
    const s = {
      ...base,
      associations: base.associations.map((a) => (a.targetObject === DOC ? { ...a, targetObject: bad } : a)),
    };
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: `DocumentEntry[${bad}].entryUUID` },
    ]);
  });

  it('accepts every DTM precision and a leap day', () => {
    for (const t of ['2026', '202611', '20261125', '2026112509', '202611250930', '20240229235959'])
      expect(validateSubmission(withDoc({ creationTime: t }), ITI42)).toEqual([]);
  });

  it.each([
    ['^^^&1.3.6.1.4.1.21367.2017.2.5.83&ISO', 'empty CX.1'],
    ['9901234567^^^1.3.6.1.4.1.21367.2017.2.5.83', 'CX.4 not &OID&ISO'],
    ['9901234567^^^NAT&1.3.6.1.4.1.21367.2017.2.5.83&ISO', 'namespace id in CX.4.1'],
    ['9901234567^^^&1.3.6.1.4.1.21367.2017.2.5.83&L', 'CX.4.3 not ISO'],
    ['9901234567^^^&1.3.6.1.4.1.21367.2017.2.5.83&ISO^PI', 'CX.5 valued'],
    ['9901234567^x^^&1.3.6.1.4.1.21367.2017.2.5.83&ISO', 'CX.2 valued'],
  ])('sourcePatientId %s (%s)', (raw) => {
    expect(validateSubmission(withDoc({ sourcePatientId: parseCx(raw) }), ITI42)).toMatchObject([
      { code: META, location: `${D}.sourcePatientId` },
    ]);
  });

  it('sourcePatientInfo values are PID-n|value', () => {
    expect(validateSubmission(withDoc({ sourcePatientInfo: ['Schmit^Marie'] }), ITI42)).toMatchObject([
      { code: META, location: `${D}.sourcePatientInfo` },
    ]);
  });

  it('referenceIdList values need CX.5', () => {
    const ref = parseCx('ref-1^^^&1.2.3&ISO');
    expect(validateSubmission(withDoc({ referenceIdList: [ref] }), ITI42)).toMatchObject([
      { code: META, location: `${D}.referenceIdList` },
    ]);
  });
});

describe('author (ITI TF-3 4.2.3.1.4)', () => {
  const author = documentEntry().authors[0]!;
  it.each([
    ['authorPerson', { person: parseXcn('^^Anna') }],
    ['authorPerson', { person: parseXcn('12345^Muller^^^^^^^1.2.3') }],
    ['authorInstitution', { institutions: [parseXon('^^^^^&1.2.3&ISO')] }],
    ['authorTelecommunication', { telecoms: [parseXtn('^^Internet^not-an-address')] }],
    ['authorTelecommunication', { telecoms: [parseXtn('^PRN^PH')] }],
    ['authorTelecommunication', { telecoms: [parseXtn('^^^x@example.lu')] }],
  ])('%s %j', (name, over) => {
    const s = withDoc({ authors: [{ ...author, ...over }] });
    expect(validateSubmission(s, ITI42)).toMatchObject([{ code: META, location: `${D}.author[0].${name}` }]);
  });

  it('an author with no sub-attribute', () => {
    const empty = { institutions: [], roles: [], specialties: [], telecoms: [], extraSlots: [] };
    expect(validateSubmission(withDoc({ authors: [empty] }), ITI42)).toMatchObject([
      { code: META, location: `${D}.author[0]` },
    ]);
  });

  it('slots other than the five author sub-attributes', () => {
    const s = withDoc({
      authors: [{ ...author, extraSlots: [{ name: 'authorSpeciality', values: ['x'] }] }],
    });
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: `${D}.author[0].authorSpeciality` },
    ]);
  });

  it('author is R2: none at all is valid', () => {
    expect(validateSubmission(withDoc({ authors: [] }), ITI42)).toEqual([]);
  });
});

describe('codes of the affinity domain', () => {
  it.each([
    ['classCode', { classCode: code('00000-0') }],
    ['typeCode', { typeCode: code('00000-0') }],
    ['formatCode', { formatCode: code('urn:other') }],
    ['healthcareFacilityTypeCode', { healthcareFacilityTypeCode: code('0') }],
    ['practiceSettingCode', { practiceSettingCode: code('0') }],
    ['confidentialityCode', { confidentialityCodes: [code('N', CONF), code('V', CONF)] }],
    ['eventCodeList', { eventCodeList: [code('OTHER')] }],
    ['classCode', { classCode: { code: '18842-5', codingScheme: '' } }],
  ] as [string, Partial<DocumentEntry>][])('unknown %s', (name, over) => {
    expect(validateSubmission(withDoc(over), ITI42)).toMatchObject([
      { code: META, location: `${D}.${name}` },
    ]);
  });

  it('passes attribute, code and codingScheme to the policy', () => {
    const seen: string[] = [];
    const p = policy({
      isAllowedCode: (a, c, s) => {
        seen.push(`${a}|${c}|${s}`);
        return true;
      },
    });
    validateSubmission(validSubmission(), { transaction: 'ITI-42', policy: p });
    expect(seen).toContain(`formatCode|urn:ihe:iti:xds-sd:pdf:2008|1.3.6.1.4.1.19376.1.2.3`);
    expect(seen).toContain(`contentTypeCode|34133-9|${LOINC}`);
    expect(seen).toContain(`folderCodeList|18842-5|${LOINC}`);
  });

  it('SubmissionSet contentTypeCode and Folder codeList', () => {
    const s = validSubmission({
      submissionSet: submissionSet({ contentTypeCode: code('x') }),
      folders: [folder({ codeList: [code('y')] })],
    });
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'SubmissionSet.contentTypeCode' },
      { code: META, location: `${F}.codeList` },
    ]);
  });

  it('mimeType, languageCode and repository against the domain', () => {
    const p = policy({
      isAllowedMimeType: (m) => m === 'text/xml',
      isAllowedLanguageCode: (l) => l === 'de',
    });
    const s = withDoc({ repositoryUniqueId: '1.2.3.4' });
    expect(validateSubmission(s, { transaction: 'ITI-42', policy: p })).toMatchObject([
      { code: META, location: `${D}.mimeType` },
      { code: META, location: `${D}.languageCode` },
      { code: META, location: `${D}.repositoryUniqueId` },
    ]);
  });

  it('Association documentation', () => {
    const s = withAssociations(
      association({
        entryUUID: 'as-signs',
        associationType: 'signs',
        sourceObject: DOC,
        targetObject: REGISTERED,
        documentation: code('unsigned'),
      }),
    );
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'Association[as-signs].documentation' },
    ]);
  });
});

describe('patient ids', () => {
  it('a DocumentEntry of another patient', () => {
    expect(validateSubmission(withDoc({ patientId: parseCx(OTHER_PATIENT) }), ITI42)).toMatchObject([
      { code: 'XDSPatientIdDoesNotMatch', location: `${D}.patientId` },
    ]);
  });

  it('a Folder of another patient', () => {
    expect(validateSubmission(withFolder({ patientId: parseCx(OTHER_PATIENT) }), ITI42)).toMatchObject([
      { code: 'XDSPatientIdDoesNotMatch', location: `${F}.patientId` },
    ]);
  });

  it('a SubmissionSet patient id outside the affinity domain', () => {
    const local = 'P-778^^^&1.3.6.1.4.1.21367.2017.2.7.2.1&ISO';
    const s = validSubmission({
      submissionSet: submissionSet({ patientId: parseCx(local) }),
      documentEntries: [documentEntry({ patientId: parseCx(local) })],
      folders: [folder({ patientId: parseCx(local) })],
    });
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: 'XDSUnknownPatientId', location: 'SubmissionSet.patientId' },
    ]);
  });

  it('an affinity domain patient id the registry does not know', () => {
    const p = policy({ isKnownPatientId: () => false });
    expect(validateSubmission(validSubmission(), { transaction: 'ITI-42', policy: p })).toMatchObject([
      { code: 'XDSUnknownPatientId', location: 'SubmissionSet.patientId' },
    ]);
  });

  it('a malformed SubmissionSet patient id is a metadata error, not checked against the domain', () => {
    const s = withSs({ patientId: parseCx(`9901234567^^^&${NATIONAL}&ISO^PI`) });
    const issues = validateSubmission(s, ITI42).filter((i) => i.location === 'SubmissionSet.patientId');
    expect(issues).toMatchObject([{ code: META }]);
    expect(issues).toHaveLength(1);
  });
});

describe('SubmissionSet (ITI TF-3 Table 4.2.3.3-1)', () => {
  it.each(['contentTypeCode', 'uniqueId', 'sourceId', 'submissionTime', 'patientId'] as const)(
    '%s missing',
    (name) => {
      const { [name]: _removed, ...rest } = submissionSet();
      const issues = validateSubmission(validSubmission({ submissionSet: rest }), ITI42);
      expect(issues.filter((i) => i.location?.startsWith('SubmissionSet'))).toMatchObject([
        { code: META, location: `SubmissionSet.${name}` },
      ]);
    },
  );

  it.each([
    ['uniqueId', { uniqueId: '1.3.6.1.4.1^ext' }],
    ['uniqueId', { uniqueId: `1.${'1234567890.'.repeat(6)}1` }],
    ['sourceId', { sourceId: 'urn:oid:1.2.3' }],
    ['submissionTime', { submissionTime: '20261125T093100' }],
    ['limitedMetadata', { limitedMetadata: true }],
  ] as [string, Partial<SubmissionSet>][])('%s %j', (name, over) => {
    expect(validateSubmission(withSs(over), ITI42)).toMatchObject([
      { code: META, location: `SubmissionSet.${name}` },
    ]);
  });
});

describe('Folder (ITI TF-3 Table 4.2.3.4-1)', () => {
  it.each([
    ['codeList', { codeList: [] }],
    ['title', { title: undefined }],
    ['uniqueId', { uniqueId: undefined }],
    ['uniqueId', { uniqueId: 'folder-1' }],
    ['patientId', { patientId: undefined }],
    ['lastUpdateTime', { lastUpdateTime: '2026-11-25' }],
  ] as [string, Partial<Folder>][])('%s %j', (name, over) => {
    expect(validateSubmission(withFolder(over), ITI42)).toMatchObject([
      { code: META, location: `${F}.${name}` },
    ]);
  });
});

describe('uniqueness in the message', () => {
  it('two DocumentEntries with one uniqueId', () => {
    const second = documentEntry({ entryUUID: DOC2 });
    const s = withAssociations(
      association({ entryUUID: 'as-2', targetObject: DOC2, submissionSetStatus: 'Original' }),
    );
    const issues = validateSubmission({ ...s, documentEntries: [documentEntry(), second] }, ITI42);
    expect(issues).toMatchObject([
      { code: 'XDSRegistryDuplicateUniqueIdInMessage', location: `DocumentEntry[${DOC2}].uniqueId` },
    ]);
  });

  it('a Folder with the SubmissionSet uniqueId', () => {
    const s = withFolder({ uniqueId: submissionSet().uniqueId! });
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: 'XDSRegistryDuplicateUniqueIdInMessage', location: `${F}.uniqueId` },
    ]);
  });

  it('ITI-41: the repository code', () => {
    const s = withFolder({ uniqueId: submissionSet().uniqueId! });
    expect(validateSubmission(s, ITI41)).toMatchObject([
      { code: 'XDSRepositoryDuplicateUniqueIdInMessage', location: `${F}.uniqueId` },
    ]);
  });

  it('two objects with one entryUUID', () => {
    const s = withFolder({ entryUUID: DOC });
    const issues = validateSubmission(s, ITI42);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: META, location: `Folder[${DOC}].entryUUID` }),
    );
  });
});

describe('SubmissionSet and Folder membership (ITI TF-3 4.2.2.1)', () => {
  const without = (id: string): Submission => {
    const base = validSubmission();
    return { ...base, associations: base.associations.filter((a) => a.entryUUID !== id) };
  };

  it('a DocumentEntry that is no member of the SubmissionSet', () => {
    expect(validateSubmission(without(AS_SS_DOC), ITI42)).toMatchObject([{ code: META, location: D }]);
  });

  it('a Folder that is no member of the SubmissionSet', () => {
    expect(validateSubmission(without(AS_SS_FOLDER), ITI42)).toMatchObject([{ code: META, location: F }]);
  });

  it('a Folder membership association that is no member of the SubmissionSet', () => {
    expect(validateSubmission(without(AS_SS_FD), ITI42)).toMatchObject([
      { code: META, location: `Association[${AS_FOLDER_DOC}]` },
    ]);
  });

  it('a DocumentEntry added twice', () => {
    const s = withAssociations(association({ entryUUID: 'as-again', submissionSetStatus: 'Original' }));
    expect(validateSubmission(s, ITI42)).toMatchObject([{ code: META, location: D }]);
  });

  it('SubmissionSetStatus missing, or Reference for a document of the submission', () => {
    const base = validSubmission();
    const edit = (status: Association['submissionSetStatus']): Submission => ({
      ...base,
      associations: base.associations.map((a) =>
        a.entryUUID === AS_SS_DOC ? association({ entryUUID: AS_SS_DOC, submissionSetStatus: status }) : a,
      ),
    });
    const loc = `Association[${AS_SS_DOC}].SubmissionSetStatus`;
    expect(validateSubmission(edit(undefined), ITI42)).toMatchObject([{ code: META, location: loc }]);
    expect(validateSubmission(edit('Reference'), ITI42)).toMatchObject([{ code: META, location: loc }]);
  });

  it('a registered document added by reference', () => {
    const s = withAssociations(
      association({ entryUUID: 'as-ref', targetObject: REGISTERED, submissionSetStatus: 'Reference' }),
    );
    expect(validateSubmission(s, ITI42)).toEqual([]);
  });

  it('a symbolic sourceObject naming nothing', () => {
    const s = withAssociations(
      association({ entryUUID: 'as-x', sourceObject: 'Folder99', targetObject: DOC }),
    );
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'Association[as-x].sourceObject' },
    ]);
  });

  it('HasMember from the SubmissionSet to itself', () => {
    const s = withAssociations(
      association({ entryUUID: 'as-self', targetObject: SS, submissionSetStatus: 'Reference' }),
    );
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'Association[as-self].targetObject' },
    ]);
  });

  it('HasMember from a DocumentEntry', () => {
    const s = withAssociations(association({ entryUUID: 'as-dd', sourceObject: DOC, targetObject: DOC }));
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'Association[as-dd].sourceObject' },
    ]);
  });
});

describe('relationships (ITI TF-3 4.2.2.2)', () => {
  const rel = (type: Association['associationType'], over: Partial<Association> = {}): Submission =>
    withAssociations(
      association({
        entryUUID: 'as-rel',
        associationType: type,
        sourceObject: DOC,
        targetObject: REGISTERED,
        ...over,
      }),
    );

  it.each(['RPLC', 'APND', 'XFRM', 'XFRM_RPLC', 'signs'] as const)(
    '%s to a registered document is valid',
    (type) => {
      expect(validateSubmission(rel(type), ITI42)).toEqual([]);
    },
  );

  it('the source must be a DocumentEntry of the submission', () => {
    expect(validateSubmission(rel('RPLC', { sourceObject: REGISTERED }), ITI42)).toMatchObject([
      { code: META, location: 'Association[as-rel].sourceObject' },
    ]);
  });

  it('a target that is not registered', () => {
    expect(validateSubmission(rel('APND', { targetObject: DOC2 }), ITI42)).toMatchObject([
      { code: META, location: 'Association[as-rel].targetObject' },
    ]);
  });

  it('a Deprecated target', () => {
    const p = policy({ lookupDocument: () => ({ status: 'Deprecated', patientId: PATIENT }) });
    expect(validateSubmission(rel('RPLC'), { transaction: 'ITI-42', policy: p })).toMatchObject([
      { code: 'XDSRegistryDeprecatedDocumentError', location: 'Association[as-rel].targetObject' },
    ]);
  });

  it('a target of another patient', () => {
    const p = policy({ lookupDocument: () => ({ status: 'Approved', patientId: OTHER_PATIENT }) });
    expect(validateSubmission(rel('XFRM'), { transaction: 'ITI-42', policy: p })).toMatchObject([
      { code: 'XDSPatientIdDoesNotMatch', location: 'Association[as-rel].targetObject' },
    ]);
  });

  it('IsSnapshotOf targets an On-Demand entry', () => {
    expect(validateSubmission(rel('IsSnapshotOf'), ITI42)).toMatchObject([
      { code: META, location: 'Association[as-rel].targetObject' },
    ]);
  });

  it('a replacement targeting a document of the same submission', () => {
    expect(validateSubmission(rel('RPLC', { targetObject: DOC }), ITI42)).toMatchObject([
      { code: META, location: 'Association[as-rel].targetObject' },
    ]);
  });

  it('relationshipTargets lists registered targets once, for prefetching', () => {
    const s = withAssociations(
      association({ entryUUID: 'r1', associationType: 'RPLC', sourceObject: DOC, targetObject: REGISTERED }),
      association({ entryUUID: 'r2', associationType: 'signs', sourceObject: DOC, targetObject: REGISTERED }),
      association({ entryUUID: 'r3', associationType: 'signs', sourceObject: DOC, targetObject: DOC }),
      association({ entryUUID: 'r4', associationType: 'APND', sourceObject: DOC, targetObject: DOC2 }),
    );
    expect(relationshipTargets(s)).toEqual([REGISTERED, DOC2]);
  });

  it('one document replaced twice', () => {
    const base = rel('RPLC');
    const s = {
      ...base,
      associations: [
        ...base.associations,
        association({
          entryUUID: 'as-rel2',
          associationType: 'XFRM_RPLC',
          sourceObject: DOC,
          targetObject: REGISTERED,
        }),
      ],
    };
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'Association[as-rel2].targetObject' },
    ]);
  });
});

describe('extra metadata (ITI TF-3 4.2.3.1.7)', () => {
  const extra = { name: 'urn:lu:esante:dsp:visibility', values: ['patient'] };

  it('is valid and silently kept by default', () => {
    expect(validateSubmission(withDoc({ extraSlots: [extra] }), ITI42)).toEqual([]);
  });

  it('warns XDSExtraMetadataNotSaved when the receiver does not save it', () => {
    const p = policy({ extraMetadataSaved: false });
    expect(
      validateSubmission(withSs({ extraSlots: [extra] }), { transaction: 'ITI-42', policy: p }),
    ).toMatchObject([
      { code: 'XDSExtraMetadataNotSaved', severity: 'Warning', location: `SubmissionSet.${extra.name}` },
    ]);
  });

  it.each(['myslot', 'urn:ihe:iti:xds:2099:mine'])('rejects the slot name %s', (name) => {
    expect(validateSubmission(withFolder({ extraSlots: [{ name, values: ['x'] }] }), ITI42)).toMatchObject([
      { code: META, severity: 'Error', location: `${F}.${name}` },
    ]);
  });
});

describe('transaction-specific forms', () => {
  it('On-Demand entries are not registered by ITI-42', () => {
    expect(
      validateSubmission(
        withDoc({ objectType: 'on-demand', creationTime: undefined, hash: undefined, size: undefined }),
        ITI42,
      ),
    ).toMatchObject([{ code: META, location: `${D}.objectType` }]);
  });

  it('logicalID other than entryUUID outside ITI-57', () => {
    expect(validateSubmission(withDoc({ logicalID: REGISTERED }), ITI42)).toMatchObject([
      { code: META, location: `${D}.logicalID` },
    ]);
  });

  it('PreviousVersion and UpdateAvailabilityStatus outside ITI-57', () => {
    const base = validSubmission();
    const s = {
      ...base,
      associations: [
        ...base.associations.map((a) => (a.entryUUID === AS_SS_DOC ? { ...a, previousVersion: '1' } : a)),
        association({
          entryUUID: 'as-status',
          associationType: 'UpdateAvailabilityStatus',
          targetObject: REGISTERED,
          originalStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
          newStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
        }),
      ],
    };
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: `Association[${AS_SS_DOC}].PreviousVersion` },
      { code: META, location: 'Association[as-status].associationType' },
    ]);
  });
});

describe('ITI-57 metadata update structure (ITI TF-2 3.57.4.1.3.3)', () => {
  const NEW_VERSION = 'urn:uuid:5b1f36b0-8ad9-4a2f-8e0b-7a4b0fb7e1aa';
  /** A new version of REGISTERED: a DocumentEntry with lid = the registered logicalID. */
  function update(over: Partial<Association> = {}, de: Partial<DocumentEntry> = {}): Submission {
    return {
      submissionSet: submissionSet(),
      documentEntries: [documentEntry({ entryUUID: NEW_VERSION, logicalID: REGISTERED, ...de })],
      folders: [],
      associations: [
        association({
          entryUUID: 'as-update',
          targetObject: NEW_VERSION,
          submissionSetStatus: 'Original',
          previousVersion: '1',
          ...over,
        }),
      ],
      objectRefs: [],
    };
  }
  const status = (over: Partial<Association>): Submission => ({
    submissionSet: submissionSet(),
    documentEntries: [],
    folders: [],
    associations: [
      association({
        entryUUID: 'as-status',
        associationType: 'UpdateAvailabilityStatus',
        targetObject: REGISTERED,
        originalStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
        newStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
        ...over,
      }),
    ],
    objectRefs: [],
  });

  it('a new DocumentEntry version is valid', () => {
    expect(validateSubmission(update(), ITI57)).toEqual([]);
  });

  it('a status change is valid', () => {
    expect(validateSubmission(status({}), ITI57)).toEqual([]);
  });

  it('a new version without PreviousVersion', () => {
    expect(validateSubmission(update({ previousVersion: undefined }), ITI57)).toMatchObject([
      { code: 'XDSMetadataUpdateOperationError', location: 'Association[as-update].PreviousVersion' },
    ]);
  });

  it('PreviousVersion that is no version number', () => {
    expect(validateSubmission(update({ previousVersion: 'v1' }), ITI57)).toMatchObject([
      { code: 'XDSMetadataVersionError', location: 'Association[as-update].PreviousVersion' },
    ]);
  });

  it('PreviousVersion on an entry without logicalID', () => {
    expect(validateSubmission(update({}, { logicalID: undefined }), ITI57)).toMatchObject([
      { code: 'XDSMetadataUpdateOperationError', location: `DocumentEntry[${NEW_VERSION}].logicalID` },
    ]);
  });

  it('a symbolic logicalID', () => {
    expect(validateSubmission(update({}, { logicalID: 'Document01' }), ITI57)).toMatchObject([
      { code: META, location: `DocumentEntry[${NEW_VERSION}].logicalID` },
    ]);
  });

  it('AssociationPropagation is yes or no', () => {
    expect(validateSubmission(update({ associationPropagation: 'yes' }), ITI57)).toEqual([]);
    expect(validateSubmission(update({ associationPropagation: 'true' }), ITI57)).toMatchObject([
      { code: 'XDSMetadataUpdateOperationError', location: 'Association[as-update].AssociationPropagation' },
    ]);
  });

  it('AssociationPropagation outside ITI-57', () => {
    const base = validSubmission();
    const s = {
      ...base,
      associations: base.associations.map((a) =>
        a.entryUUID === AS_SS_DOC ? { ...a, associationPropagation: 'no' } : a,
      ),
    };
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: `Association[${AS_SS_DOC}].AssociationPropagation` },
    ]);
  });

  it('two new versions of one logical document', () => {
    const DOC3 = 'urn:uuid:5b1f36b0-8ad9-4a2f-8e0b-7a4b0fb7e1ab';
    const base = update();
    const s = {
      ...base,
      documentEntries: [
        ...base.documentEntries,
        documentEntry({
          entryUUID: DOC3,
          logicalID: REGISTERED,
          uniqueId: '1.3.6.1.4.1.21367.2017.2.1.108.2',
        }),
      ],
      associations: [
        ...base.associations,
        association({
          entryUUID: 'as-update2',
          targetObject: DOC3,
          submissionSetStatus: 'Original',
          previousVersion: '1',
        }),
      ],
    };
    expect(validateSubmission(s, ITI57)).toMatchObject([
      { code: 'XDSMetadataUpdateOperationError', location: `DocumentEntry[${DOC3}].logicalID` },
    ]);
  });

  it.each([
    ['OriginalStatus', { originalStatus: undefined }],
    ['NewStatus', { newStatus: undefined }],
    ['NewStatus', { newStatus: 'Deprecated' }],
    ['NewStatus', { newStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Submitted' }],
    ['targetObject', { targetObject: SS }],
    ['sourceObject', { sourceObject: REGISTERED }],
  ] as [string, Partial<Association>][])('status change: %s %j', (name, over) => {
    const issues = validateSubmission(status(over), ITI57).filter((i) => i.location?.endsWith(name));
    expect(issues).toMatchObject([
      { code: 'XDSMetadataUpdateOperationError', location: `Association[as-status].${name}` },
    ]);
  });
});

describe('every issue at once', () => {
  it('collects problems of several objects in one pass', () => {
    const s = validSubmission({
      submissionSet: submissionSet({ sourceId: undefined, submissionTime: '20261399' }),
      documentEntries: [
        documentEntry({
          classCode: undefined,
          hash: 'abc',
          patientId: parseCx(OTHER_PATIENT),
          confidentialityCodes: [code('V', CONF)],
        }),
      ],
      folders: [folder({ title: undefined })],
    });
    expect(validateSubmission(s, ITI42)).toMatchObject([
      { code: META, location: 'SubmissionSet.sourceId' },
      { code: META, location: 'SubmissionSet.submissionTime' },
      { code: META, location: `${D}.classCode` },
      { code: META, location: `${D}.confidentialityCode` },
      { code: 'XDSPatientIdDoesNotMatch', location: `${D}.patientId` },
      { code: META, location: `${D}.hash` },
      { code: META, location: `${F}.title` },
    ]);
  });
});
