/**
 * PostgreSQL blob store: a blob is rows of `blob_chunks` (bytea, `chunkBytes` each). Writes and
 * reads move up to 256 KB of chunks per statement (one chunk at the default size), so neither
 * side ever holds more than that of a document. Works on PostgreSQL and PGlite alike (plain bytea; no large-object API, which PGlite
 * and poolers handle poorly).
 */
import { Readable } from 'node:stream';
import type { Db } from '@mesh/db';
import { assertBlobId } from './blob-store.js';
import type { BlobSource, BlobStore } from './blob-store.js';

/**
 * Bytes of chunks one INSERT carries at most (at least one chunk): several chunks of a smaller
 * `chunkBytes` share a statement, but not more than one default chunk's worth. 1 MB statements
 * measured slower (11-16 vs 17-18 ms of repository CPU per 1 MB ITI-41): node-postgres copies a
 * parameter several times while serializing it, into ever larger fresh buffers.
 */
const WRITE_BYTES = 256 * 1024;
/**
 * Bytes of chunks one SELECT returns at most (at least one chunk). Smaller than a write: a read
 * holds them as hex text and decoded at once, for every concurrent ITI-43.
 */
const READ_BYTES = 256 * 1024;

export function createPgBlobStore(db: Db, opts: { chunkBytes: number }): BlobStore {
  const perStatement = Math.max(1, Math.floor(WRITE_BYTES / opts.chunkBytes));
  const perRead = Math.max(1, Math.floor(READ_BYTES / opts.chunkBytes));
  /** Inserts chunks `first`, `first + 1`... of a blob in one statement (parameters sent as binary bytea). */
  const insert = (blobId: string, first: number, chunks: readonly Buffer[]): Promise<unknown> =>
    db.query(
      // The text depends only on the number of chunks: prepared once per connection.
      `INSERT INTO blob_chunks (blob_id, seq, data) VALUES ${chunks.map((_, i) => `($1, $2::int + ${i}, $${i + 3})`).join(', ')}`,
      [blobId, first, ...chunks],
      { prepare: true },
    );
  const remove = async (blobIds: readonly string[]): Promise<void> => {
    if (blobIds.length === 0) return;
    await db.query('DELETE FROM blob_chunks WHERE blob_id = ANY($1::text[])', [blobIds]);
  };

  return {
    kind: 'pg',
    async put(blobId: string, source: BlobSource): Promise<void> {
      assertBlobId(blobId);
      let seq = 0;
      /** Full chunks waiting for their statement. */
      let chunks: Buffer[] = [];
      /** Pieces of the chunk being filled (views of the source's buffers, which streams never reuse). */
      let pieces: Buffer[] = [];
      let pieceBytes = 0;
      const endChunk = (): void => {
        chunks.push(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, pieceBytes));
        pieces = [];
        pieceBytes = 0;
      };
      const flush = async (): Promise<void> => {
        const batch = chunks;
        chunks = [];
        await insert(blobId, seq, batch);
        seq += batch.length;
      };
      try {
        // Pieces of one chunk each from a spooled part: no cutting and gluing.
        for await (const c of source.open({ highWaterMark: opts.chunkBytes })) {
          let chunk = c as Buffer;
          while (chunk.length > 0) {
            const room = opts.chunkBytes - pieceBytes;
            const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
            pieces.push(piece);
            pieceBytes += piece.length;
            chunk = chunk.subarray(piece.length);
            if (pieceBytes === opts.chunkBytes) {
              endChunk();
              if (chunks.length === perStatement) await flush();
            }
          }
        }
        // An empty document is one empty chunk, so that it exists.
        if (pieceBytes > 0 || seq + chunks.length === 0) endChunk();
        if (chunks.length > 0) await flush();
      } catch (e) {
        await remove([blobId]).catch(() => undefined);
        throw e;
      }
    },
    open(blobId: string): Readable {
      assertBlobId(blobId);
      async function* read(): AsyncGenerator<Buffer> {
        let last: number | undefined;
        for (let seq = 0; last === undefined || seq <= last;) {
          // The first statement also reads the last chunk's number (from the primary key's
          // index), so no statement is spent finding the end. bytea comes as hex text, decoded to
          // a Buffer by the driver as the row is parsed: base64 text would be a third smaller but
          // reaches here as a string, and those strings grew the V8 heap by ~70 MB under 16
          // concurrent ITI-43 (see README, Benchmarks).
          const r = await db.query<{ data: Buffer; seq: number; last: number }>(
            `SELECT data, seq,
                    (SELECT max(seq) FROM blob_chunks WHERE blob_id = $1) AS last
               FROM blob_chunks WHERE blob_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
            [blobId, seq, perRead],
            { prepare: true },
          );
          const first = r.rows[0];
          if (!first) {
            if (last === undefined) throw new Error(`blob ${blobId} not found`);
            throw new Error(`blob ${blobId}: chunk ${seq} is missing`);
          }
          last ??= first.last;
          for (const row of r.rows) {
            if (row.seq !== seq) throw new Error(`blob ${blobId}: chunk ${seq} is missing`);
            yield row.data;
            seq++;
          }
        }
      }
      return Readable.from(read(), { objectMode: false });
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
