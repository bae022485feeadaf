/**
 * Filesystem blob store: one file per blob under `dir/<2 hex>/<blob id>`. A spooled MTOM part is
 * renamed into place (no copy); a stream is written to a temp file, fsynced, then renamed, so a
 * blob file exists only complete.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { assertBlobId } from './blob-store.js';
import type { BlobSource, BlobStore } from './blob-store.js';

export async function createFsBlobStore(dir: string): Promise<BlobStore> {
  await mkdir(dir, { recursive: true });
  /** Fan-out directories known to exist (256 at most). */
  const made = new Set<string>();
  const pathOf = (blobId: string): string => {
    assertBlobId(blobId);
    return join(dir, blobId.slice(0, 2), blobId);
  };

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
      const tmp = `${path}.tmp`;
      try {
        if (source.claim) await source.claim(tmp);
        else await pipeline(source.open(), createWriteStream(tmp, { flags: 'w', mode: 0o600 }));
        // Nothing is acknowledged before it is durable (MESH_BRIEF).
        await fsync(tmp);
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    open(blobId: string): Readable {
      return createReadStream(pathOf(blobId));
    },
    async delete(blobIds: readonly string[]): Promise<void> {
      await Promise.all(
        blobIds.map(async (id) => {
          const p = pathOf(id);
          await rm(p, { force: true });
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
