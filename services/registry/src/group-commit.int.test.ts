import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/core';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore, UnknownPatientIdError } from './store.js';
import type { RegistryStore, SubmissionWrite } from './store.js';
import { createSubmissionWriter } from './group-commit.js';
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
    const writer = createSubmissionWriter({ db, store, maxInFlight: 1 });
    const writes = Array.from({ length: 20 }, () => write(pid));
    await Promise.all(writes.map((w) => writer.write(w)));
    expect((await Promise.all(writes.map(stored))).every((n) => n === 1)).toBe(true);
    // The first goes alone at once; the 19 others wait for it and leave as one group.
    expect(writer.stats()).toEqual({ groups: 1, grouped: 19, regrouped: 0 });
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
