/**
 * The registry scenarios of the NIST XDS Toolkit's registry actor collection (reg.tc), written in
 * this registry's own terms: our fixtures and the shipped affinity domain's codes, ITI-42 and
 * ITI-57 through the handlers, ITI-18 reading the result back. Each `describe` names the NIST
 * test, each `it` the section, and a comment the Technical Framework rule it exercises. Runs on
 * PGlite, or PostgreSQL when DATABASE_URL is set.
 *
 * Not covered here: the data loading tests (12361, 12374; their data is loaded per test below),
 * the Patient Identity Feed (15804), and 12364, the Multi-Patient Stored Query [ITI-51], which
 * this registry does not serve. Where the registry differs from the NIST expectation and the
 * Technical Framework did not settle who is right, the section is an `it.todo` with its reason.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome, RequestContext } from '@mesh/core';
import type { Db } from '@mesh/db';
import { DEFAULT_AFFINITY_DOMAIN_URL, parseAffinityDomain } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { parseCx, writeSubmitObjectsRequest } from '@mesh/xds';
import type { Association, DocumentEntry, Submission } from '@mesh/xds';
import { NS, escapeXml, parseXml, select } from '@mesh/xml';
import type { RegistryStore } from './store.js';
import { openRegistryTestEnv, testContext } from './test-env.js';
import {
  code,
  domainDocument as doc,
  domainSubmission as sub,
  folder as folderOf,
  oid,
  submission,
  urn,
} from './fixtures.js';
import { association as relation } from './fixtures.js';
import { registerDocumentSet } from './transactions/iti42-register.js';
import { handleIti18 } from './transactions/iti18.js';
import { updateDocumentSet } from './transactions/iti57-update.js';
import { STORED_QUERY_IDS } from './transactions/iti18-request.js';

// Codes and ids of the shipped default affinity domain (libs/affinity-domain/default-affinity-domain.json).
const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const EPISODE = code('EPISODE-OF-CARE', '1.3.6.1.4.1.99999.5.3', 'Episode of care');
const STAY = code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4', 'Inpatient stay');
const HOME = 'urn:oid:1.3.6.1.4.1.99999.3';
const STATUS = 'urn:oasis:names:tc:ebxml-regrep:StatusType:';
const pid = (n: string): string => `${n}^^^&${NATIONAL}&ISO`;

let db: Db;
let store: RegistryStore;
let domain: AffinityDomain;
let clockNow = new Date('2026-11-25T10:00:00Z');
const ctx: RequestContext = testContext('ITI-42', 'urn:uuid:6a1f0c55-3b7e-4d8e-9c1a-2f4b5d6e7f80');

beforeAll(async () => {
  ({ db, store, domain } = await openRegistryTestEnv('registry_nist'));
});
afterAll(async () => {
  await db.close();
});

const element = (xml: string): Element => parseXml(xml).documentElement;
const register = (s: Submission): Promise<Outcome<Submission>> =>
  registerDocumentSet(element(writeSubmitObjectsRequest(s)), ctx, {
    db,
    store,
    domain,
    clock: () => clockNow,
  });
const codes = (o: Outcome<unknown>): string[] => o.issues.map((i) => i.code);

async function newPatient(name: string): Promise<string> {
  const cx = pid(`nist-${name}-${oid()}`);
  await store.upsertPatient(cx);
  return cx;
}

/** Registers `s`, expecting Success, and returns it as registered (UUIDs assigned). */
async function registered(s: Submission): Promise<Submission> {
  const o = await register(s);
  expect(o.status, JSON.stringify(o.issues)).toBe('Success');
  return o.value as Submission;
}

interface QueryResult {
  readonly status: string;
  readonly errors: string[];
  /** ExtrinsicObject id -> status (last segment of the StatusType URN). */
  readonly docs: Record<string, string>;
  /** RegistryPackage ids. */
  readonly packages: string[];
  /** Associations as `type source target`. */
  readonly associations: string[];
  /** ObjectRef ids. */
  readonly refs: string[];
  readonly xml: Document;
}

type Slots = Record<string, string> | readonly (readonly [string, string])[];
const isPairs = (s: Slots): s is readonly (readonly [string, string])[] => Array.isArray(s);

/** Runs the ITI-18 stored query `name` with `slots` (values as sent, quotes included; a list repeats a slot). */
async function sq(
  name: keyof typeof STORED_QUERY_IDS,
  slots: Slots,
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
): Promise<QueryResult> {
  const pairs: readonly (readonly [string, string])[] = isPairs(slots) ? slots : Object.entries(slots);
  const body = `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnType="${returnType}" returnComposedObjects="true"/><rim:AdhocQuery id="${STORED_QUERY_IDS[name]}">${pairs
    .map(
      ([n, v]) =>
        `<rim:Slot name="${n}"><rim:ValueList><rim:Value>${escapeXml(v)}</rim:Value></rim:ValueList></rim:Slot>`,
    )
    .join('')}</rim:AdhocQuery></query:AdhocQueryRequest>`;
  const xml = parseXml(await handleIti18(element(body), { store, homeCommunityId: HOME, maxResults: 1000 }));
  const all = (path: string): Element[] => select(path, xml) as Element[];
  return {
    status: xml.documentElement.getAttribute('status')?.split(':').pop() ?? '',
    errors: (select('//rs:RegistryError/@errorCode', xml) as Attr[]).map((a) => a.value),
    docs: Object.fromEntries(
      all('//rim:ExtrinsicObject').map((e) => [
        e.getAttribute('id'),
        e.getAttribute('status')?.split(':').pop(),
      ]),
    ) as Record<string, string>,
    packages: all('//rim:RegistryPackage').map((e) => e.getAttribute('id') ?? ''),
    associations: all('//rim:Association').map(
      (e) =>
        `${e.getAttribute('associationType')?.split(':').pop() ?? ''} ${e.getAttribute('sourceObject') ?? ''} ${e.getAttribute('targetObject') ?? ''}`,
    ),
    refs: all('//rim:ObjectRef').map((e) => e.getAttribute('id') ?? ''),
    xml,
  };
}

const findDocs = (p: string, status: 'Approved' | 'Deprecated' = 'Approved'): Promise<QueryResult> =>
  sq('FindDocuments', {
    $XDSDocumentEntryPatientId: `'${p}'`,
    $XDSDocumentEntryStatus: `('${STATUS}${status}')`,
  });
const ssContents = (ss: string): Promise<QueryResult> =>
  sq('GetSubmissionSetAndContents', { $XDSSubmissionSetEntryUUID: `'${ss}'` });
const folderContents = (f: string): Promise<QueryResult> =>
  sq('GetFolderAndContents', { $XDSFolderEntryUUID: `'${f}'` });

/** A new folder for `p` coded from the shipped affinity domain. */
const newFolder = (p: string, over: Parameters<typeof folderOf>[1] = {}) =>
  folderOf(p, { codeList: [EPISODE], ...over });

/** A submission of `docs` and `folders` (every document in every folder), coded from the domain. */
const withFolders = (
  p: string,
  docs: readonly DocumentEntry[],
  folders: Parameters<typeof folderOf>[1][] = [{}],
) => submission(p, docs, { folders: folders.map((f) => newFolder(p, f)), set: { contentTypeCode: STAY } });

describe('NIST 11990 Register single DocumentEntry', () => {
  // 11990/submit + eval: a valid one-document submission is stored Approved (ITI TF-3 4.2.3.2.2).
  it('submit, eval', async () => {
    const p = await newPatient('11990');
    const s = await registered(sub(p, [doc(p)]));
    const d = s.documentEntries[0]!;
    const r = await ssContents(s.submissionSet.entryUUID);
    expect(r.status).toBe('Success');
    expect(r.docs).toEqual({ [d.entryUUID]: 'Approved' });
    expect(r.packages).toEqual([s.submissionSet.entryUUID]);
    expect(r.associations).toEqual([`HasMember ${s.submissionSet.entryUUID} ${d.entryUUID}`]);
  });
});

describe('NIST 11991 Register two DocumentEntries', () => {
  // 11991/submit + eval: both documents of one submission are registered, one HasMember each.
  it('submit, eval', async () => {
    const p = await newPatient('11991');
    const s = await registered(sub(p, [doc(p), doc(p)]));
    const r = await ssContents(s.submissionSet.entryUUID);
    expect(Object.keys(r.docs).sort()).toEqual(s.documentEntries.map((d) => d.entryUUID).sort());
    expect(r.associations).toHaveLength(2);
  });
});

describe('NIST 11992 Document Replace', () => {
  // 11992/rplc + eval: RPLC deprecates the original, the replacement is Approved (ITI TF-3 4.2.2.2.1).
  it('submit, rplc, eval', async () => {
    const p = await newPatient('11992');
    const original = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(p);
    await registered(sub(p, [replacement], [relation('RPLC', replacement.entryUUID, original.entryUUID)]));
    expect((await findDocs(p)).docs).toEqual({ [replacement.entryUUID]: 'Approved' });
    expect((await findDocs(p, 'Deprecated')).docs).toEqual({ [original.entryUUID]: 'Deprecated' });
    const related = await sq('GetRelatedDocuments', {
      $XDSDocumentEntryEntryUUID: `'${replacement.entryUUID}'`,
      $AssociationTypes: "('urn:ihe:iti:2007:AssociationType:RPLC')",
    });
    expect(related.associations).toEqual([`RPLC ${replacement.entryUUID} ${original.entryUUID}`]);
  });
});

describe('NIST 11993 Document Replace and Addendum', () => {
  // 11993/apnd: an addendum to an Approved document is accepted; to a replaced (Deprecated) one it
  // is refused, the target of APND must be Approved (ITI TF-3 4.2.2.2).
  it('submit, rplc, apnd, eval', async () => {
    const p = await newPatient('11993');
    const kept = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replaced = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(p);
    await registered(sub(p, [replacement], [relation('RPLC', replacement.entryUUID, replaced.entryUUID)]));

    const addendum = doc(p);
    await registered(sub(p, [addendum], [relation('APND', addendum.entryUUID, kept.entryUUID)]));
    const late = doc(p);
    const o = await register(sub(p, [late], [relation('APND', late.entryUUID, replaced.entryUUID)]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSRegistryDeprecatedDocumentError');

    expect((await findDocs(p)).docs).toEqual({
      [kept.entryUUID]: 'Approved',
      [replacement.entryUUID]: 'Approved',
      [addendum.entryUUID]: 'Approved',
    });
    expect(Object.keys((await findDocs(p, 'Deprecated')).docs)).toEqual([replaced.entryUUID]);
  });
});

describe('NIST 11994 Document Replace and Transformation', () => {
  // 11994/xfrm: a transform of an Approved document is accepted and leaves it Approved; a transform
  // of a replaced document is refused (ITI TF-3 4.2.2.2.3, target must be Approved).
  it('submit, rplc, xfrm, eval', async () => {
    const p = await newPatient('11994');
    const kept = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replaced = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(p);
    await registered(sub(p, [replacement], [relation('RPLC', replacement.entryUUID, replaced.entryUUID)]));

    const transform = doc(p, {
      formatCode: code('urn:ihe:pcc:xphr:2007', '1.3.6.1.4.1.19376.1.2.3', 'PCC XPHR'),
    });
    await registered(sub(p, [transform], [relation('XFRM', transform.entryUUID, kept.entryUUID)]));
    const late = doc(p);
    const o = await register(sub(p, [late], [relation('XFRM', late.entryUUID, replaced.entryUUID)]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSRegistryDeprecatedDocumentError');
    expect((await findDocs(p)).docs).toEqual({
      [kept.entryUUID]: 'Approved',
      [replacement.entryUUID]: 'Approved',
      [transform.entryUUID]: 'Approved',
    });
  });
});

describe('NIST 11995 Document Replace with Transformation (XFRM_RPLC)', () => {
  // 11995/rplc + eval: XFRM_RPLC deprecates the original like RPLC (ITI TF-3 4.2.2.2.4).
  it('submit, rplc, eval', async () => {
    const p = await newPatient('11995');
    const original = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(p);
    await registered(
      sub(p, [replacement], [relation('XFRM_RPLC', replacement.entryUUID, original.entryUUID)]),
    );
    expect((await findDocs(p)).docs).toEqual({ [replacement.entryUUID]: 'Approved' });
    expect((await findDocs(p, 'Deprecated')).docs).toEqual({ [original.entryUUID]: 'Deprecated' });
    const assocs = await sq('GetAssociations', { $uuid: `('${original.entryUUID}')` });
    expect(assocs.associations).toContain(`XFRM_RPLC ${replacement.entryUUID} ${original.entryUUID}`);
  });
});

describe('NIST 11996 Reject Submission with Invalid Patient ID', () => {
  // 11996/submit: a patient id the registry never received in a feed is refused with
  // XDSUnknownPatientId (ITI TF-2 3.42.4.1.3.4) and nothing is stored.
  it('submit', async () => {
    const p = pid(`nist-11996-unknown-${oid()}`);
    const d = doc(p);
    const o = await register(sub(p, [d]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSUnknownPatientId');
    expect(await store.getDocumentsByUniqueId([d.uniqueId ?? ''])).toEqual([]);
  });
});

describe('NIST 11997 Patient ID on SubmissionSet does not match DocumentEntry', () => {
  // 11997/submit + eval: every object of a submission carries the SubmissionSet's patient id
  // (ITI TF-3 4.2.2.1.2); a mismatch is XDSPatientIdDoesNotMatch and nothing is stored.
  it('submit, eval', async () => {
    const p = await newPatient('11997');
    const other = await newPatient('11997-other');
    const d = doc(other);
    const o = await register(sub(p, [d]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSPatientIdDoesNotMatch');
    expect((await findDocs(p)).docs).toEqual({});
    expect((await findDocs(other)).docs).toEqual({});
  });
});

describe('NIST 11998 Reject Submission, Patient ID on Replacement Document does not match Original', () => {
  // 11998/rplc + eval: a replacement must have the original's patient id (ITI TF-3 4.2.2.2.1),
  // else XDSPatientIdDoesNotMatch; the original stays Approved.
  it('submit, rplc, eval', async () => {
    const p = await newPatient('11998');
    const other = await newPatient('11998-other');
    const original = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(other);
    const o = await register(
      sub(other, [replacement], [relation('RPLC', replacement.entryUUID, original.entryUUID)]),
    );
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSPatientIdDoesNotMatch');
    expect((await findDocs(p)).docs).toEqual({ [original.entryUUID]: 'Approved' });
    expect((await findDocs(other)).docs).toEqual({});
  });
});

describe('NIST 11999 Accept Create Folder', () => {
  // 11999/submit + eval: a submission may create an empty Folder (ITI TF-3 4.2.2.1.1), shown by
  // GetSubmissionSetAndContents with its SubmissionSet HasMember.
  it('submit, eval', async () => {
    const p = await newPatient('11999');
    const s = await registered(withFolders(p, []));
    const f = s.folders[0]!;
    const r = await ssContents(s.submissionSet.entryUUID);
    expect(r.status).toBe('Success');
    expect(r.packages.sort()).toEqual([s.submissionSet.entryUUID, f.entryUUID].sort());
    expect(r.docs).toEqual({});
    expect(r.associations).toEqual([`HasMember ${s.submissionSet.entryUUID} ${f.entryUUID}`]);
  });
});

describe('NIST 12000 Accept Create Folder with Initial Document', () => {
  // 12000/eval_folder + eval_assoc: the new Folder holds the new document; the Folder-document
  // HasMember is itself a member of the SubmissionSet (ITI TF-3 4.2.2.1.3).
  it('submit, eval_folder, eval_assoc', async () => {
    const p = await newPatient('12000');
    const s = await registered(withFolders(p, [doc(p)]));
    const [f, d] = [s.folders[0]!, s.documentEntries[0]!];
    const r = await ssContents(s.submissionSet.entryUUID);
    expect(r.docs).toEqual({ [d.entryUUID]: 'Approved' });
    expect(r.packages.sort()).toEqual([s.submissionSet.entryUUID, f.entryUUID].sort());
    const fd = s.associations.find((a) => a.sourceObject === f.entryUUID)!;
    expect(r.associations.sort()).toEqual(
      [
        `HasMember ${s.submissionSet.entryUUID} ${d.entryUUID}`,
        `HasMember ${s.submissionSet.entryUUID} ${f.entryUUID}`,
        `HasMember ${f.entryUUID} ${d.entryUUID}`,
        `HasMember ${s.submissionSet.entryUUID} ${fd.entryUUID}`,
      ].sort(),
    );
    expect((await folderContents(f.entryUUID)).docs).toEqual({ [d.entryUUID]: 'Approved' });
  });
});

describe('NIST 12001 Add new document to existing folder', () => {
  // 12001/add_to_folder + eval: a new document joins a registered Folder through a HasMember
  // from the Folder, itself a member of the SubmissionSet (ITI TF-3 4.2.2.1.4).
  it('create_folder, add_to_folder, eval', async () => {
    const p = await newPatient('12001');
    const f = (await registered(withFolders(p, []))).folders[0]!;
    const d = doc(p);
    await registered(sub(p, [d], [relation('HasMember', f.entryUUID, d.entryUUID)]));
    expect((await folderContents(f.entryUUID)).docs).toEqual({ [d.entryUUID]: 'Approved' });
    const forDoc = await sq('GetFoldersForDocument', { $XDSDocumentEntryEntryUUID: `'${d.entryUUID}'` });
    expect(forDoc.packages).toEqual([f.entryUUID]);
  });
});

describe('NIST 12002 Reject Add Document to Folder - Patient ID does not match', () => {
  // 12002/add_to_folder + eval: a Folder only holds documents of its own patient (ITI TF-3
  // 4.2.2.1.2): XDSPatientIdDoesNotMatch, and the Folder stays empty.
  it('create_folder, add_to_folder, eval', async () => {
    const p = await newPatient('12002');
    const other = await newPatient('12002-other');
    const f = (await registered(withFolders(p, []))).folders[0]!;
    const d = doc(other);
    const o = await register(sub(other, [d], [relation('HasMember', f.entryUUID, d.entryUUID)]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSPatientIdDoesNotMatch');
    expect((await folderContents(f.entryUUID)).docs).toEqual({});
    expect((await findDocs(other)).docs).toEqual({});
  });
});

describe('NIST 12004 Document Resubmission', () => {
  // 12004/submit + eval: the same document (uniqueId, hash, size) may be registered again as a new
  // DocumentEntry; a different hash under that uniqueId is XDSNonIdenticalHash (ITI TF-2 3.42.4.1.3.4).
  it('submit, eval', async () => {
    const p = await newPatient('12004');
    const first = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const again = { ...first, entryUUID: urn() };
    await registered(sub(p, [again]));
    const changed = { ...first, entryUUID: urn(), hash: '0123456789abcdef0123456789abcdef01234567' };
    const o = await register(sub(p, [changed]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSNonIdenticalHash');
    const byUid = await sq('GetDocuments', { $XDSDocumentEntryUniqueId: `('${first.uniqueId ?? ''}')` });
    expect(byUid.docs).toEqual({ [first.entryUUID]: 'Approved', [again.entryUUID]: 'Approved' });
  });
});

describe('NIST 12084 Submission Stored - All or Nothing', () => {
  // 12084/submit + eval: one flawed DocumentEntry (no repositoryUniqueId, required in ITI-42 by
  // ITI TF-3 Table 4.3.1-3) fails the whole submission; the valid one is not stored either.
  it('submit, eval', async () => {
    const p = await newPatient('12084');
    const good = doc(p);
    const flawed = doc(p, { repositoryUniqueId: undefined });
    const o = await register(sub(p, [good, flawed]));
    expect(o.status).toBe('Failure');
    expect(o.issues.some((i) => i.severity === 'Error' && /repositoryUniqueId/.test(i.location ?? ''))).toBe(
      true,
    );
    expect((await findDocs(p)).docs).toEqual({});
  });
});

describe('NIST 12323 Folder lastUpdateTime', () => {
  // 12323: the Document Registry sets Folder.lastUpdateTime when the Folder is created, whatever
  // the submitter sent, and again when a document is added (ITI TF-3 4.2.3.4.5).
  const lastUpdate = async (f: string): Promise<string | undefined> => {
    const r = await sq('GetFolders', { $XDSFolderEntryUUID: `('${f}')` });
    const slot = (
      select(
        "//rim:RegistryPackage/rim:Slot[@name='lastUpdateTime']/rim:ValueList/rim:Value",
        r.xml,
      ) as Element[]
    )[0];
    return slot?.textContent ?? undefined;
  };

  it('no_time, verify_no_submission_time', async () => {
    clockNow = new Date('2026-11-25T10:00:00Z');
    const p = await newPatient('12323-no-time');
    const f = (await registered(withFolders(p, [], [{ lastUpdateTime: undefined }]))).folders[0]!;
    expect(await lastUpdate(f.entryUUID)).toBe('20261125100000');
  });

  it('has_time, verify_has_submission_time, add_to_folder, verify_time_updated', async () => {
    clockNow = new Date('2026-11-25T10:00:00Z');
    const p = await newPatient('12323-has-time');
    const f = (await registered(withFolders(p, [], [{ lastUpdateTime: '19991231235959' }]))).folders[0]!;
    expect(await lastUpdate(f.entryUUID)).toBe('20261125100000');
    clockNow = new Date('2026-11-25T11:30:00Z');
    const d = doc(p);
    await registered(sub(p, [d], [relation('HasMember', f.entryUUID, d.entryUUID)]));
    expect(await lastUpdate(f.entryUUID)).toBe('20261125113000');
  });
});

describe('NIST 12326 Add Existing document to existing folder', () => {
  // 12326/add_to_folder + eval: a submission carrying only a Folder-document HasMember (both
  // already registered) adds the document to the Folder (ITI TF-3 4.2.2.1.5).
  it('create_folder, add_to_folder, eval', async () => {
    const p = await newPatient('12326');
    const s = await registered(
      submission(p, [doc(p)], { folders: [newFolder(p)], set: { contentTypeCode: STAY } }),
    );
    const first = s.folders[0]!;
    const d = s.documentEntries[0]!;
    const second = (await registered(withFolders(p, []))).folders[0]!;
    await registered(sub(p, [], [relation('HasMember', second.entryUUID, d.entryUUID)]));
    expect((await folderContents(second.entryUUID)).docs).toEqual({ [d.entryUUID]: 'Approved' });
    const forDoc = await sq('GetFoldersForDocument', { $XDSDocumentEntryEntryUUID: `'${d.entryUUID}'` });
    expect(forDoc.packages.sort()).toEqual([first.entryUUID, second.entryUUID].sort());
  });
});

describe('NIST 12368 XDSResultNotSinglePatient', () => {
  // 12368: a LeafClass result may not span patients (ITI TF-3 Table 4.2.4.1-2
  // XDSResultNotSinglePatient); an ObjectRef result discloses no patient data and is not limited.
  it('doc_leafclass, ss_leafclass, fol_leafclass', async () => {
    const pa = await newPatient('12368-a');
    const pb = await newPatient('12368-b');
    const a = await registered(withFolders(pa, [doc(pa)]));
    const b = await registered(withFolders(pb, [doc(pb)]));
    const cases: [keyof typeof STORED_QUERY_IDS, string, (s: Submission) => string][] = [
      ['GetDocuments', '$XDSDocumentEntryEntryUUID', (s) => s.documentEntries[0]!.entryUUID],
      ['GetSubmissionSets', '$uuid', (s) => s.documentEntries[0]!.entryUUID],
      ['GetFolders', '$XDSFolderEntryUUID', (s) => s.folders[0]!.entryUUID],
    ];
    for (const [name, slot, id] of cases) {
      const one = await sq(name, { [slot]: `('${id(a)}')` });
      expect([name, one.status, one.errors]).toEqual([name, 'Success', []]);
      const both = await sq(name, { [slot]: `('${id(a)}','${id(b)}')` });
      expect([name, both.status, both.errors]).toEqual([name, 'Failure', ['XDSResultNotSinglePatient']]);
    }
  });

  // 12368 doc_objectref / ss_objectref / fol_objectref expect an ObjectRef result spanning two
  // patients to succeed. This registry refuses it as well (iti18.ts checks the patients of every
  // result, whatever the returnType), a deliberate one-patient-at-a-time rule; the TF text read
  // for this review does not settle whether XDSResultNotSinglePatient is limited to LeafClass.
  it.todo(
    'doc_objectref, ss_objectref, fol_objectref: left differing (ObjectRef across patients refused here)',
  );
});

describe('NIST 12370 Accept association documentation classification', () => {
  // 12370/rplc + query: a relationship Association may carry the Association Documentation
  // classification (ITI TF-3 4.2.2.2); it is stored and returned by a stored query.
  // 12370/not_configured: a documentation code the affinity domain does not list is refused. The
  // shipped domain leaves associationDocumentation unconstrained, so this uses a copy that lists
  // one code (an affinity domain value set, ITI TF-3 4.2.2.2 / 4.2.3.1.7).
  it('not_configured', async () => {
    const raw = JSON.parse(await readFile(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as {
      valueSets: Record<string, unknown>;
    };
    raw.valueSets['associationDocumentation'] = [
      { code: 'correction', codeSystem: '1.3.6.1.4.1.99999.5.9', displayName: 'Corrected content' },
    ];
    const configured = parseAffinityDomain(raw);
    const registerIn = (s: Submission): Promise<Outcome<Submission>> =>
      registerDocumentSet(element(writeSubmitObjectsRequest(s)), ctx, {
        db,
        store,
        domain: configured,
        clock: () => clockNow,
      });
    const p = await newPatient('12370-nc');
    const s = sub(p, [doc(p)]);
    const unlisted = code('Additional_Information', '1.3.6.1.4.1.99999.5.9', 'Additional information');
    const o = await registerIn({
      ...s,
      associations: s.associations.map((x) => ({ ...x, documentation: unlisted })),
    });
    expect(o.status).toBe('Failure');
    expect(o.issues.some((i) => i.severity === 'Error' && /documentation/.test(i.location ?? ''))).toBe(true);
    expect((await findDocs(p)).docs).toEqual({});
    const listed = code('correction', '1.3.6.1.4.1.99999.5.9', 'Corrected content');
    const ok = await registerIn({
      ...s,
      associations: s.associations.map((x) => ({ ...x, documentation: listed })),
    });
    expect(ok.status, JSON.stringify(ok.issues)).toBe('Success');
  });

  it('submit, rplc, query', async () => {
    const p = await newPatient('12370');
    const original = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const replacement = doc(p);
    const rplc: Association = {
      ...relation('RPLC', replacement.entryUUID, original.entryUUID),
      documentation: code('correction', '1.3.6.1.4.1.99999.5.9', 'Corrected content'),
    };
    await registered(sub(p, [replacement], [rplc]));
    const r = await sq('GetAssociations', { $uuid: `('${replacement.entryUUID}')` });
    const classified = (
      select(
        `//rim:Association[@associationType='urn:ihe:iti:2007:AssociationType:RPLC']/rim:Classification[@classificationScheme='urn:uuid:abd807a3-4432-4053-87b4-fd82c643d1f3']`,
        r.xml,
      ) as Element[]
    ).map((c) => c.getAttribute('nodeRepresentation'));
    expect(classified).toEqual(['correction']);
  });
});

describe('NIST 12379 Extra Metadata', () => {
  // 12379/support: extra metadata slots (urn: names outside urn:ihe:) on DocumentEntry,
  // SubmissionSet and Association are saved and returned (ITI TF-3 4.2.3.1.8).
  it('support', async () => {
    const p = await newPatient('12379');
    const extra = [{ name: 'urn:example:nist:extra', values: ['one', 'two'] }];
    const d = doc(p, { extraSlots: extra });
    const s = sub(p, [d]);
    const withExtra: Submission = {
      ...s,
      submissionSet: { ...s.submissionSet, extraSlots: extra },
      associations: s.associations.map((a) => ({ ...a, extraSlots: extra })),
    };
    const o = await register(withExtra);
    expect(o.status, JSON.stringify(o.issues)).toBe('Success');
    const r = await ssContents(withExtra.submissionSet.entryUUID);
    const holders = (select("//rim:Slot[@name='urn:example:nist:extra']/..", r.xml) as Element[]).map(
      (e) => e.localName,
    );
    expect(holders.sort()).toEqual(['Association', 'ExtrinsicObject', 'RegistryPackage']);
  });
});

describe('NIST 12327 Accept Document Replace, Document in Folder', () => {
  // 12327 (and 12323 rplc / verify_time_updated_by_rplc): when the replaced document is in
  // Folders, the Document Registry adds the replacement to those Folders itself and updates
  // their lastUpdateTime (ITI TF-3 4.2.2.2.1).
  it('submit_doc_w_fol, verify_submission, rplc, verify_folder_contents', async () => {
    clockNow = new Date('2026-11-25T10:00:00Z');
    const p = await newPatient('12327');
    const s = await registered(withFolders(p, [doc(p)], [{}, {}]));
    const original = s.documentEntries[0]!;
    const [f1, f2] = s.folders;
    expect((await folderContents(f1!.entryUUID)).docs).toEqual({ [original.entryUUID]: 'Approved' });

    clockNow = new Date('2026-11-25T12:15:00Z');
    const replacement = doc(p);
    await registered(sub(p, [replacement], [relation('RPLC', replacement.entryUUID, original.entryUUID)]));
    for (const f of [f1!, f2!]) {
      const contents = await folderContents(f.entryUUID);
      expect(contents.docs).toEqual({
        [original.entryUUID]: 'Deprecated',
        [replacement.entryUUID]: 'Approved',
      });
      const time = (
        select(
          "//rim:RegistryPackage/rim:Slot[@name='lastUpdateTime']/rim:ValueList/rim:Value",
          contents.xml,
        ) as Element[]
      )[0]?.textContent;
      expect(time).toBe('20261125121500');
    }
    const forReplacement = await sq('GetFoldersForDocument', {
      $XDSDocumentEntryEntryUUID: `'${replacement.entryUUID}'`,
    });
    expect(forReplacement.packages.sort()).toEqual([f1!.entryUUID, f2!.entryUUID].sort());
  });

  it('a replacement the submission itself puts in the Folder is not added twice', async () => {
    const p = await newPatient('12327-explicit');
    const s = await registered(withFolders(p, [doc(p)]));
    const original = s.documentEntries[0]!;
    const f = s.folders[0]!;
    const replacement = doc(p);
    await registered(
      sub(
        p,
        [replacement],
        [
          relation('RPLC', replacement.entryUUID, original.entryUUID),
          relation('HasMember', f.entryUUID, replacement.entryUUID),
        ],
      ),
    );
    const contents = await folderContents(f.entryUUID);
    expect(contents.docs).toEqual({
      [original.entryUUID]: 'Deprecated',
      [replacement.entryUUID]: 'Approved',
    });
    const memberships = contents.associations.filter((a) =>
      a.startsWith(`HasMember ${f.entryUUID} ${replacement.entryUUID}`),
    );
    expect(memberships).toHaveLength(1);
  });
});

describe('NIST 11897 FindDocuments Stored Query', () => {
  const LOINC = '2.16.840.1.113883.6.1';
  const SNOMED = '2.16.840.1.113883.6.96';
  const DCM = '1.2.840.10008.2.16.4';
  const CONF = '2.16.840.1.113883.5.25';
  let p: string;
  let lab: DocumentEntry;
  let letter: DocumentEntry;
  let old: DocumentEntry;
  beforeAll(async () => {
    p = await newPatient('11897');
    lab = doc(p, {
      classCode: code('11502-2', LOINC, 'Laboratory report'),
      creationTime: '20241224',
      confidentialityCodes: [code('N', CONF, 'normal'), code('R', CONF, 'restricted')],
      serviceStartTime: '20241220',
      serviceStopTime: '20241223',
      healthcareFacilityTypeCode: code('225728007', SNOMED, 'Accident and Emergency department'),
      practiceSettingCode: code('394593009', SNOMED, 'Medical oncology'),
      typeCode: code('11502-2', LOINC, 'Laboratory report'),
      eventCodeList: [code('CT', DCM, 'Computed Tomography'), code('MR', DCM, 'Magnetic Resonance')],
      referenceIdList: [parseCx('ORD-11897^^^&1.3.6.1.4.1.99999.8&ISO^urn:ihe:iti:xds:2013:order')],
    });
    letter = doc(p, { creationTime: '20241224120000' });
    old = doc(p);
    await registered(sub(p, [lab, letter, old]));
    const replacement = doc(p);
    await registered(sub(p, [replacement], [relation('RPLC', replacement.entryUUID, old.entryUUID)]));
  });
  const find = (more: Slots) =>
    sq('FindDocuments', [
      ['$XDSDocumentEntryPatientId', `'${p}'`],
      ['$XDSDocumentEntryStatus', `('${STATUS}Approved')`],
      ...(isPairs(more) ? more : Object.entries(more)),
    ]);

  // 11897/classcode_one + classcode_two: values of one parameter are ORed (ITI TF-2 3.18.4.1.2.3.5).
  it('classcode_one, classcode_two', async () => {
    expect(Object.keys((await find({ $XDSDocumentEntryClassCode: `('11502-2^^${LOINC}')` })).docs)).toEqual([
      lab.entryUUID,
    ]);
    const both = await find({ $XDSDocumentEntryClassCode: `('11502-2^^${LOINC}','18842-5^^${LOINC}')` });
    expect(Object.keys(both.docs)).toHaveLength(3);
  });

  // 11897/classcode_scheme_mismatch: a code parameter is code^^^codingScheme (ITI TF-2
  // 3.18.4.1.2.3.4); a value with an empty scheme makes the query invalid.
  it('classcode_scheme_mismatch', async () => {
    const mismatch = await find({ $XDSDocumentEntryClassCode: `('11502-2^^${LOINC}', 'a^^')` });
    expect([mismatch.status, mismatch.errors.length > 0, mismatch.docs]).toEqual(['Failure', true, {}]);
  });

  // 11897/old_scheme expects a bare code (no ^^^scheme) with the retired ...CodeScheme parameter
  // to fail. This registry's parser accepts a bare code on purpose (iti18-request.ts toCodes,
  // matching any scheme); whether that leniency breaks ITI TF-2 3.18.4.1.2.3.4 was not settled here.
  it.todo('old_scheme: left differing (a bare code without scheme is accepted here)');

  // 11897/creationtime_left_edge + right_edge: From is inclusive, To exclusive, compared on the
  // time's precision (ITI TF-2 3.18.4.1.2.3.6).
  it('creationtime_between, creationtime_left_edge, creationtime_right_edge', async () => {
    const left = await find({
      $XDSDocumentEntryCreationTimeFrom: '20241224',
      $XDSDocumentEntryCreationTimeTo: '20250101',
    });
    expect(Object.keys(left.docs).sort()).toEqual([lab.entryUUID, letter.entryUUID].sort());
    const right = await find({
      $XDSDocumentEntryCreationTimeFrom: '20241124',
      $XDSDocumentEntryCreationTimeTo: '20241224',
    });
    expect(right.docs).toEqual({});
  });

  // 11897/author: authorPerson matches with SQL LIKE wildcards (ITI TF-2 3.18.4.1.2.3.7.1).
  it('author', async () => {
    expect(Object.keys((await find({ $XDSDocumentEntryAuthorPerson: "('%Muller%')" })).docs)).toHaveLength(3);
    expect((await find({ $XDSDocumentEntryAuthorPerson: "('%Ford%')" })).docs).toEqual({});
  });

  // 11897/and: parameters are ANDed; the same code parameter given in two slots is ANDed too
  // (ITI TF-2 3.18.4.1.2.3.5), as 11907/both_conf_code exercises on confidentialityCode.
  it('and, confcode', async () => {
    const and = await find({
      $XDSDocumentEntryClassCode: `('11502-2^^${LOINC}','18842-5^^${LOINC}')`,
      $XDSDocumentEntryCreationTimeFrom: '20241224',
      $XDSDocumentEntryCreationTimeTo: '20241224115959',
    });
    expect(Object.keys(and.docs)).toEqual([lab.entryUUID]);
    const both = await find([
      ['$XDSDocumentEntryConfidentialityCode', `('N^^${CONF}')`],
      ['$XDSDocumentEntryConfidentialityCode', `('R^^${CONF}')`],
    ]);
    expect(Object.keys(both.docs)).toEqual([lab.entryUUID]);
  });

  // 11897/practicesetting, hcftc, typecode, eventcode(_multi_select), servicestarttime,
  // servicestoptime, refid: each coded or time parameter narrows the result; eventCode values in
  // separate slots are ANDed (ITI TF-2 3.18.4.1.2.3.7.1).
  it('practicesetting, hcftc, typecode, eventcode, eventcode_multi_select, servicestarttime, servicestoptime, refid', async () => {
    const only = [lab.entryUUID];
    const cases: Record<string, string>[] = [
      { $XDSDocumentEntryPracticeSettingCode: `('394593009^^${SNOMED}')` },
      { $XDSDocumentEntryHealthcareFacilityTypeCode: `('225728007^^${SNOMED}')` },
      { $XDSDocumentEntryTypeCode: `('11502-2^^${LOINC}')` },
      { $XDSDocumentEntryEventCodeList: `('MR^^${DCM}')` },
      { $XDSDocumentEntryServiceStartTimeFrom: '20241219', $XDSDocumentEntryServiceStartTimeTo: '20241221' },
      { $XDSDocumentEntryServiceStopTimeFrom: '20241223', $XDSDocumentEntryServiceStopTimeTo: '20241224' },
    ];
    for (const c of cases) expect([c, Object.keys((await find(c)).docs)]).toEqual([c, only]);
    // refid is the FindDocumentsByReferenceId query (ITI TF-2 3.18.4.1.2.3.7.14).
    const refid = await sq('FindDocumentsByReferenceId', {
      $XDSDocumentEntryPatientId: `'${p}'`,
      $XDSDocumentEntryStatus: `('${STATUS}Approved')`,
      $XDSDocumentEntryReferenceIdList: "('ORD-11897^^^&1.3.6.1.4.1.99999.8&ISO^urn:ihe:iti:xds:2013:order')",
    });
    expect(Object.keys(refid.docs)).toEqual(only);
    const anyOf = await find({ $XDSDocumentEntryEventCodeList: `('CT^^${DCM}','MR^^${DCM}')` });
    expect(Object.keys(anyOf.docs)).toHaveLength(3);
    const allOf = await find([
      ['$XDSDocumentEntryEventCodeList', `('CT^^${DCM}')`],
      ['$XDSDocumentEntryEventCodeList', `('MR^^${DCM}')`],
    ]);
    expect(Object.keys(allOf.docs)).toEqual(only);
  });

  // 11897/deprecated: the status parameter selects Deprecated entries (ITI TF-2 3.18.4.1.2.3.7.1).
  it('deprecated', async () => {
    expect((await findDocs(p, 'Deprecated')).docs).toEqual({ [old.entryUUID]: 'Deprecated' });
  });

  // 11897/objectref: returnType ObjectRef returns references only (ITI TF-2 3.18.4.1.2.1).
  it('objectref', async () => {
    const r = await sq(
      'FindDocuments',
      { $XDSDocumentEntryPatientId: `'${p}'`, $XDSDocumentEntryStatus: `('${STATUS}Approved')` },
      'ObjectRef',
    );
    expect([r.status, r.refs.length, r.docs]).toEqual(['Success', 3, {}]);
  });
});

describe('NIST 11909 GetRelatedDocuments Stored Query', () => {
  // 11909/no_initial_doc + uuid_no_related: an unknown or unrelated document gives an empty
  // Success (ITI TF-2 3.18.4.1.2.3.7.13).
  it('no_initial_doc, uuid_no_related', async () => {
    const p = await newPatient('11909');
    const d = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const types = "('urn:ihe:iti:2007:AssociationType:RPLC','urn:ihe:iti:2007:AssociationType:APND')";
    for (const id of [urn(), d.entryUUID]) {
      const r = await sq('GetRelatedDocuments', {
        $XDSDocumentEntryEntryUUID: `'${id}'`,
        $AssociationTypes: types,
      });
      expect([r.status, r.errors, r.docs, r.associations]).toEqual(['Success', [], {}, []]);
    }
  });
});

// The stored-query tests 11898-11908 run on data NIST loads with test 12346; here each loads the
// equivalent for a fresh patient: S1 = two documents in new Folder F1, S2 = one document,
// S3 = an empty Folder F2, at distinct submission and update times.
describe('NIST 11898-11908 stored queries over 12346-like data', () => {
  const CONF = '2.16.840.1.113883.5.25';
  const MS = code('urn:ihe:pcc:xds-ms:2007', '1.3.6.1.4.1.19376.1.2.3', 'Medical Summaries');
  const UPLOAD = code('PATIENT-UPLOAD', '1.3.6.1.4.1.99999.5.4', 'Document added by the patient');
  const PREGNANCY = code('PREGNANCY', '1.3.6.1.4.1.99999.5.3', 'Pregnancy follow-up');
  let p: string;
  let s1: Submission;
  let s2: Submission;
  let s3: Submission;
  let d1: DocumentEntry;
  let d2: DocumentEntry;
  let d3: DocumentEntry;
  let f1: string;
  let f2: string;
  beforeAll(async () => {
    p = await newPatient('12346');
    d1 = doc(p);
    d2 = doc(p, {
      formatCode: MS,
      confidentialityCodes: [code('N', CONF, 'normal'), code('R', CONF, 'restricted')],
    });
    d3 = doc(p);
    clockNow = new Date('2024-01-15T09:00:00Z');
    s1 = await registered(
      submission(p, [d1, d2], {
        folders: [newFolder(p)],
        set: { contentTypeCode: STAY, submissionTime: '20240115090000' },
      }),
    );
    s2 = await registered(
      submission(p, [d3], {
        set: { contentTypeCode: UPLOAD, submissionTime: '20250601120000', sourceId: '1.3.6.1.4.1.99999.7' },
      }),
    );
    clockNow = new Date('2025-07-01T08:00:00Z');
    s3 = await registered(
      submission(p, [], {
        folders: [newFolder(p, { codeList: [PREGNANCY] })],
        set: { contentTypeCode: STAY, submissionTime: '20250701080000' },
      }),
    );
    f1 = s1.folders[0]!.entryUUID;
    f2 = s3.folders[0]!.entryUUID;
  });
  const approved = `('${STATUS}Approved')`;
  const findSets = (more: Record<string, string>) =>
    sq('FindSubmissionSets', {
      $XDSSubmissionSetPatientId: `'${p}'`,
      $XDSSubmissionSetStatus: approved,
      ...more,
    });
  const findFolders = (more: Record<string, string>) =>
    sq('FindFolders', { $XDSFolderPatientId: `'${p}'`, $XDSFolderStatus: approved, ...more });
  const sorted = (xs: readonly string[]): string[] => [...xs].sort();

  // 11898: FindSubmissionSets filters by sourceId, submissionTime (From inclusive, To exclusive,
  // either bound optional), authorPerson and contentType (ITI TF-2 3.18.4.1.2.3.7.2).
  it('11898 simple, other_sourceid, submissiontime_in/out/no_start/no_end, author_all/none, contenttype_all/none', async () => {
    const all = sorted([s1.submissionSet.entryUUID, s2.submissionSet.entryUUID, s3.submissionSet.entryUUID]);
    expect(sorted((await findSets({})).packages)).toEqual(all);
    expect((await findSets({ $XDSSubmissionSetSourceId: "('1.3.6.1.4.1.99999.7')" })).packages).toEqual([
      s2.submissionSet.entryUUID,
    ]);
    const inside = await findSets({
      $XDSSubmissionSetSubmissionTimeFrom: '2025',
      $XDSSubmissionSetSubmissionTimeTo: '20250701080000',
    });
    expect(inside.packages).toEqual([s2.submissionSet.entryUUID]);
    expect(
      (
        await findSets({
          $XDSSubmissionSetSubmissionTimeFrom: '2001',
          $XDSSubmissionSetSubmissionTimeTo: '2003',
        })
      ).packages,
    ).toEqual([]);
    expect((await findSets({ $XDSSubmissionSetSubmissionTimeTo: '2025' })).packages).toEqual([
      s1.submissionSet.entryUUID,
    ]);
    expect(sorted((await findSets({ $XDSSubmissionSetSubmissionTimeFrom: '2025' })).packages)).toEqual(
      sorted([s2.submissionSet.entryUUID, s3.submissionSet.entryUUID]),
    );
    expect(sorted((await findSets({ $XDSSubmissionSetAuthorPerson: "'%Muller%'" })).packages)).toEqual(all);
    expect((await findSets({ $XDSSubmissionSetAuthorPerson: "'%Ford%'" })).packages).toEqual([]);
    expect(
      (await findSets({ $XDSSubmissionSetContentType: `('${UPLOAD.code}^^${UPLOAD.codingScheme}')` }))
        .packages,
    ).toEqual([s2.submissionSet.entryUUID]);
    expect(
      (await findSets({ $XDSSubmissionSetContentType: `('NONE^^${UPLOAD.codingScheme}')` })).packages,
    ).toEqual([]);
  });

  // 11899: FindFolders by patient, lastUpdateTime range and codeList (ITI TF-2 3.18.4.1.2.3.7.3).
  it('11899 basic, in_updatetime, out_updatetime, codelist', async () => {
    expect(sorted((await findFolders({})).packages)).toEqual(sorted([f1, f2]));
    expect(
      (await findFolders({ $XDSFolderLastUpdateTimeFrom: '2025', $XDSFolderLastUpdateTimeTo: '2026' }))
        .packages,
    ).toEqual([f2]);
    expect(
      (await findFolders({ $XDSFolderLastUpdateTimeFrom: '2001', $XDSFolderLastUpdateTimeTo: '2003' }))
        .packages,
    ).toEqual([]);
    expect(
      (await findFolders({ $XDSFolderCodeList: `('${PREGNANCY.code}^^${PREGNANCY.codingScheme}')` }))
        .packages,
    ).toEqual([f2]);
  });

  // 11901: GetDocuments by one or several uniqueIds or entryUUIDs; this registry's own
  // homeCommunityId on the request is no error (ITI TF-2 3.18.4.1.2.3.7.5, 3.18.4.1.2.3.8).
  it('11901 uniqueid, uniqueid2, uuid, uuid2, homeCommunityId', async () => {
    const byUid = await sq('GetDocuments', { $XDSDocumentEntryUniqueId: `('${d1.uniqueId ?? ''}')` });
    expect(Object.keys(byUid.docs)).toEqual([d1.entryUUID]);
    const byUids = await sq('GetDocuments', {
      $XDSDocumentEntryUniqueId: `('${d1.uniqueId ?? ''}','${d3.uniqueId ?? ''}')`,
    });
    expect(sorted(Object.keys(byUids.docs))).toEqual(sorted([d1.entryUUID, d3.entryUUID]));
    const byUuids = await sq('GetDocuments', {
      $XDSDocumentEntryEntryUUID: `('${d2.entryUUID}','${d3.entryUUID}')`,
    });
    expect(sorted(Object.keys(byUuids.docs))).toEqual(sorted([d2.entryUUID, d3.entryUUID]));
    const home = await sq('GetDocuments', {
      $XDSDocumentEntryUniqueId: `('${d1.uniqueId ?? ''}')`,
      $homeCommunityId: `'${HOME}'`,
    });
    expect([home.status, Object.keys(home.docs)]).toEqual(['Success', [d1.entryUUID]]);
  });

  // 11901/homeCommunityId sends a homeCommunityId that is not this registry's and expects
  // Success. This registry answers XDSUnknownCommunity (iti18.ts), reading ITI TF-2
  // 3.18.4.1.2.3.8 as routing to the named community; left differing.
  it.todo('11901 homeCommunityId of another community: left differing (XDSUnknownCommunity here)');

  // 11902: GetFolders by entryUUID or uniqueId (ITI TF-2 3.18.4.1.2.3.7.6).
  it('11902 uuid, uniqueid', async () => {
    expect((await sq('GetFolders', { $XDSFolderEntryUUID: `('${f1}')` })).packages).toEqual([f1]);
    const uid = s3.folders[0]!.uniqueId ?? '';
    expect((await sq('GetFolders', { $XDSFolderUniqueId: `('${uid}')` })).packages).toEqual([f2]);
  });

  // 11903: GetAssociations returns every Association naming the object as source or target
  // (ITI TF-2 3.18.4.1.2.3.7.7).
  it('11903 single_from_doc, multiple_assoc_from_doc, multiple_assoc_from_ss, multiple_doc', async () => {
    expect((await sq('GetAssociations', { $uuid: `('${d3.entryUUID}')` })).associations).toEqual([
      `HasMember ${s2.submissionSet.entryUUID} ${d3.entryUUID}`,
    ]);
    // d1: in S1 and in F1.
    expect((await sq('GetAssociations', { $uuid: `('${d1.entryUUID}')` })).associations).toHaveLength(2);
    // S1: d1, d2, F1 and the two Folder memberships.
    expect(
      (await sq('GetAssociations', { $uuid: `('${s1.submissionSet.entryUUID}')` })).associations,
    ).toHaveLength(5);
    expect(
      (await sq('GetAssociations', { $uuid: `('${d1.entryUUID}','${d3.entryUUID}')` })).associations,
    ).toHaveLength(3);
  });

  // 11904: GetDocumentsAndAssociations returns the documents and their Associations
  // (ITI TF-2 3.18.4.1.2.3.7.8).
  it('11904 uniqueid, uniqueids, uuid, uuids', async () => {
    const one = await sq('GetDocumentsAndAssociations', {
      $XDSDocumentEntryUniqueId: `('${d3.uniqueId ?? ''}')`,
    });
    expect([Object.keys(one.docs), one.associations.length]).toEqual([[d3.entryUUID], 1]);
    const two = await sq('GetDocumentsAndAssociations', {
      $XDSDocumentEntryEntryUUID: `('${d1.entryUUID}','${d3.entryUUID}')`,
    });
    expect([Object.keys(two.docs).length, two.associations.length]).toEqual([2, 3]);
  });

  // 11905: GetSubmissionSets returns the SubmissionSets holding the objects and the HasMember
  // Associations linking them (ITI TF-2 3.18.4.1.2.3.7.9).
  it('11905 basic', async () => {
    const one = await sq('GetSubmissionSets', { $uuid: `('${d3.entryUUID}')` });
    expect([one.packages, one.associations.length]).toEqual([[s2.submissionSet.entryUUID], 1]);
    const twoSets = await sq('GetSubmissionSets', { $uuid: `('${d1.entryUUID}','${d3.entryUUID}')` });
    expect([twoSets.packages.length, twoSets.associations.length]).toEqual([2, 2]);
    const oneSet = await sq('GetSubmissionSets', { $uuid: `('${d1.entryUUID}','${d2.entryUUID}')` });
    expect([oneSet.packages, oneSet.associations.length]).toEqual([[s1.submissionSet.entryUUID], 2]);
    const folder = await sq('GetSubmissionSets', { $uuid: `('${f2}')` });
    expect([folder.packages, folder.associations.length]).toEqual([[s3.submissionSet.entryUUID], 1]);
  });

  // 11906: GetSubmissionSetAndContents, with formatCode / confidentialityCode filtering only the
  // documents, and ObjectRef results (ITI TF-2 3.18.4.1.2.3.7.10).
  it('11906 uniqueid, folder_and_docs, uuid, format_code, conf_code, objectrefs', async () => {
    const uid = s1.submissionSet.uniqueId ?? '';
    const all = await sq('GetSubmissionSetAndContents', { $XDSSubmissionSetUniqueId: `'${uid}'` });
    // Five SubmissionSet HasMembers (d1, d2, F1, two Folder memberships) and the two memberships.
    expect([Object.keys(all.docs).length, all.packages.length, all.associations.length]).toEqual([2, 2, 7]);
    const ms = await sq('GetSubmissionSetAndContents', {
      $XDSSubmissionSetUniqueId: `'${uid}'`,
      $XDSDocumentEntryFormatCode: `('${MS.code}^^${MS.codingScheme}')`,
    });
    expect(Object.keys(ms.docs)).toEqual([d2.entryUUID]);
    const restricted = await sq('GetSubmissionSetAndContents', {
      $XDSSubmissionSetEntryUUID: `'${s1.submissionSet.entryUUID}'`,
      $XDSDocumentEntryConfidentialityCode: `('R^^${CONF}')`,
    });
    expect(Object.keys(restricted.docs)).toEqual([d2.entryUUID]);
    const single = await sq(
      'GetSubmissionSetAndContents',
      { $XDSSubmissionSetUniqueId: `'${s2.submissionSet.uniqueId ?? ''}'` },
      'ObjectRef',
    );
    expect(single.refs).toHaveLength(3);
  });

  // 11907: GetFolderAndContents, confidentialityCode values ORed within a slot and ANDed across
  // slots (ITI TF-2 3.18.4.1.2.3.7.11).
  it('11907 uniqueid, uuid, conf_code, both_conf_code, format_code', async () => {
    const byUid = await sq('GetFolderAndContents', {
      $XDSFolderUniqueId: `'${s1.folders[0]!.uniqueId ?? ''}'`,
    });
    expect([Object.keys(byUid.docs).length, byUid.packages, byUid.associations.length]).toEqual([2, [f1], 2]);
    const either = await sq('GetFolderAndContents', {
      $XDSFolderEntryUUID: `'${f1}'`,
      $XDSDocumentEntryConfidentialityCode: `('N^^${CONF}','R^^${CONF}')`,
    });
    expect(Object.keys(either.docs)).toHaveLength(2);
    const both = await sq('GetFolderAndContents', [
      ['$XDSFolderEntryUUID', `'${f1}'`],
      ['$XDSDocumentEntryConfidentialityCode', `('N^^${CONF}')`],
      ['$XDSDocumentEntryConfidentialityCode', `('R^^${CONF}')`],
    ]);
    expect([Object.keys(both.docs), both.associations.length]).toEqual([[d2.entryUUID], 1]);
    const format = await sq('GetFolderAndContents', {
      $XDSFolderEntryUUID: `'${f1}'`,
      $XDSDocumentEntryFormatCode: `('${MS.code}^^${MS.codingScheme}')`,
    });
    expect(Object.keys(format.docs)).toEqual([d2.entryUUID]);
  });

  // 11908: GetFoldersForDocument by uniqueId or entryUUID (ITI TF-2 3.18.4.1.2.3.7.12).
  it('11908 uniqueid, uuid', async () => {
    expect(
      (await sq('GetFoldersForDocument', { $XDSDocumentEntryUniqueId: `'${d1.uniqueId ?? ''}'` })).packages,
    ).toEqual([f1]);
    expect(
      (await sq('GetFoldersForDocument', { $XDSDocumentEntryEntryUUID: `'${d3.entryUUID}'` })).packages,
    ).toEqual([]);
  });
});

describe('NIST 15800 DocumentEntry Update / 15802 Update DocumentEntry Status', () => {
  const update = (s: Submission): Promise<Outcome> =>
    updateDocumentSet(
      element(writeSubmitObjectsRequest(s)),
      { ...ctx, transaction: 'ITI-57' },
      {
        db,
        store,
        domain,
        clock: () => clockNow,
      },
    );
  /** An ITI-57 SubmissionSet carrying `docs` (each a new version of `previousVersion`) and `extra`. */
  const updateSet = (
    p: string,
    docs: readonly { d: DocumentEntry; previousVersion: string }[],
    extra: readonly Association[] = [],
  ): Submission => {
    const s = sub(p, []);
    const members = docs.map(({ d, previousVersion }) => ({
      ...relation('HasMember', s.submissionSet.entryUUID, d.entryUUID),
      submissionSetStatus: 'Original' as const,
      previousVersion,
    }));
    return {
      ...s,
      documentEntries: docs.map((x) => x.d),
      associations: [...members, ...extra.map((a) => ({ ...a, sourceObject: s.submissionSet.entryUUID }))],
    };
  };
  const versions = async (uniqueId: string) => {
    const r = await sq('GetDocuments', { $XDSDocumentEntryUniqueId: `('${uniqueId}')`, $MetadataLevel: '2' });
    return (select('//rim:ExtrinsicObject', r.xml) as Element[])
      .map((e) => ({
        id: e.getAttribute('id') ?? '',
        lid: e.getAttribute('lid') ?? '',
        version: e.getElementsByTagNameNS(NS.rim, 'VersionInfo')[0]?.getAttribute('versionName') ?? '',
        status: e.getAttribute('status')?.split(':').pop() ?? '',
      }))
      .sort((a, b) => a.version.localeCompare(b.version));
  };

  // 15800/original + update + query_by_uniqueid: a new version keeps the logicalID and uniqueId,
  // takes version 2 and Approved, and deprecates version 1 (ITI TF-2 3.57.4.1.3.3.1).
  it('original, update, query_by_uniqueid', async () => {
    const p = await newPatient('15800');
    const v1 = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const { availabilityStatus: _s, version: _v, ...rest } = v1;
    const v2: DocumentEntry = {
      ...rest,
      entryUUID: urn(),
      logicalID: v1.entryUUID,
      title: { value: 'Lettre (corrigée)' },
    };
    const o = await update(updateSet(p, [{ d: v2, previousVersion: '1' }]));
    expect(o.status, JSON.stringify(o.issues)).toBe('Success');
    expect(await versions(v1.uniqueId ?? '')).toEqual([
      { id: v1.entryUUID, lid: v1.entryUUID, version: '1', status: 'Deprecated' },
      { id: v2.entryUUID, lid: v1.entryUUID, version: '2', status: 'Approved' },
    ]);
  });

  // 15802: UpdateAvailabilityStatus of the latest version, Approved -> Deprecated and back,
  // changes the status and not the version (ITI TF-2 3.57.4.1.3.3.2).
  it('load_docentry_1, deprecate_docentry_1, confirm_docentry_1_deprecated, undeprecate_docentry_1, confirm_docentry_1_undeprecated', async () => {
    const p = await newPatient('15802');
    const d = (await registered(sub(p, [doc(p)]))).documentEntries[0]!;
    const status = (from: string, to: string): Association => ({
      ...relation('UpdateAvailabilityStatus', '', d.entryUUID),
      originalStatus: `${STATUS}${from}`,
      newStatus: `${STATUS}${to}`,
    });
    const down = await update(updateSet(p, [], [status('Approved', 'Deprecated')]));
    expect(down.status, JSON.stringify(down.issues)).toBe('Success');
    expect(await versions(d.uniqueId ?? '')).toEqual([
      { id: d.entryUUID, lid: d.entryUUID, version: '1', status: 'Deprecated' },
    ]);
    const up = await update(updateSet(p, [], [status('Deprecated', 'Approved')]));
    expect(up.status, JSON.stringify(up.issues)).toBe('Success');
    expect(await versions(d.uniqueId ?? '')).toEqual([
      { id: d.entryUUID, lid: d.entryUUID, version: '1', status: 'Approved' },
    ]);
  });
});
