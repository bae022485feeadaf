/**
 * Filesystem blob store: one file per blob under `dir/<2 hex>/<blob id>`. A spooled MTOM part is
 * renamed into place (no copy), a stream is written in place; then the file and its directory
 * are fsynced, so both the bytes and the name are durable before `put` resolves. A blob file may
 * exist incomplete only while its row is pending (a put in progress or interrupted): nothing
 * serves it, and the sweeper deletes it with the row (or, rowless, by age).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { assertBlobId } from './blob-store.js';
import type { BlobSource, BlobStore } from './blob-store.js';

/**
 * Bytes per read of a blob being served, at most: each read costs a system call, a thread-pool
 * hop and a socket write. With the size known, a blob up to 1 MiB is one read (open, read, close:
 * three hops instead of seven with 256 KB reads and the read that finds the end), at up to 1 MiB
 * per ITI-43 in flight.
 */
const READ_BYTES = 1024 * 1024;
/** Bytes per read when the size is not known. */
const READ_BYTES_UNSIZED = 256 * 1024;

export async function createFsBlobStore(dir: string): Promise<BlobStore> {
  await mkdir(dir, { recursive: true });
  /** Fan-out directories known to exist (256 at most). */
  const made = new Set<string>();
  const pathOf = (blobId: string): string => {
    assertBlobId(blobId);
    return join(dir, blobId.slice(0, 2), blobId);
  };

  /** fsync(2) of a file or directory (a directory: the entries it holds, rename included). */
  const fsync = async (path: string): Promise<void> => {
    const h = await open(path, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  };

  return {
    kind: 'fs',
    async put(blobId: string, source: BlobSource): Promise<void> {
      const path = pathOf(blobId);
      const sub = blobId.slice(0, 2);
      if (!made.has(sub)) {
        await mkdir(join(dir, sub), { recursive: true });
        made.add(sub);
      }
      try {
        if (source.claim) await source.claim(path);
        else await pipeline(source.open(), createWriteStream(path, { flags: 'w', mode: 0o600 }));
        // Nothing is acknowledged before it is durable (MESH_BRIEF): the bytes, then the name.
        await fsync(path);
        await fsync(join(dir, sub));
      } catch (e) {
        await rm(path, { force: true });
        throw e;
      }
    },
    open(blobId: string, opts: { readonly size?: number } = {}): Readable {
      const { size } = opts;
      if (size === undefined || size === 0)
        return createReadStream(pathOf(blobId), { highWaterMark: READ_BYTES_UNSIZED });
      // `end`: the stream ends after the last byte, with no read to find the end of the file.
      return createReadStream(pathOf(blobId), {
        highWaterMark: Math.min(size, READ_BYTES),
        start: 0,
        end: size - 1,
      });
    },
    async delete(blobIds: readonly string[]): Promise<void> {
      await Promise.all(
        blobIds.map(async (id) => {
          const p = pathOf(id);
          await rm(p, { force: true });
          // Earlier versions wrote through `<id>.tmp`; an interrupted one may have left it.
          await rm(`${p}.tmp`, { force: true });
        }),
      );
    },
    async *list(olderThanMs: number): AsyncIterable<string> {
      const before = Date.now() - olderThanMs;
      for (const sub of await readdir(dir)) {
        if (!/^[0-9a-f]{2}$/.test(sub)) continue;
        for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
          const id = name.endsWith('.tmp') ? name.slice(0, -4) : name;
          const s = await stat(join(dir, sub, name)).catch(() => undefined);
          if (s && s.mtimeMs < before && /^[0-9a-f-]{36}$/.test(id)) yield id;
        }
      }
    },
  };
}
