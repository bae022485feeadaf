/**
 * The validator wired to @mesh/affinity-domain as the registry wires it: the shipped default
 * domain's lookups as the MetadataPolicy (same CodedAttribute names, so this also checks that
 * the two packages agree at compile time).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AFFINITY_DOMAIN_URL,
  affinityDomainPatientId,
  isAffinityDomainPatientId,
  isAllowedCode,
  isAllowedLanguageCode,
  isAllowedMimeType,
  isKnownRepository,
  parseAffinityDomain,
} from '@mesh/affinity-domain';
import { parseCx } from '@mesh/xds';
import type { Code, DocumentEntry, Submission } from '@mesh/xds';
import { validateSubmission } from './validate.js';
import type { MetadataPolicy } from './policy.js';

const domain = parseAffinityDomain(JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')));
const policy: MetadataPolicy = {
  isAllowedCode: (attribute, code, scheme) => isAllowedCode(domain, attribute, code, scheme),
  isAffinityDomainPatientId: (cx) => isAffinityDomainPatientId(domain, cx),
  isKnownRepository: (uid) => isKnownRepository(domain, uid),
  isAllowedMimeType: (m) => isAllowedMimeType(domain, m),
  isAllowedLanguageCode: (l) => isAllowedLanguageCode(domain, l),
};

/** The first code of the domain's value set for an attribute, as a classification. */
function first(attribute: Parameters<typeof isAllowedCode>[1]): Code {
  const c = domain.valueSets[attribute]?.[0];
  if (!c) throw new Error(`default domain has no ${attribute}`);
  return { code: c.code, codingScheme: c.codeSystem };
}

const PATIENT = parseCx(affinityDomainPatientId(domain, '1900010112345'));
const DOC = 'urn:uuid:0c287d32-01e3-4d87-9953-9fcc9404eb21';

function entry(over: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    entryUUID: DOC,
    objectType: 'stable',
    extraSlots: [],
    authors: [],
    classCode: first('classCode'),
    typeCode: first('typeCode'),
    formatCode: first('formatCode'),
    healthcareFacilityTypeCode: first('healthcareFacilityTypeCode'),
    practiceSettingCode: first('practiceSettingCode'),
    confidentialityCodes: [first('confidentialityCode')],
    eventCodeList: [first('eventCodeList')],
    creationTime: '20261125093000',
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    size: '2048',
    languageCode: 'fr-LU',
    limitedMetadata: false,
    mimeType: 'text/xml',
    patientId: PATIENT,
    referenceIdList: [],
    repositoryUniqueId: domain.repositories[0]!.repositoryUniqueId,
    sourcePatientId: parseCx('P-1^^^&1.3.6.1.4.1.99999.2.1&ISO'),
    sourcePatientInfo: [],
    uniqueId: '1.3.6.1.4.1.99999.3.1.1',
    ...over,
  };
}

function submission(over: Partial<DocumentEntry> = {}): Submission {
  return {
    submissionSet: {
      entryUUID: 'SubmissionSet01',
      extraSlots: [],
      authors: [],
      contentTypeCode: first('contentTypeCode'),
      intendedRecipients: [],
      limitedMetadata: false,
      patientId: PATIENT,
      sourceId: '1.3.6.1.4.1.99999.3.2',
      submissionTime: '20261125093100',
      uniqueId: '1.3.6.1.4.1.99999.3.2.1',
    },
    documentEntries: [entry(over)],
    folders: [],
    associations: [
      {
        entryUUID: 'as01',
        associationType: 'HasMember',
        sourceObject: 'SubmissionSet01',
        targetObject: DOC,
        submissionSetStatus: 'Original',
        extraSlots: [],
      },
    ],
    objectRefs: [],
  };
}

const opts = { transaction: 'ITI-42', policy } as const;

describe('validateSubmission with the default affinity domain', () => {
  it('accepts a submission coded from the domain', () => {
    expect(validateSubmission(submission(), opts)).toEqual([]);
  });

  it("rejects a code of another attribute's value set", () => {
    expect(validateSubmission(submission({ classCode: first('folderCodeList') }), opts)).toMatchObject([
      { code: 'XDSRegistryMetadataError', location: `DocumentEntry[${DOC}].classCode` },
    ]);
  });

  it('rejects a mime type, a language and a repository the domain does not list', () => {
    const s = submission({ mimeType: 'application/msword', languageCode: 'it', repositoryUniqueId: '1.2.3' });
    expect(validateSubmission(s, opts)).toMatchObject([
      { code: 'XDSRegistryMetadataError', location: `DocumentEntry[${DOC}].mimeType` },
      { code: 'XDSRegistryMetadataError', location: `DocumentEntry[${DOC}].languageCode` },
      { code: 'XDSRegistryMetadataError', location: `DocumentEntry[${DOC}].repositoryUniqueId` },
    ]);
  });

  it('answers XDSUnknownPatientId for a local patient id', () => {
    const local = parseCx('P-1^^^&1.3.6.1.4.1.99999.2.1&ISO');
    const base = submission({ patientId: local });
    const s = { ...base, submissionSet: { ...base.submissionSet, patientId: local } };
    expect(validateSubmission(s, opts)).toMatchObject([
      { code: 'XDSUnknownPatientId', location: 'SubmissionSet.patientId' },
    ]);
  });
});
