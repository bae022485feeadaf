/**
 * Attachments of a received message and their temp-file lifecycle.
 *
 * Ownership is explicit: every temp file belongs to a {@link Spool}, which deletes all of them
 * when the exchange is over (the endpoint disposes it after the reply is sent or the request is
 * aborted; the client's caller calls `dispose()`). A handler that wants to keep an attachment
 * calls {@link Attachment.claim} with a destination: the file is renamed there (copied across
 * devices) and from then on belongs to the handler. Nothing else outlives the request.
 */
import { createReadStream } from 'node:fs';
import { copyFile, open, rename, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** One MIME part of a multipart/related message other than the SOAP envelope (XOP, RFC 2387). */
export interface Attachment {
  /** Content-ID without the angle brackets. */
  readonly contentId: string;
  readonly contentType: string;
  /** Decoded size in bytes. */
  readonly size: number;
  /**
   * The first bytes of the content (up to {@link ATTACHMENT_HEAD_BYTES}), kept in memory while
   * receiving so that a handler can sniff the content (is it a CDA?) without reading a spool file.
   */
  readonly head: Buffer;
  /** SHA-1 of the decoded content, lower-case hex (DocumentEntry.hash, ITI TF-3 4.2.3.2). */
  readonly sha1: string;
  /** The temp file while spooled (large parts), the claimed destination after claim(); else undefined. */
  readonly path: string | undefined;
  /** True once claim() has moved the content out of the spool. */
  readonly claimed: boolean;
  /**
   * A fresh stream of the content; may be called several times. `highWaterMark`: the size of
   * the pieces read from a spool file (default 64 KB), e.g. a store's chunk size, so that the
   * pieces need not be cut and glued again.
   */
  open(opts?: { readonly highWaterMark?: number }): Readable;
  /** The whole content in memory. For small parts; large ones should be streamed with open(). */
  bytes(): Promise<Buffer>;
  /**
   * Takes ownership of the content: moves (renames) the temp file to `destination`, or writes
   * the in-memory content there. The spool will no longer delete it. Call at most once.
   */
  claim(destination: string): Promise<void>;
}

/** How many leading bytes of each received attachment {@link Attachment.head} keeps. */
export const ATTACHMENT_HEAD_BYTES = 4096;

/** Owner of a message's temp files. */
export class Spool {
  private readonly files = new Set<string>();
  private disposed = false;

  constructor(readonly dir: string) {}

  /** Creates a new exclusive temp file (mode 0600) and tracks it. */
  async create(): Promise<{ path: string; handle: FileHandle }> {
    if (this.disposed) throw new Error('spool already disposed');
    const path = join(this.dir, `soap-${randomUUID()}.part`);
    this.files.add(path);
    const handle = await open(path, 'wx', 0o600);
    return { path, handle };
  }

  /** Stops tracking a file (it was claimed). */
  release(path: string): void {
    this.files.delete(path);
  }

  /** Deletes every temp file still owned. Idempotent; never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const paths = [...this.files];
    this.files.clear();
    await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)));
  }

  /** Number of temp files currently owned (for tests and metrics). */
  get size(): number {
    return this.files.size;
  }
}

/** An attachment whose content is in memory or in a spool file. */
export class ReceivedAttachment implements Attachment {
  private location: { kind: 'memory'; data: Buffer } | { kind: 'file'; path: string };
  private claimedFlag = false;

  constructor(
    readonly contentId: string,
    readonly contentType: string,
    readonly size: number,
    readonly sha1: string,
    content: { kind: 'memory'; data: Buffer } | { kind: 'file'; path: string; head: Buffer },
    private readonly spool: Spool,
  ) {
    this.location = content.kind === 'memory' ? content : { kind: 'file', path: content.path };
    this.head = content.kind === 'memory' ? content.data.subarray(0, ATTACHMENT_HEAD_BYTES) : content.head;
  }

  readonly head: Buffer;

  get path(): string | undefined {
    return this.location.kind === 'file' ? this.location.path : undefined;
  }

  get claimed(): boolean {
    return this.claimedFlag;
  }

  open(opts: { readonly highWaterMark?: number } = {}): Readable {
    return this.location.kind === 'memory'
      ? Readable.from([this.location.data], { objectMode: false })
      : createReadStream(this.location.path, opts.highWaterMark ? { highWaterMark: opts.highWaterMark } : {});
  }

  async bytes(): Promise<Buffer> {
    if (this.location.kind === 'memory') return this.location.data;
    const chunks: Buffer[] = [];
    for await (const c of this.open()) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async claim(destination: string): Promise<void> {
    if (this.claimedFlag) throw new Error(`attachment ${this.contentId} already claimed`);
    if (this.location.kind === 'memory') {
      await writeFile(destination, this.location.data, { flag: 'wx', mode: 0o600 });
    } else {
      const from = this.location.path;
      try {
        await rename(from, destination);
      } catch (e) {
        // rename(2) cannot cross file systems: copy, then drop the temp file.
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await copyFile(from, destination);
        await rm(from, { force: true });
      }
      this.spool.release(from);
    }
    this.location = { kind: 'file', path: destination };
    this.claimedFlag = true;
  }
}
