import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/core';
import { migrate, openDb, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import type { DocumentEntry, RegistryObjects } from '@mesh/xds';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore } from './store.js';
import type { RegistryStore } from './store.js';
import type { QueryOptions } from './queries.js';
import {
  CONF,
  EVENT,
  LOINC,
  code,
  documentEntry,
  folder,
  hasMember,
  patientCx,
  submission,
} from './fixtures.js';

const LEAF: QueryOptions = { returnType: 'LeafClass', limit: 1000 };
const at = new Date('2024-03-12T10:30:00Z');

let db: Db;
let store: RegistryStore;

beforeAll(async () => {
  db = await openTestDb({ prefix: 'registry_store' });
  await migrate(db, REGISTRY_MIGRATIONS);
  store = createRegistryStore(db);
});
afterAll(async () => {
  await db.close();
});

/** What the registry returns for an entry it stored Approved as version 1. */
function registered(d: DocumentEntry): DocumentEntry {
  return { ...d, availabilityStatus: 'Approved', logicalID: d.entryUUID, version: '1' };
}

const ids = (o: RegistryObjects) => ({
  docs: o.documentEntries.map((d) => d.entryUUID).sort(),
  sets: o.submissionSets.map((d) => d.entryUUID).sort(),
  folders: o.folders.map((d) => d.entryUUID).sort(),
  assocs: o.associations.map((d) => d.entryUUID).sort(),
});
const sorted = (xs: readonly string[]) => [...xs].sort();

async function register(s: Parameters<RegistryStore['insertSubmission']>[1]): Promise<void> {
  await db.transaction((tx) => store.insertSubmission(tx, s, { receivedAt: at }));
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof MeshError ? e.outcome.issues[0]?.code : String(e);
  }
}

describe('insertSubmission', () => {
  it('stores registered metadata LZ4-compressed where the server offers LZ4 (migration 0005)', async () => {
    const r = await db.query<{ table: string; compression: string }>(
      `SELECT c.relname AS table, a.attcompression AS compression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE a.attname = 'metadata' AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY 1`,
    );
    // A server built without LZ4 (the embedded PGlite) offers only pglz and keeps it.
    const offered = await db.query<{ lz4: boolean }>(
      `SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
    );
    const expected = offered.rows[0]?.lz4 ? 'l' : '';
    expect(r.rows).toEqual(
      ['associations', 'document_entries', 'folders', 'submission_sets'].map((table) => ({
        table,
        compression: expected,
      })),
    );
  });

  it('stores a realistic submission and reads every object back as registered', async () => {
    const pid = patientCx('roundtrip');
    const d1 = documentEntry(pid, {
      referenceIdList: [
        {
          raw: 'ORD-1^^^&1.3.182.4.2.17&ISO^urn:ihe:iti:xds:2013:order',
          id: 'ORD-1',
          assigningAuthority: '1.3.182.4.2.17',
          assigningAuthorityType: 'ISO',
          identifierTypeCode: 'urn:ihe:iti:xds:2013:order',
        },
      ],
      eventCodeList: [code('I21', EVENT), code('E11', EVENT)],
      confidentialityCodes: [code('N', CONF), code('PSY', '1.3.182.2.4.30')],
    });
    const d2 = documentEntry(pid, { objectType: 'on-demand', hash: undefined, size: undefined });
    const f = folder(pid);
    const s = submission(pid, [d1, d2], { folders: [f] });
    await register(s);

    expect(
      sorted((await store.getDocumentsByUuid([d1.entryUUID, d2.entryUUID])).map((d) => d.entryUUID)),
    ).toEqual(sorted([d1.entryUUID, d2.entryUUID]));
    const [back] = await store.getDocumentsByUuid([d1.entryUUID]);
    expect(back).toEqual(registered(d1));
    expect(await store.getDocumentsByUniqueId([d2.uniqueId!])).toEqual([registered(d2)]);

    const all = await store.getAll(
      {
        patientId: pid,
        documentEntryStatus: ['Approved'],
        submissionSetStatus: ['Approved'],
        folderStatus: ['Approved'],
        documentEntryType: ['stable', 'on-demand'],
      },
      LEAF,
    );
    expect(all.tooManyResults).toBe(false);
    expect(all.objects.submissionSets).toEqual([{ ...s.submissionSet, availabilityStatus: 'Approved' }]);
    expect(all.objects.folders).toEqual([
      { ...f, availabilityStatus: 'Approved', logicalID: f.entryUUID, version: '1' },
    ]);
    expect(sorted(all.objects.documentEntries.map((d) => d.entryUUID))).toEqual(
      sorted([d1.entryUUID, d2.entryUUID]),
    );
    // Every association of the submission: SS->docs, SS->folder, folder->docs, SS->folder-doc links.
    expect(ids(all.objects).assocs).toEqual(sorted(s.associations.map((a) => a.entryUUID)));
    const byId = new Map(all.objects.associations.map((a) => [a.entryUUID, a]));
    for (const a of s.associations)
      expect(byId.get(a.entryUUID)).toEqual({ ...a, availabilityStatus: 'Approved' });
  });

  it('rolls back entirely when any object fails (duplicate SubmissionSet uniqueId in the second submission)', async () => {
    const pid = patientCx('rollback');
    const first = submission(pid, [documentEntry(pid)]);
    await register(first);
    const d = documentEntry(pid);
    const f = folder(pid);
    const bad = submission(pid, [d], { folders: [f], set: { uniqueId: first.submissionSet.uniqueId } });
    expect(await codeOf(register(bad))).toBe('XDSDuplicateUniqueIdInRegistry');
    expect(await store.getDocumentsByUuid([d.entryUUID])).toEqual([]);
    expect(await store.findDocumentByUniqueId(d.uniqueId!)).toBeUndefined();
    expect((await store.getFolders({ uuids: [f.entryUUID] }, LEAF)).objects.folders).toEqual([]);
    const assocs = await store.getAssociations({ uuids: [d.entryUUID, f.entryUUID] }, LEAF);
    expect(assocs.objects.associations).toEqual([]);
  });

  it('accepts a resubmitted uniqueId with identical hash and size, refuses another hash or size', async () => {
    const pid = patientCx('resubmit');
    const d = documentEntry(pid);
    await register(submission(pid, [d]));
    const again = documentEntry(pid, { uniqueId: d.uniqueId, hash: d.hash!.toUpperCase() });
    await register(submission(pid, [again]));
    expect((await store.getDocumentsByUniqueId([d.uniqueId!])).map((x) => x.entryUUID).sort()).toEqual(
      sorted([d.entryUUID, again.entryUUID]),
    );
    expect(await store.findDocumentByUniqueId(d.uniqueId!)).toEqual({
      uniqueId: d.uniqueId,
      hash: d.hash,
      size: d.size,
      firstEntryUUID: d.entryUUID,
    });
    const otherHash = documentEntry(pid, {
      uniqueId: d.uniqueId,
      hash: '0000000000000000000000000000000000000000',
    });
    expect(await codeOf(register(submission(pid, [otherHash])))).toBe('XDSNonIdenticalHash');
    const otherSize = documentEntry(pid, { uniqueId: d.uniqueId, size: '1' });
    expect(await codeOf(register(submission(pid, [otherSize])))).toBe('XDSNonIdenticalSize');
    expect(await store.getDocumentsByUuid([otherHash.entryUUID, otherSize.entryUUID])).toEqual([]);
  });

  it('refuses a duplicate Folder uniqueId and an entryUUID already registered', async () => {
    const pid = patientCx('dupfolder');
    const f = folder(pid);
    await register(submission(pid, [], { folders: [f] }));
    expect(
      await codeOf(register(submission(pid, [], { folders: [folder(pid, { uniqueId: f.uniqueId })] }))),
    ).toBe('XDSDuplicateUniqueIdInRegistry');
    const d = documentEntry(pid);
    await register(submission(pid, [d]));
    expect(await codeOf(register(submission(pid, [documentEntry(pid, { entryUUID: d.entryUUID })])))).toBe(
      'XDSRegistryMetadataError',
    );
  });

  it("stores a submission above one statement's parameter budget part by part, still all-or-nothing", async () => {
    const pid = patientCx('large');
    const docs = Array.from({ length: 1000 }, () => documentEntry(pid));
    await register(submission(pid, docs));
    const r = await store.findDocuments(
      { patientId: pid, status: ['Approved'] },
      { returnType: 'ObjectRef', limit: 5000 },
    );
    expect(r.objects.objectRefs).toHaveLength(1000);
    const pid2 = patientCx('large-dup');
    const taken = submission(pid2, [documentEntry(pid2)]);
    await register(taken);
    const more = Array.from({ length: 1000 }, () => documentEntry(pid2));
    const bad = submission(pid2, more, { set: { uniqueId: taken.submissionSet.uniqueId } });
    expect(await codeOf(register(bad))).toBe('XDSDuplicateUniqueIdInRegistry');
    const after = await store.findDocuments(
      { patientId: pid2, status: ['Approved'] },
      { returnType: 'ObjectRef', limit: 5000 },
    );
    expect(after.objects.objectRefs).toHaveLength(1);
  });

  it('lets exactly one of two concurrent registrations of one uniqueId with different content commit', async () => {
    const pid = patientCx('race');
    const uniqueId = `1.3.182.99.race.${Date.now()}`;
    const a = submission(pid, [documentEntry(pid, { uniqueId, hash: 'aa'.repeat(20) })]);
    const b = submission(pid, [documentEntry(pid, { uniqueId, hash: 'bb'.repeat(20) })]);
    // On PostgreSQL the second transaction runs on its own connection pool and really meets the
    // first's uncommitted claim; on PGlite the queue serializes them.
    const other = db.kind === 'pg' ? await openDb({ schema: db.schema, url: process.env.DATABASE_URL! }) : db;
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let claimedA!: () => void;
      const aClaimed = new Promise<void>((r) => (claimedA = r));
      const first = db.transaction(async (tx) => {
        await store.insertSubmission(tx, a, { receivedAt: at });
        claimedA();
        await gate;
      });
      await aClaimed;
      const second = other.transaction((tx) =>
        createRegistryStore(other).insertSubmission(tx, b, { receivedAt: at }),
      );
      setTimeout(release, 150);
      const results = await Promise.allSettled([first, second]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      const reason = (results[1] as PromiseRejectedResult).reason as MeshError;
      expect(reason.outcome.issues[0]?.code).toBe('XDSNonIdenticalHash');
      expect((await store.getDocumentsByUniqueId([uniqueId])).map((d) => d.entryUUID)).toEqual([
        a.documentEntries[0]!.entryUUID,
      ]);
    } finally {
      if (other !== db) await other.close();
    }
  });
});

describe('FindDocuments', () => {
  const pid = patientCx('find');
  const other = patientCx('find-other');
  const base = documentEntry(pid, { creationTime: '20240312101500' });
  const lab = documentEntry(pid, {
    classCode: code('26436-6', LOINC, 'Laboratory studies'),
    typeCode: code('11502-2', LOINC, 'Laboratory report'),
    practiceSettingCode: code('394595002', '2.16.840.1.113883.6.96'),
    healthcareFacilityTypeCode: code('LAB', '1.3.182.2.4.1'),
    formatCode: code('urn:ihe:lab:xd-lab:2008', '1.3.6.1.4.1.19376.1.2.3'),
    creationTime: '2024',
    serviceStartTime: '20240101',
    serviceStopTime: '20240102',
    eventCodeList: [code('E11', EVENT), code('I10', EVENT)],
    confidentialityCodes: [code('N', CONF), code('LAB', '1.3.182.2.4.30')],
    authors: [
      {
        person: { raw: '777^Weber^Paul^^^^^^&1.3.182.4.1&ISO' },
        institutions: [],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
      {
        person: { raw: 'Back\\slash_100%^Lab' },
        institutions: [],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    referenceIdList: [{ raw: 'ACC-9^^^&1.3.182.4.3&ISO^urn:ihe:iti:xds:2013:accession', id: 'ACC-9' }],
  });
  const restricted = documentEntry(pid, {
    confidentialityCodes: [code('R', CONF)],
    eventCodeList: [code('I10', EVENT)],
    creationTime: '20240312101600',
    serviceStartTime: undefined,
    serviceStopTime: undefined,
  });
  const onDemand = documentEntry(pid, { objectType: 'on-demand', hash: undefined, size: undefined });
  const deprecated = documentEntry(pid, { creationTime: '20231231235959' });
  const foreign = documentEntry(other);
  const find = (p: Partial<Parameters<RegistryStore['findDocuments']>[0]> = {}) =>
    store
      .findDocuments({ patientId: pid, status: ['Approved'], ...p }, LEAF)
      .then((r) => r.objects.documentEntries.map((d) => d.entryUUID).sort());
  const u = (...ds: DocumentEntry[]) => sorted(ds.map((d) => d.entryUUID));

  beforeAll(async () => {
    await register(submission(pid, [base, lab, restricted, onDemand, deprecated]));
    await register(submission(other, [foreign]));
    await db.transaction((tx) => store.deprecate(tx, [deprecated.entryUUID]));
  });

  it("returns the patient's Approved stable entries by default", async () => {
    expect(await find()).toEqual(u(base, lab, restricted));
  });
  it('status is an OR list', async () => {
    expect(await find({ status: ['Deprecated'] })).toEqual(u(deprecated));
    expect(await find({ status: ['Approved', 'Deprecated'] })).toEqual(u(base, lab, restricted, deprecated));
  });
  it('DocumentEntryType selects on-demand, stable or both', async () => {
    expect(await find({ documentEntryType: ['on-demand'] })).toEqual(u(onDemand));
    expect(await find({ documentEntryType: ['stable', 'on-demand'] })).toEqual(
      u(base, lab, restricted, onDemand),
    );
  });
  it('single-valued codes are OR lists matched on code and scheme', async () => {
    expect(await find({ classCode: [{ code: '26436-6', scheme: LOINC }] })).toEqual(u(lab));
    expect(await find({ classCode: [{ code: '26436-6', scheme: 'other' }] })).toEqual([]);
    expect(
      await find({
        classCode: [
          { code: '26436-6', scheme: LOINC },
          { code: '11490-0', scheme: LOINC },
        ],
      }),
    ).toEqual(u(base, lab, restricted));
    expect(await find({ typeCode: [{ code: '11502-2', scheme: LOINC }] })).toEqual(u(lab));
    expect(await find({ practiceSettingCode: [{ code: '394595002' }] })).toEqual(u(lab));
    expect(await find({ healthcareFacilityTypeCode: [{ code: 'LAB', scheme: '1.3.182.2.4.1' }] })).toEqual(
      u(lab),
    );
    expect(
      await find({ formatCode: [{ code: 'urn:ihe:lab:xd-lab:2008', scheme: '1.3.6.1.4.1.19376.1.2.3' }] }),
    ).toEqual(u(lab));
  });
  it('eventCodeList is an AND of ORs', async () => {
    const e = (c: string) => ({ code: c, scheme: EVENT });
    expect(await find({ eventCodeList: [[e('I10')]] })).toEqual(u(lab, restricted));
    const icd = { code: 'I21', scheme: '2.16.840.1.113883.6.3' };
    expect(await find({ eventCodeList: [[e('I10'), icd]] })).toEqual(u(base, lab, restricted));
    expect(await find({ eventCodeList: [[e('I21')]] })).toEqual([]);
    expect(await find({ eventCodeList: [[e('I10')], [e('E11')]] })).toEqual(u(lab));
    expect(await find({ eventCodeList: [[e('I10')], [icd]] })).toEqual([]);
  });
  it('confidentialityCode is an AND of ORs', async () => {
    const c = (x: string) => ({ code: x, scheme: CONF });
    expect(await find({ confidentialityCode: [[c('N')]] })).toEqual(u(base, lab));
    expect(await find({ confidentialityCode: [[c('N'), c('R')]] })).toEqual(u(base, lab, restricted));
    expect(
      await find({ confidentialityCode: [[c('N')], [{ code: 'LAB', scheme: '1.3.182.2.4.30' }]] }),
    ).toEqual(u(lab));
  });
  it('authorPerson matches LIKE patterns with % and _ and takes a backslash literally', async () => {
    expect(await find({ authorPerson: ['%Weber%'] })).toEqual(u(lab));
    expect(await find({ authorPerson: ['777^Weber^Pau_^%'] })).toEqual(u(lab));
    expect(await find({ authorPerson: ['777^Weber'] })).toEqual([]);
    expect(await find({ authorPerson: ['Back\\slash%'] })).toEqual(u(lab));
    expect(await find({ authorPerson: ['Back_slash%'] })).toEqual(u(lab));
    expect(await find({ authorPerson: ['Backxslash%'] })).toEqual([]);
    expect(await find({ authorPerson: ['nobody', '%Muller%'] })).toEqual(u(base, restricted));
  });
  it('creationTime: From inclusive, To exclusive, across precisions', async () => {
    expect(await find({ creationTime: { from: '20240312101500' } })).toEqual(u(base, restricted));
    expect(await find({ creationTime: { from: '20240312101501' } })).toEqual(u(restricted));
    expect(await find({ creationTime: { to: '20240312101600' } })).toEqual(u(base, lab));
    expect(await find({ creationTime: { to: '20240312101500' } })).toEqual(u(lab));
    expect(await find({ creationTime: { from: '2024', to: '2025' } })).toEqual(u(base, lab, restricted));
    expect(await find({ creationTime: { from: '202403', to: '20240313' } })).toEqual(u(base, restricted));
    expect(await find({ creationTime: { to: '2024' } })).toEqual([]);
  });
  it('serviceStart/StopTime ranges exclude entries without the attribute', async () => {
    expect(await find({ serviceStartTime: { from: '20240101', to: '20240102' } })).toEqual(u(lab));
    expect(await find({ serviceStartTime: { from: '2000' } })).toEqual(u(base, lab));
    expect(await find({ serviceStopTime: { from: '20240312', to: '20240313' } })).toEqual(u(base));
    expect(await find({ serviceStopTime: { to: '202403121000' } })).toEqual(u(lab));
  });
  it('referenceIdList and FindDocumentsByReferenceId', async () => {
    const ref = 'ACC-9^^^&1.3.182.4.3&ISO^urn:ihe:iti:xds:2013:accession';
    expect(await find({ referenceIdList: [ref, 'x'] })).toEqual(u(lab));
    const r = await store.findDocumentsByReferenceId(
      { patientId: pid, status: ['Approved'], referenceIdList: [ref] },
      LEAF,
    );
    expect(r.objects.documentEntries.map((d) => d.entryUUID)).toEqual([lab.entryUUID]);
    expect(
      await codeOf(
        store.findDocumentsByReferenceId({ patientId: pid, status: ['Approved'], referenceIdList: [] }, LEAF),
      ),
    ).toBe('XDSStoredQueryParamNumber');
  });
  it('flags XDSTooManyResults above the limit and returns ObjectRefs', async () => {
    const r = await store.findDocuments(
      { patientId: pid, status: ['Approved'] },
      { returnType: 'LeafClass', limit: 2 },
    );
    expect(r.tooManyResults).toBe(true);
    const ok = await store.findDocuments(
      { patientId: pid, status: ['Approved'] },
      { returnType: 'ObjectRef', limit: 3 },
    );
    expect(ok.tooManyResults).toBe(false);
    expect(ok.objects.documentEntries).toEqual([]);
    expect(ok.objects.objectRefs.map((o) => o.id).sort()).toEqual(u(base, lab, restricted));
  });
  it('refuses a time bound that is not a DTM', async () => {
    expect(await codeOf(find({ creationTime: { from: '2024-03-12' } }))).toBe('XDSRegistryError');
  });
});

describe('other stored queries', () => {
  const pid = patientCx('sq');
  const d1 = documentEntry(pid);
  const d2 = documentEntry(pid, { confidentialityCodes: [code('R', CONF)] });
  const od = documentEntry(pid, { objectType: 'on-demand', hash: undefined, size: undefined });
  const f = folder(pid, { codeList: [code('CARDIO', '1.3.182.2.4.20'), code('ONCO', '1.3.182.2.4.20')] });
  const s1 = submission(pid, [d1, d2, od], {
    folders: [f],
    set: { sourceId: '1.3.182.4.2.17', submissionTime: '20240301120000', contentTypeCode: code('C1', 'x') },
  });
  // A second submission: d3 replaces d1 (RPLC), d4 appends to d2 (APND).
  const d3 = documentEntry(pid);
  const d4 = documentEntry(pid);
  const rplc = { ...hasMember(d3.entryUUID, d1.entryUUID), associationType: 'RPLC' as const };
  const apnd = { ...hasMember(d4.entryUUID, d2.entryUUID), associationType: 'APND' as const };
  const s2 = submission(pid, [d3, d4], {
    extra: [rplc, apnd],
    set: {
      sourceId: '1.3.182.4.9',
      submissionTime: '20240401',
      authors: [
        {
          person: { raw: '^Hoffmann^Lisa' },
          institutions: [],
          roles: [],
          specialties: [],
          telecoms: [],
          extraSlots: [],
        },
      ],
    },
  });

  beforeAll(async () => {
    await register(s1);
    await register(s2);
    await db.transaction((tx) => store.deprecate(tx, [d1.entryUUID]));
  });

  it('FindSubmissionSets by sourceId, submissionTime, author and contentType', async () => {
    const fs = async (p: Partial<Parameters<RegistryStore['findSubmissionSets']>[0]>) =>
      ids((await store.findSubmissionSets({ patientId: pid, status: ['Approved'], ...p }, LEAF)).objects)
        .sets;
    const [a, b] = [s1.submissionSet.entryUUID, s2.submissionSet.entryUUID];
    expect(await fs({})).toEqual(sorted([a, b]));
    expect(await fs({ sourceId: ['1.3.182.4.9'] })).toEqual([b]);
    expect(await fs({ submissionTime: { from: '202403', to: '20240401' } })).toEqual([a]);
    expect(await fs({ submissionTime: { from: '20240401' } })).toEqual([b]);
    expect(await fs({ authorPerson: ['%Hoffmann%'] })).toEqual([b]);
    expect(await fs({ contentTypeCode: [{ code: 'C1', scheme: 'x' }] })).toEqual([a]);
    expect(await fs({ status: ['Deprecated'] })).toEqual([]);
  });

  it('FindFolders with codeList AND of ORs and lastUpdateTime', async () => {
    const ff = async (p: Partial<Parameters<RegistryStore['findFolders']>[0]>) =>
      ids((await store.findFolders({ patientId: pid, status: ['Approved'], ...p }, LEAF)).objects).folders;
    const c = (x: string) => ({ code: x, scheme: '1.3.182.2.4.20' });
    expect(await ff({})).toEqual([f.entryUUID]);
    expect(await ff({ codeList: [[c('ONCO')], [c('CARDIO')]] })).toEqual([f.entryUUID]);
    expect(await ff({ codeList: [[c('ONCO')], [c('NEURO')]] })).toEqual([]);
    expect(await ff({ lastUpdateTime: { from: '20240312103000', to: '20240312103001' } })).toEqual([
      f.entryUUID,
    ]);
    expect(await ff({ lastUpdateTime: { to: '20240312103000' } })).toEqual([]);
  });

  it('GetAll with the content filters returns the objects and the associations among them', async () => {
    const r = await store.getAll(
      {
        patientId: pid,
        documentEntryStatus: ['Approved'],
        submissionSetStatus: ['Approved'],
        folderStatus: ['Approved'],
        confidentialityCode: [[{ code: 'N', scheme: CONF }]],
      },
      LEAF,
    );
    const x = ids(r.objects);
    expect(x.docs).toEqual(u(d3, d4));
    expect(x.sets).toEqual(sorted([s1.submissionSet.entryUUID, s2.submissionSet.entryUUID]));
    expect(x.folders).toEqual([f.entryUUID]);
    // d1 (Deprecated), d2 (R) and od (on-demand) are not returned, nor associations touching only them.
    const returned = new Set([...x.docs, ...x.sets, ...x.folders]);
    for (const a of r.objects.associations) {
      expect(returned.has(a.sourceObject)).toBe(true);
    }
    expect(x.assocs).toContain(s2.associations.find((a) => a.targetObject === d3.entryUUID)!.entryUUID);
    expect(x.assocs).not.toContain(rplc.entryUUID);
  });

  it('GetDocuments by uuid or uniqueId returns any status and type', async () => {
    const byUuid = await store.getDocuments(
      { uuids: [d1.entryUUID, od.entryUUID, 'urn:uuid:not-a-uuid'] },
      LEAF,
    );
    expect(ids(byUuid.objects).docs).toEqual(u(d1, od));
    expect(byUuid.objects.documentEntries.find((d) => d.entryUUID === d1.entryUUID)?.availabilityStatus).toBe(
      'Deprecated',
    );
    const byUid = await store.getDocuments(
      { uniqueIds: [d2.uniqueId!] },
      { returnType: 'ObjectRef', limit: 10 },
    );
    expect(byUid.objects.objectRefs).toEqual([{ id: d2.entryUUID, homeCommunityId: 'urn:oid:1.3.182.1' }]);
  });

  it('GetFolders, GetFoldersForDocument', async () => {
    expect(ids((await store.getFolders({ uniqueIds: [f.uniqueId!] }, LEAF)).objects).folders).toEqual([
      f.entryUUID,
    ]);
    expect(
      ids((await store.getFoldersForDocument({ document: { uuids: [d2.entryUUID] } }, LEAF)).objects).folders,
    ).toEqual([f.entryUUID]);
    expect(
      ids((await store.getFoldersForDocument({ document: { uniqueIds: [d2.uniqueId!] } }, LEAF)).objects)
        .folders,
    ).toEqual([f.entryUUID]);
    expect(
      ids((await store.getFoldersForDocument({ document: { uuids: [d3.entryUUID] } }, LEAF)).objects).folders,
    ).toEqual([]);
  });

  it('GetAssociations and GetDocumentsAndAssociations', async () => {
    const expected = sorted(
      [...s1.associations, ...s2.associations]
        .filter((a) => a.sourceObject === d1.entryUUID || a.targetObject === d1.entryUUID)
        .map((a) => a.entryUUID),
    );
    expect(expected).toContain(rplc.entryUUID);
    expect(ids((await store.getAssociations({ uuids: [d1.entryUUID] }, LEAF)).objects).assocs).toEqual(
      expected,
    );
    const r = await store.getDocumentsAndAssociations({ uuids: [d1.entryUUID] }, LEAF);
    expect(ids(r.objects)).toEqual({ docs: [d1.entryUUID], sets: [], folders: [], assocs: expected });
  });

  it('GetSubmissionSets returns the sets holding the objects and those HasMembers', async () => {
    const r = await store.getSubmissionSets({ uuids: [d2.entryUUID, d4.entryUUID] }, LEAF);
    const x = ids(r.objects);
    expect(x.sets).toEqual(sorted([s1.submissionSet.entryUUID, s2.submissionSet.entryUUID]));
    expect(r.objects.associations.every((a) => a.associationType === 'HasMember')).toBe(true);
    expect(sorted(r.objects.associations.map((a) => a.targetObject))).toEqual(u(d2, d4));
  });

  it('GetSubmissionSetAndContents with filters', async () => {
    const r = await store.getSubmissionSetAndContents(
      {
        submissionSet: { uniqueIds: [s1.submissionSet.uniqueId!] },
        documentEntryType: ['stable', 'on-demand'],
      },
      LEAF,
    );
    const x = ids(r.objects);
    expect(x.sets).toEqual([s1.submissionSet.entryUUID]);
    expect(x.docs).toEqual(u(d1, d2, od));
    expect(x.folders).toEqual([f.entryUUID]);
    expect(x.assocs).toEqual(sorted(s1.associations.map((a) => a.entryUUID)));
    const filtered = await store.getSubmissionSetAndContents(
      {
        submissionSet: { uuids: [s1.submissionSet.entryUUID] },
        confidentialityCode: [[{ code: 'R', scheme: CONF }]],
      },
      LEAF,
    );
    const y = ids(filtered.objects);
    expect(y.docs).toEqual([d2.entryUUID]);
    // Associations only among returned objects: nothing to d1 or od.
    for (const a of filtered.objects.associations) {
      expect([d1.entryUUID, od.entryUUID]).not.toContain(a.targetObject);
    }
    expect(y.assocs.length).toBeGreaterThan(0);
  });

  it('GetFolderAndContents', async () => {
    const r = await store.getFolderAndContents({ folder: { uuids: [f.entryUUID] } }, LEAF);
    const x = ids(r.objects);
    expect(x.folders).toEqual([f.entryUUID]);
    expect(x.docs).toEqual(u(d1, d2));
    expect(r.objects.associations.every((a) => a.sourceObject === f.entryUUID)).toBe(true);
    expect(sorted(r.objects.associations.map((a) => a.targetObject))).toEqual(u(d1, d2));
  });

  it('GetRelatedDocuments follows the given association types both ways', async () => {
    const r = await store.getRelatedDocuments(
      { document: { uuids: [d1.entryUUID] }, associationTypes: ['RPLC'] },
      LEAF,
    );
    expect(ids(r.objects)).toEqual({ docs: u(d1, d3), sets: [], folders: [], assocs: [rplc.entryUUID] });
    const fromNew = await store.getRelatedDocuments(
      { document: { uniqueIds: [d4.uniqueId!] }, associationTypes: ['RPLC', 'APND'] },
      LEAF,
    );
    expect(ids(fromNew.objects)).toEqual({
      docs: u(d2, d4),
      sets: [],
      folders: [],
      assocs: [apnd.entryUUID],
    });
    const none = await store.getRelatedDocuments(
      { document: { uuids: [d1.entryUUID] }, associationTypes: ['XFRM'] },
      LEAF,
    );
    expect(ids(none.objects)).toEqual({ docs: [], sets: [], folders: [], assocs: [] });
  });

  const u = (...ds: DocumentEntry[]) => sorted(ds.map((d) => d.entryUUID));
});

describe('patient identity', () => {
  it('knows active ids, and a merge moves entries to the surviving id', async () => {
    const subsumed = patientCx('merge-old');
    const surviving = patientCx('merge-new');
    const chained = patientCx('merge-older');
    await store.upsertPatient(subsumed);
    await store.upsertPatient(surviving);
    expect(await store.isKnownPatient(subsumed)).toBe(true);
    expect(await store.isKnownPatient(patientCx('never-fed'))).toBe(false);
    await store.mergePatient(chained, subsumed);
    const d = documentEntry(subsumed);
    const f = folder(subsumed);
    const s = submission(subsumed, [d], { folders: [f] });
    await register(s);
    await register(submission(surviving, [documentEntry(surviving)]));

    expect(await store.mergePatient(subsumed, surviving)).toBe(1);
    expect(await store.isKnownPatient(subsumed)).toBe(false);
    expect(await store.isKnownPatient(surviving)).toBe(true);
    const rows = await db.query<{ cx: string; merged_into: string }>(
      'SELECT cx, merged_into FROM patient_ids WHERE cx = ANY($1::text[]) ORDER BY cx',
      [[chained, subsumed]],
    );
    expect(rows.rows.map((r) => r.merged_into)).toEqual([surviving, surviving]);

    const found = await store.findDocuments({ patientId: surviving, status: ['Approved'] }, LEAF);
    expect(found.objects.documentEntries).toHaveLength(2);
    const moved = found.objects.documentEntries.find((x) => x.entryUUID === d.entryUUID)!;
    expect(moved.patientId?.raw).toBe(surviving);
    expect(moved.sourcePatientId).toEqual(d.sourcePatientId);
    expect(
      (await store.findDocuments({ patientId: subsumed, status: ['Approved'] }, LEAF)).objects
        .documentEntries,
    ).toEqual([]);
    const ss = await store.findSubmissionSets({ patientId: surviving, status: ['Approved'] }, LEAF);
    expect(ss.objects.submissionSets.map((x) => x.entryUUID)).toContain(s.submissionSet.entryUUID);
    const ff = await store.findFolders({ patientId: surviving, status: ['Approved'] }, LEAF);
    expect(ff.objects.folders.map((x) => x.patientId?.raw)).toEqual([surviving]);
  });
});
