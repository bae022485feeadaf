/**
 * PostgreSQL blob store: a blob is rows of `blob_chunks` (bytea, `chunkBytes` each).
 *
 * On PostgreSQL with a {@link PgCopy} (the service passes one), bytes move by binary COPY: a put
 * is one `COPY ... FROM STDIN` of all the blob's chunks (all or nothing: a source that fails
 * aborts it), a read one `COPY (SELECT ...) TO STDOUT` per window of up to 1 MiB of chunks, so
 * neither side holds more than that of a document and no connection waits on a slow reader.
 * Without one (PGlite) it uses statements of up to 256 KB of chunks in both directions.
 * Plain bytea either way; no large-object API, which PGlite and poolers handle poorly.
 */
import { Readable } from 'node:stream';
import type { Db } from '@mesh/db';
import { assertBlobId } from './blob-store.js';
import type { BlobSource, BlobStore } from './blob-store.js';
import { COPY_HEADER, COPY_TRAILER, copyRowHead } from './pg-copy.js';
import type { PgCopy } from './pg-copy.js';

/**
 * Bytes of chunks one INSERT carries at most (at least one chunk): several chunks of a smaller
 * `chunkBytes` share a statement, but not more than one default chunk's worth. 1 MB statements
 * measured slower (11-16 vs 17-18 ms of repository CPU per 1 MB ITI-41): node-postgres copies a
 * parameter several times while serializing it, into ever larger fresh buffers.
 */
const WRITE_BYTES = 256 * 1024;
/**
 * Bytes of chunks one SELECT returns at most (at least one chunk). On PostgreSQL through
 * statements a read holds them as hex text and decoded at once, for every concurrent ITI-43.
 */
const READ_BYTES = 256 * 1024;
/** Bytes of chunks one COPY TO returns at most (at least one chunk): a 1 MB document in one statement. */
const COPY_READ_BYTES = 1024 * 1024;

export function createPgBlobStore(db: Db, opts: { chunkBytes: number; copy?: PgCopy }): BlobStore {
  const perStatement = Math.max(1, Math.floor(WRITE_BYTES / opts.chunkBytes));
  const perRead = Math.max(1, Math.floor(READ_BYTES / opts.chunkBytes));
  const perCopy = Math.max(1, Math.floor(COPY_READ_BYTES / opts.chunkBytes));
  const { copy } = opts;
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

  /** Rows of one window of a blob from `seq` on (chunks in order), and the number of its last chunk. */
  type Window = { rows: { seq: number; data: Buffer }[]; last: number | undefined };
  const selectWindow = async (blobId: string, seq: number): Promise<Window> => {
    // The statement also reads the last chunk's number (from the primary key's index), so none
    // is spent finding the end. From PostgreSQL (when no COPY pool is given) bytea comes as hex
    // text, decoded to a Buffer by the driver as the row is parsed: base64 text would be a third smaller but reaches here as a string, and those
    // strings grew the V8 heap by ~70 MB under 16 concurrent ITI-43 (see README, Benchmarks).
    const r = await db.query<{ data: Buffer; seq: number; last: number }>(
      `SELECT data, seq,
              (SELECT max(seq) FROM blob_chunks WHERE blob_id = $1) AS last
         FROM blob_chunks WHERE blob_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
      [blobId, seq, perRead],
      { prepare: true },
    );
    return { rows: r.rows, last: r.rows[0]?.last };
  };
  const copyWindow = async (c: PgCopy, blobId: string, seq: number): Promise<Window> => {
    // COPY takes no parameters: the blob id is a UUID (assertBlobId), the numbers are integers.
    const id = `'${blobId}'`;
    const rows = await c.copyOut(
      `COPY (SELECT seq, data, (SELECT max(seq) FROM blob_chunks WHERE blob_id = ${id})
               FROM blob_chunks WHERE blob_id = ${id} AND seq >= ${Math.trunc(seq)}
              ORDER BY seq LIMIT ${perCopy}) TO STDOUT (FORMAT binary)`,
    );
    const out = rows.map(([s, data]) => {
      if (!s || s.length !== 4 || !data) throw new Error(`blob ${blobId}: unexpected COPY row`);
      return { seq: s.readInt32BE(0), data };
    });
    const last = rows[0]?.[2];
    return { rows: out, last: last ? last.readInt32BE(0) : undefined };
  };

  return {
    kind: 'pg',
    async put(blobId: string, source: BlobSource): Promise<void> {
      assertBlobId(blobId);
      // Pieces of one chunk each from a spooled part: no cutting and gluing.
      // Opened at the first read: a COPY refused before it starts leaves no file open.
      const chunks = chunksOf(() => source.open({ highWaterMark: opts.chunkBytes }), opts.chunkBytes);
      try {
        if (copy) {
          await copy.copyIn(
            'COPY blob_chunks (blob_id, seq, data) FROM STDIN (FORMAT binary)',
            copyRows(blobId, chunks),
          );
          return;
        }
        let seq = 0;
        /** Full chunks waiting for their statement. */
        let batch: Buffer[] = [];
        for await (const { pieces, bytes } of chunks) {
          batch.push(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, bytes));
          if (batch.length === perStatement) {
            await insert(blobId, seq, batch);
            seq += batch.length;
            batch = [];
          }
        }
        if (batch.length > 0) await insert(blobId, seq, batch);
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
          const w = copy ? await copyWindow(copy, blobId, seq) : await selectWindow(blobId, seq);
          if (w.rows.length === 0) {
            if (last === undefined) throw new Error(`blob ${blobId} not found`);
            throw new Error(`blob ${blobId}: chunk ${seq} is missing`);
          }
          last ??= w.last;
          for (const row of w.rows) {
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

/** One chunk of a blob: views of the source's buffers (which streams never reuse), in order. */
interface Chunk {
  readonly pieces: Buffer[];
  readonly bytes: number;
}

/**
 * Cuts the stream `open` returns into chunks of `chunkBytes` (the last one shorter). An empty stream is one empty
 * chunk, so that an empty document exists.
 */
async function* chunksOf(open: () => AsyncIterable<unknown>, chunkBytes: number): AsyncGenerator<Chunk> {
  let pieces: Buffer[] = [];
  let bytes = 0;
  let count = 0;
  for await (const c of open()) {
    let rest = c as Buffer;
    while (rest.length > 0) {
      const piece = rest.length <= chunkBytes - bytes ? rest : rest.subarray(0, chunkBytes - bytes);
      pieces.push(piece);
      bytes += piece.length;
      rest = rest.subarray(piece.length);
      if (bytes === chunkBytes) {
        yield { pieces, bytes };
        count++;
        pieces = [];
        bytes = 0;
      }
    }
  }
  if (bytes > 0 || count === 0) yield { pieces, bytes };
}

/** The binary COPY stream of `blob_chunks (blob_id, seq, data)` rows of one blob. */
async function* copyRows(blobId: string, chunks: AsyncIterable<Chunk>): AsyncGenerator<Buffer> {
  const id = Buffer.from(blobId, 'utf8');
  yield COPY_HEADER;
  let seq = 0;
  for await (const { pieces, bytes } of chunks) {
    yield copyRowHead([id, seq++], bytes);
    yield* pieces;
  }
  yield COPY_TRAILER;
}
