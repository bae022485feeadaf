/**
 * PostgreSQL blob store: a blob is rows of `blob_chunks` (bytea, `chunkBytes` each), written and
 * read one chunk per statement so that neither side ever holds more than one chunk of a document.
 * Works on PostgreSQL and PGlite alike (plain bytea; no large-object API, which PGlite and
 * poolers handle poorly).
 */
import { Readable } from 'node:stream';
import type { Db } from '@mesh/db';
import { assertBlobId } from './blob-store.js';
import type { BlobSource, BlobStore } from './blob-store.js';

export function createPgBlobStore(db: Db, opts: { chunkBytes: number }): BlobStore {
  const insert = (blobId: string, seq: number, data: Buffer): Promise<unknown> =>
    db.query('INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)', [blobId, seq, data]);
  const remove = async (blobIds: readonly string[]): Promise<void> => {
    if (blobIds.length === 0) return;
    await db.query('DELETE FROM blob_chunks WHERE blob_id = ANY($1::text[])', [blobIds]);
  };

  return {
    kind: 'pg',
    async put(blobId: string, source: BlobSource): Promise<void> {
      assertBlobId(blobId);
      await remove([blobId]);
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        const data = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await insert(blobId, seq++, data);
      };
      try {
        for await (const c of source.open()) {
          let chunk = c as Buffer;
          while (chunk.length > 0) {
            const room = opts.chunkBytes - pendingBytes;
            const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
            // Copy: the piece may be a view of a larger pooled buffer.
            pending.push(Buffer.from(piece));
            pendingBytes += piece.length;
            chunk = chunk.subarray(piece.length);
            if (pendingBytes === opts.chunkBytes) await flush();
          }
        }
        // An empty document is one empty chunk, so that it exists.
        if (pendingBytes > 0 || seq === 0) await flush();
      } catch (e) {
        await remove([blobId]).catch(() => undefined);
        throw e;
      }
    },
    open(blobId: string): Readable {
      assertBlobId(blobId);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let seq = 0; ; seq++) {
          const r = await db.query<{ data: Buffer }>(
            'SELECT data FROM blob_chunks WHERE blob_id = $1 AND seq = $2',
            [blobId, seq],
          );
          const row = r.rows[0];
          if (!row) {
            if (seq === 0) throw new Error(`blob ${blobId} not found`);
            return;
          }
          yield row.data;
        }
      }
      return Readable.from(chunks(), { objectMode: false });
    },
    delete: remove,
    async *list(olderThanMs: number): AsyncIterable<string> {
      const r = await db.query<{ blob_id: string }>(
        `SELECT DISTINCT blob_id FROM blob_chunks WHERE created_at < now() - make_interval(secs => $1)`,
        [olderThanMs / 1000],
      );
      for (const row of r.rows) yield row.blob_id;
    },
  };
}
