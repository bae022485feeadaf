/**
 * Cost of validateSubmission on the registration hot path: valid ITI-42 submissions of 1, 10,
 * 100 and 1,000 DocumentEntries (each a member of the SubmissionSet, half of them in a new
 * Folder), and a 100-entry submission where every entry has three problems (the cost of
 * collecting every issue). The policy answers from in-memory sets, as the affinity domain's
 * index does. Prints submissions/s and µs per DocumentEntry; asserts nothing.
 *
 * Then the registry's own case, in µs per call: one DocumentEntry coded from the shipped
 * default affinity domain, validated with `lookupsFor(domain)` in a policy object built per
 * submission, as services/registry builds it.
 *
 *   pnpm exec tsx libs/xds-validation/bench/validate.bench.ts
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_AFFINITY_DOMAIN_URL, lookupsFor, parseAffinityDomain } from '@mesh/affinity-domain';
import { parseCx, parseXcn, parseXon } from '@mesh/xds';
import type { Association, DocumentEntry, Submission } from '@mesh/xds';
import { validateSubmission } from '@mesh/xds-validation';
import type { MetadataPolicy } from '@mesh/xds-validation';

const PATIENT = '9901234567^^^&1.3.6.1.4.1.21367.2017.2.5.83&ISO';
const allowed = new Set([
  '18842-5',
  '11490-0',
  'urn:ihe:iti:xds-sd:pdf:2008',
  '22232009',
  '394802001',
  'N',
  '34133-9',
]);
const policy: MetadataPolicy = {
  isAllowedCode: (_a, code) => allowed.has(code),
  isAffinityDomainPatientId: (cx) => cx.endsWith('&1.3.6.1.4.1.21367.2017.2.5.83&ISO'),
  isKnownPatientId: (cx) => cx === PATIENT,
  isKnownRepository: (uid) => uid === '1.3.6.1.4.1.21367.2017.2.3.1',
};

const uuid = (n: number, kind: number): string =>
  `urn:uuid:${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const c = (code: string, codingScheme = '2.16.840.1.113883.6.1') => ({ code, codingScheme });

function entry(i: number, broken: boolean): DocumentEntry {
  return {
    entryUUID: uuid(i, 1),
    objectType: 'stable',
    extraSlots: [],
    authors: [
      {
        person: parseXcn('12345^Muller^Anna^^^Dr^^^&1.3.6.1.4.1.21367.2017.2.7.1&ISO'),
        institutions: [parseXon('Centre Hospitalier^^^^^&1.3.6.1.4.1.21367.2017.2.7.2&ISO^^^^CHL')],
        roles: ['Attending'],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    classCode: c(broken ? 'nope' : '18842-5'),
    typeCode: c('11490-0'),
    formatCode: c('urn:ihe:iti:xds-sd:pdf:2008', '1.3.6.1.4.1.19376.1.2.3'),
    healthcareFacilityTypeCode: c('22232009'),
    practiceSettingCode: c('394802001'),
    confidentialityCodes: [c('N', '2.16.840.1.113883.5.25')],
    eventCodeList: [],
    creationTime: broken ? '20261131' : '20261125093000',
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    size: '1024',
    languageCode: 'fr-LU',
    limitedMetadata: false,
    mimeType: 'application/pdf',
    patientId: parseCx(broken ? '1^^^&1.2.3&ISO' : PATIENT),
    referenceIdList: [],
    repositoryUniqueId: '1.3.6.1.4.1.21367.2017.2.3.1',
    sourcePatientId: parseCx('P-778^^^&1.3.6.1.4.1.21367.2017.2.7.2.1&ISO'),
    sourcePatientInfo: ['PID-3|P-778^^^&1.3.6.1.4.1.21367.2017.2.7.2.1&ISO'],
    uniqueId: `1.3.6.1.4.1.21367.2017.2.1.108.${i}`,
  };
}

function submission(n: number, broken = false): Submission {
  const ss = uuid(0, 2);
  const folder = uuid(0, 3);
  const documentEntries = Array.from({ length: n }, (_, i) => entry(i, broken));
  const associations: Association[] = [
    {
      entryUUID: uuid(0, 4),
      associationType: 'HasMember',
      sourceObject: ss,
      targetObject: folder,
      extraSlots: [],
    },
  ];
  documentEntries.forEach((d, i) => {
    associations.push({
      entryUUID: uuid(i, 5),
      associationType: 'HasMember',
      sourceObject: ss,
      targetObject: d.entryUUID,
      submissionSetStatus: 'Original',
      extraSlots: [],
    });
    if (i % 2 === 0) {
      associations.push({
        entryUUID: uuid(i, 6),
        associationType: 'HasMember',
        sourceObject: folder,
        targetObject: d.entryUUID,
        extraSlots: [],
      });
      associations.push({
        entryUUID: uuid(i, 7),
        associationType: 'HasMember',
        sourceObject: ss,
        targetObject: uuid(i, 6),
        extraSlots: [],
      });
    }
  });
  return {
    submissionSet: {
      entryUUID: ss,
      extraSlots: [],
      authors: [],
      contentTypeCode: c('34133-9'),
      intendedRecipients: [],
      limitedMetadata: false,
      patientId: parseCx(PATIENT),
      sourceId: '1.3.6.1.4.1.21367.2017.2.7.2',
      submissionTime: '20261125093100',
      uniqueId: '1.3.6.1.4.1.21367.2017.2.7.2.99.1',
    },
    documentEntries,
    folders: [
      {
        entryUUID: folder,
        extraSlots: [],
        codeList: [c('18842-5')],
        limitedMetadata: false,
        patientId: parseCx(PATIENT),
        title: { value: 'Folder' },
        uniqueId: '1.3.6.1.4.1.21367.2017.2.7.2.98.1',
      },
    ],
    associations,
    objectRefs: [],
  };
}

function bench(label: string, s: Submission, iterations: number): void {
  const opts = { transaction: 'ITI-42', policy } as const;
  const issues = validateSubmission(s, opts).length;
  for (let i = 0; i < Math.min(iterations, 200); i++) validateSubmission(s, opts); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) validateSubmission(s, opts);
  const ns = Number(process.hrtime.bigint() - start);
  const perSec = (iterations / ns) * 1e9;
  const usPerEntry = ns / iterations / 1000 / s.documentEntries.length;
  console.log(
    `${label.padEnd(44)} ${perSec.toFixed(0).padStart(9)} submissions/s  ${usPerEntry.toFixed(2).padStart(7)} µs/DocumentEntry  issues=${issues}`,
  );
}

bench('valid, 1 DocumentEntry', submission(1), 50_000);
bench('valid, 10 DocumentEntries', submission(10), 10_000);
bench('valid, 100 DocumentEntries', submission(100), 1_000);
bench('valid, 1,000 DocumentEntries', submission(1000), 100);
bench('100 DocumentEntries with 3 problems each', submission(100, true), 1_000);

const domain = parseAffinityDomain(JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')));
const NATIONAL = `9901234567^^^&${domain.patientIdAuthority.oid}&ISO`;
const SNOMED = '2.16.840.1.113883.6.96';
const oneDomainEntry = ((): Submission => {
  const s = submission(1);
  const d = s.documentEntries[0]!;
  return {
    ...s,
    submissionSet: {
      ...s.submissionSet,
      patientId: parseCx(NATIONAL),
      contentTypeCode: c('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4'),
    },
    documentEntries: [
      {
        ...d,
        patientId: parseCx(NATIONAL),
        healthcareFacilityTypeCode: c('22232009', SNOMED),
        practiceSettingCode: c('394802001', SNOMED),
        repositoryUniqueId: domain.repositories[0]!.repositoryUniqueId,
        languageCode: 'fr-LU',
      },
    ],
    folders: s.folders.map((f) => ({
      ...f,
      patientId: parseCx(NATIONAL),
      codeList: [c('EPISODE-OF-CARE', '1.3.6.1.4.1.99999.5.3')],
    })),
  };
})();
{
  const registryPolicy = (): MetadataPolicy => ({
    ...lookupsFor(domain),
    isKnownPatientId: (cx) => cx === NATIONAL,
    lookupDocument: () => undefined,
    extraMetadataSaved: true,
  });
  const run = () => validateSubmission(oneDomainEntry, { transaction: 'ITI-42', policy: registryPolicy() });
  const issues = run();
  for (let i = 0; i < 5_000; i++) run(); // warm-up
  const iterations = 50_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  const us = Number(process.hrtime.bigint() - start) / iterations / 1000;
  console.log(
    `${'default domain, 1 DocumentEntry, policy per call'.padEnd(44)} ${us.toFixed(2).padStart(9)} µs/call  issues=${issues.length}${issues.length > 0 ? ` (${issues.map((i) => i.location).join(', ')})` : ''}`,
  );
}
const mem = process.memoryUsage();
console.log(`rss ${(mem.rss / 2 ** 20).toFixed(0)} MB, heapUsed ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB`);
