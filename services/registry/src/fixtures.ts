/**
 * Realistic registry submissions for the store's integration tests and benchmark (not
 * exported from the package): a GP discharge letter shaped like what a national EHR sends,
 * with every attribute the model carries, ids already UUIDs as the ITI-42 handler leaves them.
 */
import { randomUUID } from 'node:crypto';
import { parseCx, parseXcn, parseXon, parseXtn } from '@mesh/xds';
import type { Association, Code, DocumentEntry, Folder, Submission, SubmissionSet } from '@mesh/xds';

export const NATIONAL_AA = '1.3.182.4.4';
export const LOINC = '2.16.840.1.113883.6.1';
export const CONF = '2.16.840.1.113883.5.25';
export const EVENT = '1.3.182.2.4.10';

export const urn = (): string => `urn:uuid:${randomUUID()}`;
export const patientCx = (n: number | string): string => `${String(n)}^^^&${NATIONAL_AA}&ISO`;
export const code = (c: string, scheme: string, name?: string): Code =>
  name === undefined
    ? { code: c, codingScheme: scheme }
    : { code: c, codingScheme: scheme, displayName: { value: name } };

let seq = 0;
/** A fresh OID-style uniqueId. */
export const oid = (): string => `1.3.182.99.${Date.now()}.${process.pid}.${++seq}`;

/** A complete stable DocumentEntry for `patient`, with overrides. */
export function documentEntry(patient: string, over: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    entryUUID: urn(),
    objectType: 'stable',
    extraSlots: [{ name: 'urn:lu:esante:priority', values: ['normal'] }],
    authors: [
      {
        person: parseXcn('2345^Muller^Anne^^^Dr^^^&1.3.182.4.1&ISO'),
        institutions: [parseXon('Centre Hospitalier^^^^^&1.3.182.4.2&ISO^^^^1.3.182.4.2.17')],
        roles: ['Attending physician'],
        specialties: ['Cardiology^^^&2.16.840.1.113883.6.96&ISO'],
        telecoms: [parseXtn('^^Internet^anne.muller@chl.example')],
        extraSlots: [],
      },
    ],
    classCode: code('11490-0', LOINC, 'Discharge summary'),
    comments: { value: 'Sortie après infarctus — évolution favorable', lang: 'fr-LU' },
    confidentialityCodes: [code('N', CONF, 'normal')],
    creationTime: '20240312101500',
    eventCodeList: [code('I21', '2.16.840.1.113883.6.3', 'Acute myocardial infarction')],
    formatCode: code('urn:ihe:pcc:xds-ms:2007', '1.3.6.1.4.1.19376.1.2.3', 'Medical Summaries'),
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    healthcareFacilityTypeCode: code('HOSP', '1.3.182.2.4.1', 'Hospital'),
    languageCode: 'fr-LU',
    legalAuthenticator: parseXcn('2345^Muller^Anne^^^Dr^^^&1.3.182.4.1&ISO'),
    limitedMetadata: false,
    mimeType: 'text/xml',
    patientId: parseCx(patient),
    practiceSettingCode: code('394579002', '2.16.840.1.113883.6.96', 'Cardiology'),
    referenceIdList: [],
    repositoryUniqueId: '1.3.182.10.1',
    serviceStartTime: '20240305',
    serviceStopTime: '202403121000',
    size: '4711',
    sourcePatientId: parseCx('H12345^^^&1.3.182.4.2.17.1&ISO'),
    sourcePatientInfo: ['PID-3|H12345^^^&1.3.182.4.2.17.1&ISO', 'PID-5|Schmit^Marie^^^', 'PID-7|19560214'],
    title: { value: 'Lettre de sortie' },
    typeCode: code('34105-7', LOINC, 'Hospital discharge summary'),
    uniqueId: oid(),
    homeCommunityId: 'urn:oid:1.3.182.1',
    ...over,
  };
}

export function submissionSet(patient: string, over: Partial<SubmissionSet> = {}): SubmissionSet {
  return {
    entryUUID: urn(),
    extraSlots: [],
    authors: [
      {
        person: parseXcn('2345^Muller^Anne^^^Dr^^^&1.3.182.4.1&ISO'),
        institutions: [parseXon('Centre Hospitalier^^^^^&1.3.182.4.2&ISO^^^^1.3.182.4.2.17')],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    contentTypeCode: code('11490-0', LOINC, 'Discharge summary'),
    intendedRecipients: [],
    limitedMetadata: false,
    patientId: parseCx(patient),
    sourceId: '1.3.182.4.2.17',
    submissionTime: '20240312103000',
    title: { value: 'Sortie' },
    uniqueId: oid(),
    ...over,
  };
}

export function folder(patient: string, over: Partial<Folder> = {}): Folder {
  return {
    entryUUID: urn(),
    extraSlots: [],
    codeList: [code('CARDIO', '1.3.182.2.4.20', 'Cardiology episode')],
    lastUpdateTime: '20240312103000',
    limitedMetadata: false,
    patientId: parseCx(patient),
    title: { value: 'Épisode cardiologie' },
    uniqueId: oid(),
    ...over,
  };
}

export function hasMember(source: string, target: string, status?: 'Original' | 'Reference'): Association {
  return {
    ...association('HasMember', source, target),
    ...(status === undefined ? {} : { submissionSetStatus: status }),
  };
}

/** An Association of `type` from `source` to `target`, with a new entryUUID and no slots. */
export function association(
  type: Association['associationType'],
  source: string,
  target: string,
): Association {
  return {
    entryUUID: urn(),
    extraSlots: [],
    associationType: type,
    sourceObject: source,
    targetObject: target,
  };
}

/** A SubmissionSet with `docs` (HasMember Original each) and optional folders with all docs in them. */
export function submission(
  patient: string,
  docs: readonly DocumentEntry[],
  opts: { folders?: readonly Folder[]; extra?: readonly Association[]; set?: Partial<SubmissionSet> } = {},
): Submission {
  const ss = submissionSet(patient, opts.set);
  const folders = opts.folders ?? [];
  const assocs: Association[] = docs.map((d) => hasMember(ss.entryUUID, d.entryUUID, 'Original'));
  for (const f of folders) {
    assocs.push(hasMember(ss.entryUUID, f.entryUUID));
    for (const d of docs) {
      const fd = hasMember(f.entryUUID, d.entryUUID);
      assocs.push(fd, hasMember(ss.entryUUID, fd.entryUUID));
    }
  }
  for (const x of opts.extra ?? []) assocs.push(x, hasMember(ss.entryUUID, x.entryUUID));
  return { submissionSet: ss, documentEntries: docs, folders, associations: assocs, objectRefs: [] };
}

// Codes and ids of the shipped default affinity domain (libs/affinity-domain/default-affinity-domain.json).
const DEFAULT_DOMAIN_SNOMED = '2.16.840.1.113883.6.96';

/** A DocumentEntry coded from the shipped default affinity domain (libs/affinity-domain). */
export function domainDocument(patient: string, over: Partial<DocumentEntry> = {}): DocumentEntry {
  return documentEntry(patient, {
    classCode: code('18842-5', LOINC, 'Discharge summary'),
    typeCode: code('18842-5', LOINC, 'Discharge summary'),
    formatCode: code('urn:ihe:pcc:xphr:2007', '1.3.6.1.4.1.19376.1.2.3', 'PCC XPHR'),
    healthcareFacilityTypeCode: code('22232009', DEFAULT_DOMAIN_SNOMED, 'Hospital'),
    practiceSettingCode: code('394802001', DEFAULT_DOMAIN_SNOMED, 'General medicine'),
    confidentialityCodes: [code('N', '2.16.840.1.113883.5.25', 'normal')],
    eventCodeList: [code('CT', '1.2.840.10008.2.16.4', 'Computed Tomography')],
    repositoryUniqueId: '1.3.6.1.4.1.99999.4.1',
    sourcePatientId: parseCx('H-778^^^&1.3.6.1.4.1.99999.2.10001.1&ISO'),
    sourcePatientInfo: ['PID-3|H-778^^^&1.3.6.1.4.1.99999.2.10001.1&ISO', 'PID-5|Schmit^Marie^^^'],
    homeCommunityId: undefined,
    ...over,
  });
}

export function domainSubmission(
  patient: string,
  docs: readonly DocumentEntry[],
  extra: readonly Association[] = [],
): Submission {
  return submission(patient, docs, {
    extra,
    set: { contentTypeCode: code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4', 'Inpatient stay') },
  });
}
