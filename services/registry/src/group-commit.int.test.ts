import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/core';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore, UnknownPatientIdError } from './store.js';
import type { RegistryStore, SubmissionWrite } from './store.js';
import { createSubmissionWriter } from './group-commit.js';
import { isRefusedBatch } from './sql.js';
import { documentEntry, patientCx, submission } from './fixtures.js';

const at = new Date('2024-03-12T10:30:00Z');
let db: Db;
let store: RegistryStore;

beforeAll(async () => {
  db = await openTestDb({ prefix: 'registry_group' });
  await migrate(db, REGISTRY_MIGRATIONS);
  store = createRegistryStore(db);
});
afterAll(async () => {
  await db.close();
});

const write = (pid: string, over: Parameters<typeof documentEntry>[1] = {}): SubmissionWrite => ({
  submission: submission(pid, [documentEntry(pid, over)]),
  opts: { receivedAt: at, activePatients: [pid] },
});

const stored = async (w: SubmissionWrite): Promise<number> =>
  (await store.getDocumentsByUuid(w.submission.documentEntries.map((d) => d.entryUUID))).length;

describe('group commit of ITI-42 submissions', () => {
  it('writes concurrent submissions in shared transactions, each acknowledged once committed', async () => {
    const pid = patientCx('group-ok');
    await store.upsertPatient(pid);
    const sizes: number[] = [];
    const writer = createSubmissionWriter({ db, store, maxInFlight: 1, onStatement: (n) => sizes.push(n) });
    const writes = Array.from({ length: 20 }, () => write(pid));
    await Promise.all(writes.map((w) => writer.write(w)));
    expect((await Promise.all(writes.map(stored))).every((n) => n === 1)).toBe(true);
    // The first goes alone at once; the 19 others wait for it and leave as one group.
    expect(writer.stats()).toEqual({ groups: 1, grouped: 19, regrouped: 0 });
    expect(sizes).toEqual([1, 19]);
  });

  it('answers each submission of a refused group with its own outcome, and stores the others', async () => {
    const pid = patientCx('group-mixed');
    const unknown = patientCx('group-unknown');
    await store.upsertPatient(pid);
    const taken = `1.3.182.99.group.${Date.now()}`;
    await db.transaction((tx) =>
      store.insertSubmission(tx, write(pid, { uniqueId: taken }).submission, { receivedAt: at }),
    );
    const writer = createSubmissionWriter({ db, store, maxInFlight: 1 });
    const first = write(pid);
    const good = Array.from({ length: 5 }, () => write(pid));
    const otherHash = write(pid, { uniqueId: taken, hash: 'ff'.repeat(20) });
    const noPatient = write(unknown);
    const results = await Promise.allSettled(
      [first, ...good, otherHash, noPatient].map((w) => writer.write(w)),
    );
    expect(results.map((r) => r.status)).toEqual([...Array(6).fill('fulfilled'), 'rejected', 'rejected']);
    const reason = (results[6] as PromiseRejectedResult).reason as MeshError;
    expect(reason).toBeInstanceOf(MeshError);
    expect(reason.outcome.issues[0]?.code).toBe('XDSNonIdenticalHash');
    expect((results[7] as PromiseRejectedResult).reason).toBeInstanceOf(UnknownPatientIdError);
    expect(await Promise.all([first, ...good, otherHash, noPatient].map(stored))).toEqual([
      1, 1, 1, 1, 1, 1, 0, 0,
    ]);
    expect(writer.stats().regrouped).toBe(1);
  });

  it('refuses the second of two submissions of one uniqueId with different content in one group', async () => {
    const pid = patientCx('group-race');
    await store.upsertPatient(pid);
    const uniqueId = `1.3.182.99.grouprace.${Date.now()}`;
    const writer = createSubmissionWriter({ db, store, maxInFlight: 1 });
    const first = write(pid);
    const a = write(pid, { uniqueId, hash: 'aa'.repeat(20) });
    const b = write(pid, { uniqueId, hash: 'bb'.repeat(20) });
    const results = await Promise.allSettled([first, a, b].map((w) => writer.write(w)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect((await stored(a)) + (await stored(b))).toBe(1);
  });
});

describe('the self-checking statement (refuseInStatement, no transaction around it)', () => {
  const alone = (w: SubmissionWrite): Promise<void> =>
    store.insertSubmissions(db, [w], { refuseInStatement: true });
  const refused = async (w: SubmissionWrite): Promise<void> => {
    const err: unknown = await alone(w).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRefusedBatch(err), String(err)).toBe(true);
    expect(await stored(w)).toBe(0);
    const sets = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM submission_sets WHERE entry_uuid = $1::uuid',
      [w.submission.submissionSet.entryUUID.replace('urn:uuid:', '')],
    );
    expect(sets.rows[0]?.n).toBe(0);
  };

  it('stores a valid submission and a resubmission of its uniqueId with the same content', async () => {
    const pid = patientCx('self-ok');
    await store.upsertPatient(pid);
    const uniqueId = `1.3.182.99.self.${Date.now()}`;
    const a = write(pid, { uniqueId, hash: 'ab'.repeat(20), size: '42' });
    const again = write(pid, { uniqueId, hash: 'AB'.repeat(20), size: '42' });
    await alone(a);
    await alone(again);
    expect([await stored(a), await stored(again)]).toEqual([1, 1]);
  });

  it('fails as a whole, leaving nothing, for a patient not known and active', async () => {
    await refused(write(patientCx('self-unknown')));
  });

  it('fails for a uniqueId registered with another hash or another size', async () => {
    const pid = patientCx('self-hash');
    await store.upsertPatient(pid);
    const uniqueId = `1.3.182.99.selfhash.${Date.now()}`;
    await alone(write(pid, { uniqueId, hash: 'aa'.repeat(20), size: '10' }));
    await refused(write(pid, { uniqueId, hash: 'bb'.repeat(20), size: '10' }));
    await refused(write(pid, { uniqueId, hash: 'aa'.repeat(20), size: '11' }));
  });

  it('fails for a SubmissionSet uniqueId already registered (an insert skipped by its conflict)', async () => {
    const pid = patientCx('self-ss');
    await store.upsertPatient(pid);
    const first = write(pid);
    await alone(first);
    const second = write(pid);
    const dup: SubmissionWrite = {
      ...second,
      submission: {
        ...second.submission,
        submissionSet: {
          ...second.submission.submissionSet,
          uniqueId: first.submission.submissionSet.uniqueId,
        },
      },
    };
    await refused(dup);
  });
});
