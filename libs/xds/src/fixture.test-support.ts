/**
 * One valid submission with every attribute of ITI TF-3 Tables 4.2.3.2-1, 4.2.3.3-1 and
 * 4.2.3.4-1 set, for tests that change one thing at a time. Test support only (not exported).
 */
import { parseCx, parseXcn, parseXon, parseXtn } from './hl7.js';
import type { Association, DocumentEntry, Folder, Submission, SubmissionSet } from './model.js';

const PID = '8765432^^^&1.2.442.0.3.1.1&ISO';

export function validDocumentEntry(): DocumentEntry {
  return {
    entryUUID: 'Document01',
    objectType: 'stable',
    authors: [
      {
        person: parseXcn('11375^Welby^Marcus^J^Jr. MD^Dr^^^&1.2.442.0.5.1&ISO'),
        institutions: [parseXon('Centre Hospitalier^^^^^&1.2.442.0.6.1&ISO^^^^1.2.442.0.6.1.10')],
        roles: ['Attending^^^&1.3.6.1.4.1.21367.100.1&ISO'],
        specialties: ['Cardiology^^^&1.3.6.1.4.1.21367.100.2&ISO'],
        telecoms: [parseXtn('^^Internet^marcus.welby@chl.example.lu')],
        extraSlots: [],
      },
    ],
    classCode: {
      code: 'DISCHARGE',
      codingScheme: '1.2.442.0.2.1',
      displayName: { value: 'Lettre de sortie', lang: 'fr-LU' },
    },
    comments: { value: 'Séjour en cardiologie' },
    confidentialityCodes: [
      { code: 'N', codingScheme: '2.16.840.1.113883.5.25', displayName: { value: 'normal' } },
    ],
    creationTime: '20261125093000',
    eventCodeList: [
      { code: 'I21', codingScheme: '2.16.840.1.113883.6.3', displayName: { value: 'Acute MI' } },
      { code: 'I10', codingScheme: '2.16.840.1.113883.6.3', displayName: { value: 'Hypertension' } },
    ],
    formatCode: {
      code: 'urn:ihe:pcc:xds-ms:2007',
      codingScheme: '1.3.6.1.4.1.19376.1.2.3',
      displayName: { value: 'Medical Summaries' },
    },
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    healthcareFacilityTypeCode: {
      code: '22232009',
      codingScheme: '2.16.840.1.113883.6.96',
      displayName: { value: 'Hospital' },
    },
    languageCode: 'fr-LU',
    legalAuthenticator: parseXcn('11375^Welby^Marcus^^^^^^&1.2.442.0.5.1&ISO'),
    limitedMetadata: false,
    mimeType: 'text/xml',
    patientId: parseCx(PID),
    practiceSettingCode: {
      code: '394579002',
      codingScheme: '2.16.840.1.113883.6.96',
      displayName: { value: 'Cardiology' },
    },
    referenceIdList: [parseCx('ORD-77^^^&1.2.442.0.6.1.2&ISO^urn:ihe:iti:xds:2013:order')],
    repositoryUniqueId: '1.2.442.0.9.1',
    serviceStartTime: '202611200800',
    serviceStopTime: '2026112510',
    size: '4096',
    sourcePatientId: parseCx('H-1234^^^&1.2.442.0.6.1.1&ISO'),
    sourcePatientInfo: [
      'PID-3|H-1234^^^&1.2.442.0.6.1.1&ISO',
      'PID-5|Muller^Anne^^^',
      'PID-7|19610304',
      'PID-8|F',
    ],
    title: { value: 'Lettre de sortie', lang: 'fr-LU', charset: 'UTF-8' },
    typeCode: {
      code: '18842-5',
      codingScheme: '2.16.840.1.113883.6.1',
      displayName: { value: 'Discharge summary' },
    },
    uniqueId: '1.2.442.0.6.1.3.20261125.1',
    extraSlots: [],
  };
}

export function validSubmissionSet(): SubmissionSet {
  return {
    entryUUID: 'SubmissionSet01',
    authors: [
      {
        institutions: [parseXon('Centre Hospitalier^^^^^&1.2.442.0.6.1&ISO^^^^1.2.442.0.6.1.10')],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    comments: { value: 'Sortie du patient' },
    contentTypeCode: {
      code: '18842-5',
      codingScheme: '2.16.840.1.113883.6.1',
      displayName: { value: 'Discharge summary' },
    },
    intendedRecipients: ['Cabinet Dr Weber^^^^^&1.2.442.0.6.9&ISO^^^^77|^^^^^^^^^^^^^^^^^^^^^^'],
    limitedMetadata: false,
    patientId: parseCx(PID),
    sourceId: '1.2.442.0.6.1',
    submissionTime: '20261125093512',
    title: { value: 'Sortie' },
    uniqueId: '1.2.442.0.6.1.4.20261125.1',
    extraSlots: [],
  };
}

export function validFolder(): Folder {
  return {
    entryUUID: 'Folder01',
    codeList: [{ code: 'CARDIO', codingScheme: '1.2.442.0.2.7', displayName: { value: 'Cardiologie' } }],
    comments: { value: 'Épisode cardiologique' },
    limitedMetadata: false,
    patientId: parseCx(PID),
    title: { value: 'Cardiologie 2026' },
    uniqueId: '1.2.442.0.6.1.5.20261125.1',
    extraSlots: [],
  };
}

export function validAssociations(): Association[] {
  return [
    {
      entryUUID: 'as01',
      associationType: 'HasMember',
      sourceObject: 'SubmissionSet01',
      targetObject: 'Document01',
      submissionSetStatus: 'Original',
      extraSlots: [],
    },
    {
      entryUUID: 'as02',
      associationType: 'HasMember',
      sourceObject: 'SubmissionSet01',
      targetObject: 'Folder01',
      extraSlots: [],
    },
    {
      entryUUID: 'as03',
      associationType: 'HasMember',
      sourceObject: 'Folder01',
      targetObject: 'Document01',
      extraSlots: [],
    },
    {
      entryUUID: 'as04',
      associationType: 'HasMember',
      sourceObject: 'SubmissionSet01',
      targetObject: 'as03',
      extraSlots: [],
    },
  ];
}

/** The valid submission; `change` gets fresh copies, so each test changes one thing. */
export function validSubmission(
  change: {
    documentEntry?: Partial<DocumentEntry>;
    submissionSet?: Partial<SubmissionSet>;
    folder?: Partial<Folder>;
    associations?: Association[];
  } = {},
): Submission {
  return {
    submissionSet: { ...validSubmissionSet(), ...change.submissionSet },
    documentEntries: [{ ...validDocumentEntry(), ...change.documentEntry }],
    folders: [{ ...validFolder(), ...change.folder }],
    associations: change.associations ?? validAssociations(),
    objectRefs: [],
  };
}

/** A deterministic id source for writer tests. */
export function counterIds(): () => string {
  let n = 0;
  return () => `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}
