/**
 * The document index of the repository (table `documents`) and the life of a stored document:
 * pending while its ITI-41 waits for the registry, committed when the registry said Success,
 * gone otherwise. The blobs follow the rows: every path that removes a row removes its blob.
 */
import type { Db } from '@mesh/db';
import type { BlobStore } from './blob-store.js';
import { coalesce } from './coalesce.js';

/** A document as the index records it. */
export interface StoredDocument {
  readonly uniqueId: string;
  readonly status: 'pending' | 'committed';
  readonly attemptId: string;
  readonly blobId: string;
  readonly size: number;
  /** Lower-case hex SHA-1. */
  readonly sha1: string;
  readonly mimeType: string;
  readonly patientId: string | undefined;
}

/** One document an ITI-41 wants to store. */
export interface NewDocument {
  readonly uniqueId: string;
  readonly blobId: string;
  readonly size: number;
  readonly sha1: string;
  readonly mimeType: string;
  readonly patientId: string | undefined;
}

/** What reserving a document's uniqueId found. */
export type Reservation =
  /** A new pending row owned by this attempt: store the blob under `blobId`. */
  | { readonly kind: 'new'; readonly blobId: string }
  /**
   * A pending row of an earlier attempt (same content) old enough that its owner is done or dead,
   * now owned by this attempt; its old blob is to be replaced.
   */
  | { readonly kind: 'taken-over'; readonly blobId: string; readonly previousBlobId: string }
  /** Already committed with the same content: nothing to store, nothing to undo. */
  | { readonly kind: 'committed' }
  /** Already here with other content. */
  | { readonly kind: 'conflict'; readonly existing: StoredDocument }
  /** Pending for another attempt that may still be running (a concurrent submission of the same document). */
  | { readonly kind: 'in-progress' };

interface Row {
  unique_id: string;
  status: 'pending' | 'committed';
  attempt_id: string;
  blob_id: string;
  size: string;
  sha1: string;
  mime_type: string;
  patient_id: string | null;
}

const COLUMNS = 'unique_id, status, attempt_id, blob_id, size, sha1, mime_type, patient_id';

function fromRow(r: Row): StoredDocument {
  return {
    uniqueId: r.unique_id,
    status: r.status,
    attemptId: r.attempt_id,
    blobId: r.blob_id,
    size: Number(r.size),
    sha1: r.sha1,
    mimeType: r.mime_type,
    patientId: r.patient_id ?? undefined,
  };
}

export interface RepositoryStore {
  /**
   * Reserves `doc.uniqueId` for `attemptId` (ITI-41 retries are safe: same uniqueId, same
   * hash and size is the same document). Atomic per uniqueId. A pending row of another attempt
   * is taken over only once it is older than `takeOverAfterMs` (longer than an attempt can
   * wait for the registry, so its owner has committed, given up or died); before that the
   * answer is 'in-progress'.
   */
  reserve(attemptId: string, doc: NewDocument, opts: { takeOverAfterMs: number }): Promise<Reservation>;
  /** Makes the attempt's documents retrievable, all at once; returns how many rows it committed. */
  commit(attemptId: string): Promise<number>;
  /** Deletes the attempt's pending rows and their blobs (registration refused or failed). */
  abandon(attemptId: string): Promise<void>;
  /** Committed documents by uniqueId (ITI-43, ITI-86). */
  getCommitted(uniqueIds: readonly string[]): Promise<Map<string, StoredDocument>>;
  /** Deletes committed documents and their blobs (ITI-86); returns those removed. */
  remove(uniqueIds: readonly string[]): Promise<{ uniqueId: string; patientId: string | undefined }[]>;
  /**
   * Deletes pending rows older than `maxAgeMs` and their blobs, then blobs older than that which
   * no row refers to; returns how many rows and blobs it reclaimed.
   */
  sweep(maxAgeMs: number): Promise<{ documents: number; blobs: number }>;
}

/** Rows per group-committed statement. */
const MAX_BATCH = 64;

export function createRepositoryStore(db: Db, blobs: BlobStore): RepositoryStore {
  // Concurrent submissions share statements (group commit, see coalesce.ts): the pending rows
  // of all ITI-41 that reserve at the same time are inserted by one INSERT, and the commits of
  // all that the registry accepted at the same time by one UPDATE.
  /** Inserts pending rows; true for each row inserted, false when its uniqueId was taken. */
  const insertPending = coalesce<{ attemptId: string; doc: NewDocument }, boolean>(
    async (items) => {
      const r = await db.query<{ blob_id: string }>(
        `INSERT INTO documents (unique_id, status, attempt_id, blob_id, size, sha1, mime_type, patient_id)
         SELECT u, 'pending', a, b, s, h, m, p
           FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
             AS t(u, a, b, s, h, m, p)
         ON CONFLICT (unique_id) DO NOTHING RETURNING blob_id`,
        [
          items.map((i) => i.doc.uniqueId),
          items.map((i) => i.attemptId),
          items.map((i) => i.doc.blobId),
          items.map((i) => i.doc.size),
          items.map((i) => i.doc.sha1),
          items.map((i) => i.doc.mimeType),
          items.map((i) => i.doc.patientId ?? null),
        ],
        { prepare: true },
      );
      const inserted = new Set(r.rows.map((x) => x.blob_id));
      return items.map((i) => inserted.has(i.doc.blobId));
    },
    { maxBatch: MAX_BATCH },
  );
  /** Commits attempts; the number of rows each one committed. */
  const commitAttempts = coalesce<string, number>(
    async (attemptIds) => {
      const r = await db.query<{ attempt_id: string }>(
        `UPDATE documents SET status = 'committed', committed_at = now()
          WHERE attempt_id = ANY($1::uuid[]) AND status = 'pending' RETURNING attempt_id`,
        [attemptIds],
        { prepare: true },
      );
      const counts = new Map<string, number>();
      for (const x of r.rows) counts.set(x.attempt_id, (counts.get(x.attempt_id) ?? 0) + 1);
      return attemptIds.map((a) => counts.get(a) ?? 0);
    },
    { maxBatch: MAX_BATCH },
  );
  /** Committed rows by uniqueId, for several ITI-43/ITI-86 at once. */
  const readCommitted = coalesce<readonly string[], Map<string, StoredDocument>>(
    async (requests) => {
      const r = await db.query<Row>(
        `SELECT ${COLUMNS} FROM documents WHERE unique_id = ANY($1::text[]) AND status = 'committed'`,
        [[...new Set(requests.flat())]],
        { prepare: true },
      );
      const all = new Map(r.rows.map((row) => [row.unique_id, fromRow(row)]));
      return requests.map((ids) => {
        const out = new Map<string, StoredDocument>();
        for (const id of ids) {
          const d = all.get(id);
          if (d) out.set(id, d);
        }
        return out;
      });
    },
    { maxBatch: MAX_BATCH },
  );

  return {
    async reserve(attemptId, doc, opts) {
      if (await insertPending({ attemptId, doc })) return { kind: 'new', blobId: doc.blobId };
      // Someone has this uniqueId. Same content, pending, and older than any live attempt can
      // be: take it over (its attempt died; the bytes are the same).
      const taken = await db.query<{ previous: string }>(
        `UPDATE documents d SET attempt_id = $2, blob_id = $3, created_at = now()
           FROM (SELECT unique_id, blob_id AS previous FROM documents WHERE unique_id = $1 FOR UPDATE) old
          WHERE d.unique_id = old.unique_id AND d.status = 'pending' AND d.sha1 = $4 AND d.size = $5
            AND d.created_at < now() - make_interval(secs => $6)
          RETURNING old.previous`,
        [doc.uniqueId, attemptId, doc.blobId, doc.sha1, doc.size, opts.takeOverAfterMs / 1000],
      );
      const previous = taken.rows[0]?.previous;
      if (previous !== undefined) return { kind: 'taken-over', blobId: doc.blobId, previousBlobId: previous };
      const existing = await db.query<Row>(`SELECT ${COLUMNS} FROM documents WHERE unique_id = $1`, [
        doc.uniqueId,
      ]);
      const row = existing.rows[0];
      // Swept or removed in between: try again from the start.
      if (!row) return this.reserve(attemptId, doc, opts);
      const found = fromRow(row);
      const same = found.sha1 === doc.sha1 && found.size === doc.size;
      if (!same) return { kind: 'conflict', existing: found };
      return found.status === 'committed' ? { kind: 'committed' } : { kind: 'in-progress' };
    },

    commit: (attemptId) => commitAttempts(attemptId),

    async abandon(attemptId) {
      const r = await db.query<{ blob_id: string }>(
        `DELETE FROM documents WHERE attempt_id = $1 AND status = 'pending' RETURNING blob_id`,
        [attemptId],
      );
      await blobs.delete(r.rows.map((x) => x.blob_id));
    },

    async getCommitted(uniqueIds) {
      if (uniqueIds.length === 0) return new Map();
      return readCommitted(uniqueIds);
    },

    async remove(uniqueIds) {
      if (uniqueIds.length === 0) return [];
      const r = await db.query<{ unique_id: string; blob_id: string; patient_id: string | null }>(
        `DELETE FROM documents WHERE unique_id = ANY($1::text[]) AND status = 'committed'
         RETURNING unique_id, blob_id, patient_id`,
        [uniqueIds],
      );
      await blobs.delete(r.rows.map((x) => x.blob_id));
      return r.rows.map((x) => ({ uniqueId: x.unique_id, patientId: x.patient_id ?? undefined }));
    },

    async sweep(maxAgeMs) {
      const r = await db.query<{ blob_id: string }>(
        `DELETE FROM documents WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
         RETURNING blob_id`,
        [maxAgeMs / 1000],
      );
      await blobs.delete(r.rows.map((x) => x.blob_id));
      let unreferenced = 0;
      let batch: string[] = [];
      const drop = async (): Promise<void> => {
        const known = await db.query<{ blob_id: string }>(
          'SELECT blob_id FROM documents WHERE blob_id = ANY($1::text[])',
          [batch],
        );
        const referenced = new Set(known.rows.map((x) => x.blob_id));
        const orphans = batch.filter((b) => !referenced.has(b));
        await blobs.delete(orphans);
        unreferenced += orphans.length;
        batch = [];
      };
      for await (const id of blobs.list(maxAgeMs)) {
        batch.push(id);
        if (batch.length === 500) await drop();
      }
      if (batch.length > 0) await drop();
      return { documents: r.rowCount, blobs: unreferenced };
    },
  };
}
