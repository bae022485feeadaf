/**
 * ITI-57 Update Document Set and ITI-62 Delete Document Set against the registry's real store
 * (PGlite, or PostgreSQL when DATABASE_URL is set), with ITI-18 reading the result back, plus the
 * XDSResultNotSinglePatient rule of ITI-18.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome, RequestContext } from '@mesh/core';
import type { Db } from '@mesh/db';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { writeSubmitObjectsRequest } from '@mesh/xds';
import type { Association, DocumentEntry, Folder, Submission } from '@mesh/xds';
import { NS, escapeXml, parseXml, select } from '@mesh/xml';
import type { RegistryStore } from '../store.js';
import { openRegistryTestEnv, testContext } from '../test-env.js';
import {
  code,
  domainDocument as doc,
  domainSubmission as sub,
  folder,
  hasMember,
  oid,
  submission,
  submissionSet,
  urn,
} from '../fixtures.js';
import { registerDocumentSet } from './iti42-register.js';
import { updateDocumentSet } from './iti57-update.js';
import { deleteDocumentSet } from './iti62-delete.js';
import { handleIti18 } from './iti18.js';

const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const HOME = 'urn:oid:1.3.6.1.4.1.99999.3';
const STATUS = 'urn:oasis:names:tc:ebxml-regrep:StatusType:';
const pid = (n: string): string => `${n}^^^&${NATIONAL}&ISO`;

let db: Db;
let store: RegistryStore;
let domain: AffinityDomain;
const now = new Date('2026-11-25T10:00:00Z');
const ctx = (transaction: RequestContext['transaction']): RequestContext => testContext(transaction);

beforeAll(async () => {
  ({ db, store, domain } = await openRegistryTestEnv('registry_mu'));
});
afterAll(async () => {
  await db.close();
});

const element = (xml: string): Element => parseXml(xml).documentElement;
const deps = () => ({ db, store, domain, clock: () => now });
const register = (s: Submission): Promise<Outcome<Submission>> =>
  registerDocumentSet(element(writeSubmitObjectsRequest(s)), ctx('ITI-42'), deps());
const update = (s: Submission): Promise<Outcome> =>
  updateDocumentSet(element(writeSubmitObjectsRequest(s)), ctx('ITI-57'), deps());
const remove = async (ids: readonly string[], extra = ''): Promise<Outcome> =>
  (
    await deleteDocumentSet(
      element(
        `<lcm:RemoveObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"${extra}><rim:ObjectRefList>${ids
          .map((id) => `<rim:ObjectRef id="${id}"/>`)
          .join('')}</rim:ObjectRefList></lcm:RemoveObjectsRequest>`,
      ),
      ctx('ITI-62'),
      { db },
    )
  ).outcome;
const codes = (o: Outcome<unknown>): string[] => o.issues.map((i) => i.code);

async function newPatient(name: string): Promise<string> {
  const cx = pid(`${name}-${oid()}`);
  await store.upsertPatient(cx);
  return cx;
}

/** Registers one document (optionally in a new folder) and returns what was stored. */
async function registered(p: string, opts: { folder?: boolean } = {}): Promise<Submission> {
  const d = doc(p);
  const s: Submission = opts.folder
    ? submission(p, [d], {
        folders: [
          folder(p, { codeList: [code('EPISODE-OF-CARE', '1.3.6.1.4.1.99999.5.3', 'Episode of care')] }),
        ],
        set: { contentTypeCode: code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4', 'Inpatient stay') },
      })
    : sub(p, [d]);
  const o = await register(s);
  expect(o.status, JSON.stringify(o.issues)).toBe('Success');
  return o.value as Submission;
}

/** An ITI-57 SubmissionSet with the given objects and associations (HasMember added for new versions). */
function updateSet(
  p: string,
  versions: readonly {
    object: DocumentEntry | Folder;
    previousVersion: string;
    propagation?: 'yes' | 'no';
  }[],
  associations: readonly Association[] = [],
): Submission {
  const ss = submissionSet(p, {
    contentTypeCode: code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4', 'Inpatient stay'),
  });
  const members: Association[] = versions.map((v) => ({
    ...hasMember(ss.entryUUID, v.object.entryUUID, 'objectType' in v.object ? 'Original' : undefined),
    previousVersion: v.previousVersion,
    ...(v.propagation === undefined ? {} : { associationPropagation: v.propagation }),
  }));
  return {
    submissionSet: ss,
    documentEntries: versions.map((v) => v.object).filter((o): o is DocumentEntry => 'objectType' in o),
    folders: versions.map((v) => v.object).filter((o): o is Folder => !('objectType' in o)),
    associations: [
      ...members,
      ...associations.map((a) => ({ ...a, sourceObject: a.sourceObject || ss.entryUUID })),
    ],
    objectRefs: [],
  };
}

/** A new version of a registered DocumentEntry: new entryUUID, the registered one's logicalID. */
function newVersion(d: DocumentEntry, over: Partial<DocumentEntry> = {}): DocumentEntry {
  const { version: _v, availabilityStatus: _s, ...rest } = d;
  return { ...rest, entryUUID: urn(), logicalID: d.logicalID ?? d.entryUUID, ...over };
}

function statusUpdate(target: string, from: string, to: string): Association {
  return {
    entryUUID: urn(),
    extraSlots: [],
    associationType: 'UpdateAvailabilityStatus',
    sourceObject: '',
    targetObject: target,
    originalStatus: `${STATUS}${from}`,
    newStatus: `${STATUS}${to}`,
  };
}

/** Runs ITI-18 and returns [status, errorCodes, ExtrinsicObject ids, versions]. */
async function query(
  id: string,
  slots: Record<string, string>,
): Promise<{
  status: string;
  errors: string[];
  docs: { id: string; version: string; status: string; home: string }[];
}> {
  const body = `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/><rim:AdhocQuery id="${id}">${Object.entries(
    slots,
  )
    .map(
      ([n, v]) =>
        `<rim:Slot name="${n}"><rim:ValueList><rim:Value>${escapeXml(v)}</rim:Value></rim:ValueList></rim:Slot>`,
    )
    .join('')}</rim:AdhocQuery></query:AdhocQueryRequest>`;
  const xml = await handleIti18(element(body), { store, homeCommunityId: HOME, maxResults: 1000 });
  const d = parseXml(xml);
  const root = d.documentElement;
  return {
    status: root.getAttribute('status') ?? '',
    errors: (select('//rs:RegistryError/@errorCode', d) as Attr[]).map((a) => a.value),
    docs: (select('//rim:ExtrinsicObject', d) as Element[]).map((e) => ({
      id: e.getAttribute('id') ?? '',
      version: e.getElementsByTagNameNS(NS.rim, 'VersionInfo')[0]?.getAttribute('versionName') ?? '',
      status: e.getAttribute('status') ?? '',
      home: e.getAttribute('home') ?? '',
    })),
  };
}

const findDocs = (p: string, status = 'Approved', metadataLevel?: 2) =>
  query('urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d', {
    $XDSDocumentEntryPatientId: `'${p}'`,
    $XDSDocumentEntryStatus: `('${STATUS}${status}')`,
    ...(metadataLevel === undefined ? {} : { $MetadataLevel: String(metadataLevel) }),
  });

describe('ITI-57 Update Document Set', () => {
  it('a new DocumentEntry version: version 2 Approved, version 1 Deprecated, both retrievable', async () => {
    const p = await newPatient('mu-version');
    const s = await registered(p);
    const v1 = s.documentEntries[0]!;
    const v2 = newVersion(v1, { title: { value: 'Lettre de sortie (corrigée)' } });
    const o = await update(updateSet(p, [{ object: v2, previousVersion: '1' }]));
    expect(o, JSON.stringify(o.issues)).toMatchObject({ status: 'Success' });

    const approved = await findDocs(p);
    expect(approved.docs.map((x) => [x.id, x.version, x.home])).toEqual([[v2.entryUUID, '2', HOME]]);
    // $MetadataLevel 1 (the default) shows latest versions only; 2 shows every version.
    expect((await findDocs(p, 'Deprecated')).docs).toEqual([]);
    const deprecated = await findDocs(p, 'Deprecated', 2);
    expect(deprecated.docs.map((x) => [x.id, x.version])).toEqual([[v1.entryUUID, '1']]);
    const byLid = await query('urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4', {
      $XDSDocumentEntryLogicalID: `('${v1.entryUUID}')`,
      $MetadataLevel: '2',
    });
    expect(byLid.docs.map((x) => x.version).sort()).toEqual(['1', '2']);
  });

  it('PreviousVersion other than the latest is XDSMetadataVersionError; nothing changes', async () => {
    const p = await newPatient('mu-prev');
    const v1 = (await registered(p)).documentEntries[0]!;
    const o = await update(updateSet(p, [{ object: newVersion(v1), previousVersion: '2' }]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSMetadataVersionError');
    expect((await findDocs(p)).docs.map((x) => x.id)).toEqual([v1.entryUUID]);
  });

  it('updating twice from version 1: the second is refused (the first deprecated version 1)', async () => {
    const p = await newPatient('mu-twice');
    const v1 = (await registered(p)).documentEntries[0]!;
    expect((await update(updateSet(p, [{ object: newVersion(v1), previousVersion: '1' }]))).status).toBe(
      'Success',
    );
    const again = await update(updateSet(p, [{ object: newVersion(v1), previousVersion: '1' }]));
    expect(again.status).toBe('Failure');
    expect(codes(again)).toEqual(expect.arrayContaining(['XDSMetadataVersionError']));
  });

  it('concurrent updates of the same version: exactly one succeeds', async () => {
    const p = await newPatient('mu-race');
    const v1 = (await registered(p)).documentEntries[0]!;
    const results = await Promise.all(
      [0, 1, 2].map(() => update(updateSet(p, [{ object: newVersion(v1), previousVersion: '1' }]))),
    );
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 'Success'))
      expect(codes(r).some((c) => c === 'XDSMetadataVersionError' || c === 'XDSMetadataUpdateError')).toBe(
        true,
      );
    expect((await findDocs(p)).docs.map((x) => x.version)).toEqual(['2']);
  });

  it('an update may not change uniqueId, hash or patient', async () => {
    const p = await newPatient('mu-immutable');
    const other = await newPatient('mu-other');
    const v1 = (await registered(p)).documentEntries[0]!;
    const o = await update(
      updateSet(p, [
        { object: newVersion(v1, { uniqueId: `${oid()}`, hash: 'ab'.repeat(20) }), previousVersion: '1' },
      ]),
    );
    expect(codes(o)).toEqual(expect.arrayContaining(['XDSMetadataUpdateError']));
    expect(o.issues.map((i) => i.location)).toEqual(
      expect.arrayContaining([expect.stringMatching(/uniqueId$/), expect.stringMatching(/hash$/)]),
    );
    const moved = await update(
      updateSet(other, [
        {
          object: newVersion(v1, { patientId: { ...v1.patientId!, raw: other, id: other.split('^')[0]! } }),
          previousVersion: '1',
        },
      ]),
    );
    expect(moved.status).toBe('Failure');
    expect(codes(moved)).toContain('XDSPatientIDReconciliationError');
  });

  it('refuses a first version (no logicalID of a registered object) with XDSMetadataUpdateOperationError', async () => {
    const p = await newPatient('mu-initial');
    const fresh = doc(p);
    const o = await update(updateSet(p, [{ object: fresh, previousVersion: '1' }]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSMetadataUpdateOperationError');
  });

  it('a logicalID that names nothing is XDSMetadataUpdateError', async () => {
    const p = await newPatient('mu-unknown');
    const ghost = doc(p, { logicalID: urn() });
    const o = await update(updateSet(p, [{ object: ghost, previousVersion: '1' }]));
    expect(codes(o)).toContain('XDSMetadataUpdateError');
  });

  it('UpdateAvailabilityStatus deprecates and re-approves a DocumentEntry; a wrong OriginalStatus is refused', async () => {
    const p = await newPatient('mu-status');
    const d = (await registered(p)).documentEntries[0]!;
    const wrong = await update(updateSet(p, [], [statusUpdate(d.entryUUID, 'Deprecated', 'Approved')]));
    expect(wrong.status).toBe('Failure');
    expect(codes(wrong)).toContain('XDSMetadataUpdateError');

    expect(
      (await update(updateSet(p, [], [statusUpdate(d.entryUUID, 'Approved', 'Deprecated')]))).status,
    ).toBe('Success');
    expect((await findDocs(p)).docs).toEqual([]);
    expect(
      (await update(updateSet(p, [], [statusUpdate(d.entryUUID, 'Deprecated', 'Approved')]))).status,
    ).toBe('Success');
    expect((await findDocs(p)).docs.map((x) => x.id)).toEqual([d.entryUUID]);
  });

  it('UpdateAvailabilityStatus of a version that is no longer the latest is XDSMetadataVersionError; nothing changes (NIST 15802)', async () => {
    const p = await newPatient('mu-status-old');
    const v1 = (await registered(p)).documentEntries[0]!;
    const v2 = newVersion(v1);
    expect((await update(updateSet(p, [{ object: v2, previousVersion: '1' }]))).status).toBe('Success');
    // Version 1 is Deprecated by the update; approving it again would give the logical entry two Approved versions.
    const o = await update(updateSet(p, [], [statusUpdate(v1.entryUUID, 'Deprecated', 'Approved')]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toEqual(['XDSMetadataVersionError']);
    const all = await query('urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4', {
      $XDSDocumentEntryLogicalID: `('${v1.entryUUID}')`,
      $MetadataLevel: '2',
    });
    expect(all.docs.map((x) => [x.version, x.status.split(':').pop()]).sort()).toEqual([
      ['1', 'Deprecated'],
      ['2', 'Approved'],
    ]);
    // The latest version's status still updates.
    expect(
      (await update(updateSet(p, [], [statusUpdate(v2.entryUUID, 'Approved', 'Deprecated')]))).status,
    ).toBe('Success');
  });

  it('a new version and a status update of the same logical entry: the status goes to the new version (ITI TF-2 3.57.4.1.3.1)', async () => {
    const p = await newPatient('mu-both');
    const v1 = (await registered(p)).documentEntries[0]!;
    const v2 = newVersion(v1, { title: { value: 'Lettre de sortie (retirée)' } });
    const o = await update(
      updateSet(
        p,
        [{ object: v2, previousVersion: '1' }],
        [statusUpdate(v1.entryUUID, 'Approved', 'Deprecated')],
      ),
    );
    expect(o, JSON.stringify(o.issues)).toMatchObject({ status: 'Success' });
    const all = await query('urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4', {
      $XDSDocumentEntryLogicalID: `('${v1.entryUUID}')`,
      $MetadataLevel: '2',
    });
    expect(all.docs.map((x) => [x.id, x.version, x.status.split(':').pop()]).sort()).toEqual(
      [
        [v1.entryUUID, '1', 'Deprecated'],
        [v2.entryUUID, '2', 'Deprecated'],
      ].sort(),
    );
    expect((await findDocs(p)).docs).toEqual([]);
  });

  it('a new version inherits the Folder membership of the previous one (association propagation), not with propagation no', async () => {
    const p = await newPatient('mu-folder');
    const s = await registered(p, { folder: true });
    const v1 = s.documentEntries[0]!;
    const f = s.folders[0]!;
    const v2 = newVersion(v1);
    expect((await update(updateSet(p, [{ object: v2, previousVersion: '1' }]))).status).toBe('Success');
    const contents = await query('urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7', {
      $XDSFolderEntryUUID: `'${f.entryUUID}'`,
      $MetadataLevel: '2',
    });
    expect(contents.status).toMatch(/Success$/);
    // GetFolderAndContents has no status parameter: both versions are members, v2 the Approved one.
    const approved = (r: typeof contents): string[] =>
      r.docs.filter((x) => x.status.endsWith('Approved')).map((x) => x.id);
    expect(approved(contents)).toEqual([v2.entryUUID]);
    expect(contents.docs.map((x) => x.id).sort()).toEqual([v1.entryUUID, v2.entryUUID].sort());
    const latestOnly = await query('urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7', {
      $XDSFolderEntryUUID: `'${f.entryUUID}'`,
    });
    expect(latestOnly.docs.map((x) => x.id)).toEqual([v2.entryUUID]);

    const v3 = newVersion(v1);
    expect(
      (await update(updateSet(p, [{ object: v3, previousVersion: '2', propagation: 'no' }]))).status,
    ).toBe('Success');
    const after = await query('urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7', {
      $XDSFolderEntryUUID: `'${f.entryUUID}'`,
      $MetadataLevel: '2',
    });
    expect(approved(after)).toEqual([]);
    expect(after.docs.map((x) => x.id)).not.toContain(v3.entryUUID);
  });
});

describe('ITI-57 Folder versions', () => {
  it('a new Folder version: version 2 Approved with the documents of version 1, version 1 Deprecated', async () => {
    const p = await newPatient('mu-folder-version');
    const s = await registered(p, { folder: true });
    const f1 = s.folders[0]!;
    const d = s.documentEntries[0]!;
    const { version: _v, availabilityStatus: _a, lastUpdateTime: _l, ...rest } = f1;
    const f2: Folder = {
      ...rest,
      entryUUID: urn(),
      logicalID: f1.entryUUID,
      title: { value: 'Épisode (renamed)' },
    };
    const o = await update(updateSet(p, [{ object: f2, previousVersion: '1' }]));
    expect(o, JSON.stringify(o.issues)).toMatchObject({ status: 'Success' });

    // GetFolders by logicalID at $MetadataLevel 2: both versions, only the new one Approved.
    const xml = await handleIti18(
      element(
        `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/><rim:AdhocQuery id="urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4"><rim:Slot name="$XDSFolderLogicalID"><rim:ValueList><rim:Value>('${f1.entryUUID}')</rim:Value></rim:ValueList></rim:Slot><rim:Slot name="$MetadataLevel"><rim:ValueList><rim:Value>2</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery></query:AdhocQueryRequest>`,
      ),
      { store, homeCommunityId: HOME, maxResults: 1000 },
    );
    const packages = (select('//rim:RegistryPackage', parseXml(xml)) as Element[]).map((e) => [
      e.getAttribute('id'),
      e.getAttribute('status')?.split(':').pop(),
    ]);
    expect(packages.sort()).toEqual(
      [
        [f1.entryUUID, 'Deprecated'],
        [f2.entryUUID, 'Approved'],
      ].sort(),
    );
    const contents = await query('urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7', {
      $XDSFolderEntryUUID: `'${f2.entryUUID}'`,
    });
    expect(contents.status).toMatch(/Success$/);
    expect(contents.docs.map((x) => x.id)).toEqual([d.entryUUID]);

    const stale = await update(updateSet(p, [{ object: { ...f2, entryUUID: urn() }, previousVersion: '1' }]));
    expect(codes(stale)).toContain('XDSMetadataVersionError');
    // The status of version 1, no longer the latest, is not updated either.
    const oldStatus = await update(updateSet(p, [], [statusUpdate(f1.entryUUID, 'Deprecated', 'Approved')]));
    expect(codes(oldStatus)).toEqual(['XDSMetadataVersionError']);
  });
});

describe('ITI-62 Delete Document Set', () => {
  it('removes a SubmissionSet, its DocumentEntry and their Association; the uniqueId can be registered again', async () => {
    const p = await newPatient('del-all');
    const s = await registered(p);
    const ids = [
      s.submissionSet.entryUUID,
      s.documentEntries[0]!.entryUUID,
      ...s.associations.map((a) => a.entryUUID),
    ];
    const o = await remove(ids);
    expect(o).toMatchObject({ status: 'Success', issues: [] });
    expect((await findDocs(p)).docs).toEqual([]);
    expect(await store.findDocumentByUniqueId(s.documentEntries[0]!.uniqueId!)).toBeUndefined();
  });

  it('an Association left behind is ReferencesExistException; nothing is removed', async () => {
    const p = await newPatient('del-refs');
    const s = await registered(p);
    const d = s.documentEntries[0]!;
    const o = await remove([d.entryUUID]);
    expect(o.status).toBe('Failure');
    expect(codes(o)).toEqual(['ReferencesExistException']);
    expect(o.issues[0]?.location).toBe(s.associations[0]?.entryUUID);
    expect((await findDocs(p)).docs.map((x) => x.id)).toEqual([d.entryUUID]);
  });

  it('an id that names nothing is UnresolvedReferenceException; nothing is removed', async () => {
    const p = await newPatient('del-unresolved');
    const s = await registered(p);
    const ghost = urn();
    const o = await remove([...s.associations.map((a) => a.entryUUID), ghost]);
    expect(o.status).toBe('Failure');
    expect(o.issues).toEqual([
      expect.objectContaining({ code: 'UnresolvedReferenceException', location: ghost }),
    ]);
    expect((await findDocs(p)).docs).toHaveLength(1);
  });

  it('refuses a deletionScope attribute and an empty list', async () => {
    const p = await newPatient('del-shape');
    const s = await registered(p);
    expect(codes(await remove([s.submissionSet.entryUUID], ' deletionScope="urn:x"'))).toEqual([
      'XDSRegistryError',
    ]);
    expect(codes(await remove([]))).toEqual(['XDSRegistryError']);
  });
});

describe('ITI-18 XDSResultNotSinglePatient', () => {
  it('GetDocuments over entries of two patients is refused; one patient is answered', async () => {
    const a = (await registered(await newPatient('nsp-a'))).documentEntries[0]!;
    const b = (await registered(await newPatient('nsp-b'))).documentEntries[0]!;
    const both = await query('urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4', {
      $XDSDocumentEntryEntryUUID: `('${a.entryUUID}','${b.entryUUID}')`,
    });
    expect(both.status).toMatch(/Failure$/);
    expect(both.errors).toEqual(['XDSResultNotSinglePatient']);
    expect(both.docs).toEqual([]);
    const one = await query('urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4', {
      $XDSDocumentEntryEntryUUID: `('${a.entryUUID}')`,
    });
    expect(one.docs.map((x) => x.id)).toEqual([a.entryUUID]);
  });
});
