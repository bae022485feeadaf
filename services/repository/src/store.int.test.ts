/**
 * The document index and both blob stores on a real database (PostgreSQL when DATABASE_URL is
 * set, else PGlite): streaming round trips, the pending -> committed life of a submission, and
 * the sweeper reclaiming what a submission interrupted mid-way (a process killed between steps)
 * left behind. Each blob-store kind runs the same tests.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, success } from '@mesh/core';
import type { Outcome } from '@mesh/core';
import { parseAffinityDomain, DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { parseXml } from '@mesh/xml';
import type { BlobStore } from './blob-store.js';
import { createFsBlobStore } from './fs-blob-store.js';
import { REPOSITORY_MIGRATIONS } from './migrations.js';
import { createPgBlobStore } from './pg-blob-store.js';
import { createPgCopy } from './pg-copy.js';
import type { PgCopy } from './pg-copy.js';
import { createRepositoryStore } from './store.js';
import type { RepositoryStore } from './store.js';
import { provideAndRegister } from './transactions/iti41.js';
import { REPOSITORY_ID, cda, entry, iti41Request, newPatient, sha1, submission } from './test-fixtures.js';
import { readFile } from 'node:fs/promises';

const stream = (b: Buffer, pieces = 7): Readable =>
  Readable.from(
    (function* () {
      const step = Math.max(1, Math.ceil(b.length / pieces));
      for (let i = 0; i < b.length; i += step) yield b.subarray(i, i + step);
    })(),
    { objectMode: false },
  );

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** An ITI-41 body with the documents inline as base64 (what binaryContent reads without MTOM). */
function inlineRequest(s: ReturnType<typeof submission>, docs: { id: string; bytes: Buffer }[]): Element {
  const { body } = iti41Request(s, []);
  const inline = docs
    .map((d) => `<xdsb:Document id="${d.id}">${d.bytes.toString('base64')}</xdsb:Document>`)
    .join('');
  return parseXml(
    body.replace(
      '</xdsb:ProvideAndRegisterDocumentSetRequest>',
      `${inline}</xdsb:ProvideAndRegisterDocumentSetRequest>`,
    ),
  ).documentElement;
}

/** Take over any pending row at once (the tests stand for attempts that died). */
const now = { takeOverAfterMs: -1_000 };

const ctx = {
  transaction: 'ITI-41' as const,
  principal: ANONYMOUS,
  traceId: '0'.repeat(32),
  messageId: `urn:uuid:${randomUUID()}`,
};

// pg-copy: the pg store as the service runs it on PostgreSQL (binary COPY on a pool of its own).
const kinds = process.env.DATABASE_URL ? (['fs', 'pg', 'pg-copy'] as const) : (['fs', 'pg'] as const);

for (const kind of kinds) {
  describe(`repository store with the ${kind} blob store (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
    let db: Db;
    let copy: PgCopy | undefined;
    let dir: string;
    let blobs: BlobStore;
    let store: RepositoryStore;
    let domain: AffinityDomain;

    const open = async (): Promise<void> => {
      blobs =
        kind === 'fs'
          ? await createFsBlobStore(dir)
          : createPgBlobStore(db, { chunkBytes: 64 * 1024, ...(copy ? { copy } : {}) });
      store = createRepositoryStore(db, blobs);
    };

    beforeAll(async () => {
      db = await openTestDb({ prefix: `repo_${kind.replace('-', '_')}` });
      await migrate(db, REPOSITORY_MIGRATIONS);
      if (kind === 'pg-copy')
        copy = createPgCopy({ url: process.env.DATABASE_URL!, schema: db.schema, poolSize: 2 });
      dir = await mkdtemp(join(tmpdir(), 'mesh-blobs-'));
      domain = parseAffinityDomain(JSON.parse(await readFile(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')));
      await open();
    }, 60_000);

    afterAll(async () => {
      await copy?.close();
      await db?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const blobCount = async (): Promise<number> => {
      let n = 0;
      for await (const _ of blobs.list(-60_000)) n++;
      return n;
    };

    /**
     * Starts an ITI-41 whose registry never answers and resolves once its bytes are stored and
     * the ITI-42 is on its way: the request is stuck exactly where a killed process would stop.
     */
    const stuckSubmission = async (bytes: number): Promise<{ uniqueId: string }> => {
      const patient = newPatient();
      const e = entry(patient, 'Document01');
      let reached!: () => void;
      const waiting = new Promise<void>((r) => (reached = r));
      void provideAndRegister(
        inlineRequest(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient, bytes) }]),
        new Map(),
        ctx,
        {
          store,
          blobs,
          domain,
          repositoryUniqueId: REPOSITORY_ID,
          registerTimeoutMs: 1_000,
          register: () => {
            reached();
            return new Promise<Outcome>(() => undefined);
          },
          cda: { maxBytes: 1 << 20, patientCheck: true, validation: 'off' },
        },
      );
      await waiting;
      return { uniqueId: e.uniqueId! };
    };

    it('streams a blob in and out unchanged, across chunk boundaries', async () => {
      // 1 MiB: exactly one COPY window of 64 KB chunks; one byte more: a second window.
      for (const size of [0, 1, 64 * 1024, 64 * 1024 + 1, 300_000, 1 << 20, (1 << 20) + 1]) {
        const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) % 251));
        const id = randomUUID();
        await blobs.put(id, { open: () => stream(data) });
        expect((await readAll(blobs.open(id))).equals(data)).toBe(true);
        // With the size from the index (ITI-43): fs reads up to 1 MiB at once.
        expect((await readAll(blobs.open(id, { size }))).equals(data)).toBe(true);
        await blobs.delete([id]);
        await expect(readAll(blobs.open(id))).rejects.toThrow();
      }
    });

    it('leaves nothing of a blob whose source stream fails', async () => {
      const before = await blobCount();
      const failing = (): Readable =>
        Readable.from(
          (function* () {
            yield Buffer.alloc(100_000, 1);
            throw new Error('connection reset');
          })(),
          { objectMode: false },
        );
      await expect(blobs.put(randomUUID(), { open: failing })).rejects.toThrow('connection reset');
      expect(await blobCount()).toBe(before);
    });

    // pg stores only: the database refuses a second put of one blob id (its primary key); the fs
    // store does not look (blob ids are never reused, BlobStore.put).
    if (kind !== 'fs')
      it('throws what the database refused and keeps serving', async () => {
        const id = randomUUID();
        await blobs.put(id, { open: () => stream(Buffer.alloc(1000, 2)) });
        await expect(blobs.put(id, { open: () => stream(Buffer.alloc(1000, 3)) })).rejects.toThrow(
          /duplicate key/,
        );
        const next = randomUUID();
        const data = Buffer.alloc(200_000, 4);
        await blobs.put(next, { open: () => stream(data) });
        expect((await readAll(blobs.open(next))).equals(data)).toBe(true);
        await blobs.delete([id, next]);
      });

    it('reserves, commits and abandons by attempt; only committed documents are visible', async () => {
      const doc = (uniqueId: string, content: string) => ({
        uniqueId,
        blobId: randomUUID(),
        size: content.length,
        sha1: createHash('sha1').update(content).digest('hex'),
        mimeType: 'text/plain',
        patientId: undefined,
      });
      const a = randomUUID();
      const u1 = `1.2.${Date.now()}.1`;
      const r1 = await store.reserve(a, doc(u1, 'hello'), now);
      expect(r1.kind).toBe('new');
      expect((await store.getCommitted([u1])).size).toBe(0);
      expect(await store.commit(a)).toBe(1);
      expect((await store.getCommitted([u1])).get(u1)?.size).toBe(5);
      // The same content again is the committed document; other content conflicts.
      expect((await store.reserve(randomUUID(), doc(u1, 'hello'), now)).kind).toBe('committed');
      expect((await store.reserve(randomUUID(), doc(u1, 'HELLO'), now)).kind).toBe('conflict');
      // Abandon removes pending rows of that attempt only, never committed ones.
      const b = randomUUID();
      const u2 = `1.2.${Date.now()}.2`;
      await store.reserve(b, doc(u2, 'x'), now);
      await store.abandon(b);
      expect((await store.getCommitted([u1, u2])).size).toBe(1);
      expect((await store.reserve(randomUUID(), doc(u2, 'x'), now)).kind).toBe('new');
    });

    it('concurrent reservations and commits share statements and keep per-attempt answers', async () => {
      const doc = (uniqueId: string) => ({
        uniqueId,
        blobId: randomUUID(),
        size: 1,
        sha1: sha1(Buffer.from('c')),
        mimeType: 'text/plain',
        patientId: undefined,
      });
      const stamp = Date.now();
      const ids = Array.from({ length: 10 }, (_, i) => `1.2.${stamp}.40.${i}`);
      const attempts = ids.map(() => randomUUID());
      // Ten documents and, at the same time, a second submission of the first one.
      const rivals = randomUUID();
      const [results, rival] = await Promise.all([
        Promise.all(ids.map((u, i) => store.reserve(attempts[i]!, doc(u), { takeOverAfterMs: 60_000 }))),
        store.reserve(rivals, doc(ids[0]!), { takeOverAfterMs: 60_000 }),
      ]);
      const kinds = [...results, rival].map((r) => r.kind);
      // Exactly one of the two holders of ids[0] got it; the other sees it in progress.
      expect(kinds.filter((k) => k === 'new')).toHaveLength(10);
      expect(kinds.filter((k) => k === 'in-progress')).toHaveLength(1);
      const owners = [...attempts, rivals];
      const counts = await Promise.all(owners.map((a) => store.commit(a)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
      expect(counts[results[0]!.kind === 'new' ? 10 : 0]).toBe(0);
      expect((await store.getCommitted(ids)).size).toBe(10);
      // Concurrent reads get each their own documents.
      const reads = await Promise.all(ids.map((u) => store.getCommitted([u, `${u}.unknown`])));
      expect(reads.map((m) => [...m.keys()])).toEqual(ids.map((u) => [u]));
    });

    it('a retry takes over the pending document of an attempt that died, not of one that may still run', async () => {
      const u = `1.2.${Date.now()}.3`;
      const d = {
        uniqueId: u,
        size: 1,
        sha1: sha1(Buffer.from('z')),
        mimeType: 'text/plain',
        patientId: undefined,
      };
      const dead = randomUUID();
      const first = await store.reserve(dead, { ...d, blobId: randomUUID() }, now);
      expect(first.kind).toBe('new');
      const retry = randomUUID();
      // Younger than the bound: its owner may still be waiting for the registry.
      expect(
        (await store.reserve(randomUUID(), { ...d, blobId: randomUUID() }, { takeOverAfterMs: 60_000 })).kind,
      ).toBe('in-progress');
      const r = await store.reserve(retry, { ...d, blobId: randomUUID() }, now);
      expect(r).toMatchObject({
        kind: 'taken-over',
        previousBlobId: first.kind === 'new' ? first.blobId : '',
      });
      expect(await store.commit(dead)).toBe(0);
      expect(await store.commit(retry)).toBe(1);
    });

    it('a submission interrupted while waiting for the registry is invisible, and the sweeper reclaims it after a restart', async () => {
      await store.sweep(0); // what the tests above left pending
      const before = await blobCount();
      const e = await stuckSubmission(150_000);
      expect(await blobCount()).toBe(before + 1);
      expect((await store.getCommitted([e.uniqueId])).size).toBe(0);
      // "Restart": a new store on the same database and blob storage; nothing is young enough to keep.
      await open();
      expect(await store.sweep(0)).toEqual({ documents: 1, blobs: 0 });
      expect(await blobCount()).toBe(before);
      expect((await db.query('SELECT 1 FROM documents WHERE unique_id = $1', [e.uniqueId])).rowCount).toBe(0);
    });

    it('the sweeper keeps young pending documents and deletes blobs no row refers to', async () => {
      const before = await blobCount();
      await stuckSubmission(2048);
      expect(await store.sweep(60_000)).toEqual({ documents: 0, blobs: 0 });
      // A blob left without its row (killed between deleting the row and the blob).
      const orphan = randomUUID();
      await blobs.put(orphan, { open: () => stream(Buffer.from('orphan')) });
      if (kind === 'fs') {
        const old = new Date(Date.now() - 3_600_000);
        await utimes(join(dir, orphan.slice(0, 2), orphan), old, old);
      } else {
        await db.query(`UPDATE blob_chunks SET created_at = now() - interval '1 hour' WHERE blob_id = $1`, [
          orphan,
        ]);
      }
      expect(await store.sweep(60_000)).toEqual({ documents: 0, blobs: 1 });
      expect(await blobCount()).toBe(before + 1);
      await store.sweep(0);
    });

    it('commits only when the registry says Success', async () => {
      const patient = newPatient();
      const e = entry(patient, 'Document01');
      const body = cda(patient);
      const r = await provideAndRegister(
        inlineRequest(submission(patient, [e]), [{ id: 'Document01', bytes: body }]),
        new Map(),
        ctx,
        {
          store,
          blobs,
          domain,
          repositoryUniqueId: REPOSITORY_ID,
          registerTimeoutMs: 1_000,
          register: () => Promise.resolve(success()),
          cda: { maxBytes: 1 << 20, patientCheck: true, validation: 'off' },
        },
      );
      expect(r.outcome.status).toBe('Success');
      const stored = (await store.getCommitted([e.uniqueId!])).get(e.uniqueId!);
      expect(stored?.sha1).toBe(sha1(body));
      expect((await readAll(blobs.open(stored!.blobId))).equals(body)).toBe(true);
    });
  });
}

describe('fs blob store layout', () => {
  it('ignores stray files when listing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-blobs-'));
    try {
      const blobs = await createFsBlobStore(dir);
      await mkdir(join(dir, 'zz'));
      await writeFile(join(dir, 'README'), 'x');
      const ids: string[] = [];
      for await (const id of blobs.list(-60_000)) ids.push(id);
      expect(ids).toEqual([]);
      expect(await readdir(dir)).toContain('zz');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
