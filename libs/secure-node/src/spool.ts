/**
 * The disk spool of the Secure Node: an append-only log of audit records that could not
 * be handed to the bus, kept until the bus acknowledged them.
 *
 * Layout: segment files `<16-digit id>.spool` in one directory, drained oldest first. A
 * record is one line, `<crc32 as 8 hex> <JSON>\n`; the JSON never contains a raw newline,
 * so a torn write (crash mid-append) leaves at most one bad line at a segment's end, which
 * the CRC or the missing newline exposes. Every process appends to a NEW segment (never to
 * one an earlier process may have left torn), and a failed write seals the segment too.
 * Appends are group-committed: every record waiting when a write starts shares one
 * write + fsync, and `append` resolves only after that fsync.
 */
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { AuditRecordSubmitted } from '@mesh/bus';

/** Thrown by `append` when the spool has reached its size bound. */
export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`audit spool is full (${limitBytes} bytes); records are refused until the bus is back`);
    this.limitBytes = limitBytes;
  }
}

export interface Segment {
  readonly id: number;
  readonly path: string;
  /** Bytes on disk (valid and corrupt). */
  bytes: number;
  /** Valid records written to it. */
  records: number;
  /** Records of it the drainer got acknowledged. */
  acked: number;
  /** Still the append target of this process. */
  open: boolean;
}

export interface ReadSegment {
  readonly records: AuditRecordSubmitted[];
  /** Lines that failed the CRC, JSON or shape check, or a torn last line. */
  readonly corrupt: number;
}

const SUFFIX = '.spool';

export function frame(record: AuditRecordSubmitted): Buffer {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const crc = crc32(json).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${crc} `, 'ascii'), json, Buffer.from('\n', 'ascii')]);
}

function isRecord(x: unknown): x is AuditRecordSubmitted {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.messageId === 'string' &&
    typeof r.xml === 'string' &&
    typeof r.sourceId === 'string' &&
    typeof r.receivedAt === 'string'
  );
}

/** Parses a segment's bytes into its valid records, counting the bad lines. */
export function parseSegment(buf: Buffer): ReadSegment {
  const records: AuditRecordSubmitted[] = [];
  let corrupt = 0;
  let start = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) {
      corrupt++; // torn last line: no newline was written
      break;
    }
    const line = buf.subarray(start, nl);
    start = nl + 1;
    const json = line.subarray(9);
    const crc = line.subarray(0, 8).toString('ascii');
    if (line.length < 10 || line[8] !== 0x20 || crc32(json).toString(16).padStart(8, '0') !== crc) {
      corrupt++;
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(json.toString('utf8'));
      if (isRecord(parsed)) records.push(parsed);
      else corrupt++;
    } catch {
      corrupt++;
    }
  }
  return { records, corrupt };
}

interface Waiting {
  readonly data: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  /** Oldest first. */
  readonly segments: Segment[] = [];
  private nextId = 1;
  private fd: FileHandle | undefined;
  private totalBytes = 0;
  private queue: Waiting[] = [];
  private chain: Promise<void> = Promise.resolve();

  private constructor(dir: string, maxBytes: number, segmentBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
  }

  /** Opens (creating) the spool directory and indexes what an earlier process left. */
  static async open(opts: { dir: string; maxBytes: number; segmentBytes: number }): Promise<{
    spool: Spool;
    corrupt: number;
  }> {
    await mkdir(opts.dir, { recursive: true });
    const spool = new Spool(opts.dir, opts.maxBytes, opts.segmentBytes);
    let corrupt = 0;
    const ids = (await readdir(opts.dir))
      .filter((f) => /^\d{16}\.spool$/.test(f))
      .map((f) => Number(f.slice(0, 16)))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const path = spool.pathOf(id);
      const buf = await readFile(path);
      const read = parseSegment(buf);
      corrupt += read.corrupt;
      spool.totalBytes += buf.length;
      spool.segments.push({
        id,
        path,
        bytes: buf.length,
        records: read.records.length,
        acked: 0,
        open: false,
      });
      spool.nextId = id + 1;
    }
    return { spool, corrupt };
  }

  private pathOf(id: number): string {
    return join(this.dir, `${String(id).padStart(16, '0')}${SUFFIX}`);
  }

  /** Records written and not yet acknowledged. */
  pending(): number {
    return this.segments.reduce((n, s) => n + s.records - s.acked, 0);
  }

  bytes(): number {
    return this.totalBytes;
  }

  /** Appends a record; resolves once it is on disk (fsynced). Throws SpoolFullError at the bound. */
  append(record: AuditRecordSubmitted): Promise<void> {
    const data = frame(record);
    if (this.totalBytes + data.length > this.maxBytes)
      return Promise.reject(new SpoolFullError(this.maxBytes));
    this.totalBytes += data.length; // reserved now so concurrent appends respect the bound
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (this.queue.length === 1) void this.serial(() => this.writeQueued());
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeQueued(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const data = Buffer.concat(batch.map((w) => w.data));
    try {
      const seg = await this.target();
      let off = 0;
      while (off < data.length) off += (await this.fd!.write(data, off, data.length - off)).bytesWritten;
      await this.fd!.sync();
      seg.bytes += data.length;
      seg.records += batch.length;
      if (seg.bytes >= this.segmentBytes) await this.closeCurrent();
      for (const w of batch) w.resolve();
    } catch (err) {
      this.totalBytes -= data.length;
      // The segment may now end in a partial record: never append after it.
      await this.closeCurrent().catch(() => undefined);
      for (const w of batch) w.reject(err);
    }
  }

  private async target(): Promise<Segment> {
    const last = this.segments[this.segments.length - 1];
    if (this.fd && last?.open) return last;
    const id = this.nextId++;
    const seg: Segment = { id, path: this.pathOf(id), bytes: 0, records: 0, acked: 0, open: true };
    this.fd = await open(seg.path, 'wx');
    // Make the new directory entry itself durable, not only the file's bytes.
    const dirFd = await open(this.dir, 'r');
    try {
      await dirFd.sync();
    } finally {
      await dirFd.close();
    }
    this.segments.push(seg);
    return seg;
  }

  private async closeCurrent(): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    if (last) last.open = false;
    const fd = this.fd;
    this.fd = undefined;
    await fd?.close();
  }

  /** Stops appending to the current segment so the drainer can read and remove it. */
  seal(): Promise<void> {
    return this.serial(() => this.closeCurrent());
  }

  async read(seg: Segment): Promise<ReadSegment> {
    return parseSegment(await readFile(seg.path));
  }

  /** Removes a fully acknowledged (and sealed) segment. */
  async remove(seg: Segment): Promise<void> {
    await rm(seg.path, { force: true });
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
    this.totalBytes -= seg.bytes;
  }

  /** Waits for queued appends and closes the current segment. */
  close(): Promise<void> {
    return this.serial(() => this.closeCurrent());
  }
}
