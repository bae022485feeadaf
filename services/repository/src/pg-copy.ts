/**
 * Binary COPY for the pg blob store (ADR 0011), on a small pg pool of the repository's own.
 *
 * Why: node-postgres 8 decodes every DataRow field as text, so a bytea column arrives as hex
 * (twice its size on the wire, encoded by PostgreSQL and decoded here: about 5.5 ms of CPU per MB
 * in this process), and its binary result format does not carry bytea intact. CopyData messages,
 * however, reach a query object as raw bytes: `COPY (SELECT ...) TO STDOUT (FORMAT binary)` reads
 * chunks as they are stored, and `COPY ... FROM STDIN (FORMAT binary)` writes them without
 * serializing each chunk into a Bind message (measured: about 1 ms of CPU per MB read, 0.6 per MB
 * written, against 5.5 and 1.3-1.8 with statements). `@mesh/db` does not expose a connection, so
 * the store opens this pool from the same settings (DATABASE_URL, DATABASE_PASSWORD_FILE, the
 * service's schema as search_path).
 *
 * COPY takes no parameters (PostgreSQL's COPY grammar), so a caller puts its values in the text:
 * the blob store only ever puts a blob id there, which `assertBlobId` restricts to a UUID.
 */
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { assertSchemaName } from '@mesh/db';

/** The part of a node-postgres connection a COPY needs: its socket. */
interface CopyConnection {
  readonly stream: Duplex;
}

/** Runs binary COPY statements on a pool of its own. */
export interface PgCopy {
  /**
   * Runs `COPY (query) TO STDOUT (FORMAT binary)` and returns its rows, each field as its bytes
   * (null for NULL). The rows are held whole: the query bounds them (LIMIT).
   */
  copyOut(sql: string): Promise<(Buffer | null)[][]>;
  /**
   * Runs `COPY table (columns) FROM STDIN (FORMAT binary)` with the bytes of `source`, which must
   * be the binary COPY format (see {@link COPY_HEADER}, {@link copyRowHead}, {@link COPY_TRAILER}).
   * All or nothing: if `source` throws, the COPY is failed (CopyFail), nothing is inserted and
   * the source's error is thrown.
   */
  copyIn(sql: string, source: AsyncIterable<Buffer>): Promise<void>;
  close(): Promise<void>;
}

export interface PgCopyOptions {
  /** `postgres://...` (DATABASE_URL). */
  readonly url: string;
  /** DATABASE_PASSWORD_FILE; overrides a password in `url`. */
  readonly passwordFile?: string;
  /** The service's schema: unqualified table names resolve there. */
  readonly schema: string;
  readonly poolSize?: number;
  /** Server-side statement_timeout (default 30 s, as `@mesh/db`). */
  readonly statementTimeoutMs?: number;
  /** Idle connection failures (the pool drops the connection and opens another on demand). */
  readonly onIdleError?: (err: Error) => void;
}

export function createPgCopy(opts: PgCopyOptions): PgCopy {
  assertSchemaName(opts.schema);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 8,
    application_name: `mesh-${opts.schema}-blobs`,
    connectionTimeoutMillis: 10_000,
    // A validated identifier ([a-z0-9_]): no escaping needed in the startup options.
    options: `-c search_path=${opts.schema}`,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    ...(opts.passwordFile === undefined
      ? {}
      : { password: readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '') }),
  });
  pool.on('error', (err) => opts.onIdleError?.(err));

  /** Runs one COPY on a pooled connection; a connection that failed (not the statement) is dropped. */
  const run = async <T>(
    make: (done: (err: Error | undefined, value?: T) => void) => pg.Submittable,
  ): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      return await new Promise<T>((resolve, reject) => {
        client.query(
          make((err, value) => {
            if (err) {
              broken = !(err instanceof pg.DatabaseError) && !(err instanceof CopySourceError);
              reject(err instanceof CopySourceError ? err.cause : err);
            } else resolve(value as T);
          }),
        );
      });
    } finally {
      client.release(broken);
    }
  };

  return {
    copyOut: (sql) => run((done) => new CopyOut(sql, done)),
    copyIn: (sql, source) => run<void>((done) => new CopyIn(sql, source, done)),
    close: () => pool.end(),
  };
}

/** The 11-byte signature, the flags (no OIDs) and an empty header extension (PostgreSQL COPY, "Binary Format"). */
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The file trailer: a field count of -1. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/**
 * The bytes of a binary COPY row up to the content of its last field: the field count, then each
 * of `fields` (a Buffer: the field's binary value, e.g. a text's UTF-8; a number: an int4), then
 * the length of the last field, whose `lastBytes` bytes the caller sends next.
 */
export function copyRowHead(fields: readonly (Buffer | number)[], lastBytes: number): Buffer {
  let size = 2 + 4;
  for (const f of fields) size += 4 + (typeof f === 'number' ? 4 : f.length);
  const b = Buffer.allocUnsafe(size);
  let at = b.writeInt16BE(fields.length + 1, 0);
  for (const f of fields) {
    if (typeof f === 'number') {
      at = b.writeInt32BE(4, at);
      at = b.writeInt32BE(f, at);
    } else {
      at = b.writeInt32BE(f.length, at);
      at += f.copy(b, at);
    }
  }
  b.writeInt32BE(lastBytes, at);
  return b;
}

/**
 * Reads the binary COPY format from chunks cut anywhere (CopyData message bounds need not be row
 * bounds). Each field is copied once into a Buffer of its own: the chunks are views of the
 * driver's receive buffer, which it reuses once the message is handled.
 */
export class BinaryCopyReader {
  readonly rows: (Buffer | null)[][] = [];
  private state: 'header' | 'extension' | 'count' | 'length' | 'field' | 'done' = 'header';
  /** The fixed-size item being read (header, field count, field length). */
  private readonly item = Buffer.alloc(COPY_HEADER.length);
  private have = 0;
  private need = COPY_HEADER.length;
  private skip = 0;
  private fieldsLeft = 0;
  private row: (Buffer | null)[] = [];
  private field = Buffer.alloc(0);
  private fieldAt = 0;

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'field') {
        const n = Math.min(chunk.length - i, this.field.length - this.fieldAt);
        chunk.copy(this.field, this.fieldAt, i, i + n);
        this.fieldAt += n;
        i += n;
        if (this.fieldAt === this.field.length) this.endField(this.field);
      } else if (this.state === 'extension') {
        const n = Math.min(chunk.length - i, this.skip);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.expect('count', 2);
      } else if (this.state === 'done') {
        throw new Error('binary COPY: data after the trailer');
      } else {
        const n = Math.min(chunk.length - i, this.need - this.have);
        chunk.copy(this.item, this.have, i, i + n);
        this.have += n;
        i += n;
        if (this.have === this.need) this.readItem();
      }
    }
  }

  /** Throws unless the trailer was read. */
  end(): (Buffer | null)[][] {
    if (this.state !== 'done') throw new Error('binary COPY: truncated (no trailer)');
    return this.rows;
  }

  private expect(state: 'count' | 'length', bytes: number): void {
    this.state = state;
    this.need = bytes;
    this.have = 0;
  }

  private readItem(): void {
    const b = this.item;
    switch (this.state) {
      case 'header': {
        if (!b.subarray(0, 11).equals(COPY_HEADER.subarray(0, 11)))
          throw new Error('binary COPY: bad signature');
        // Bit 16: OIDs included; the other high bits must be zero (critical flags).
        if ((b.readUInt32BE(11) & 0xffff0000) !== 0) throw new Error('binary COPY: unsupported flags');
        this.skip = b.readUInt32BE(15);
        if (this.skip > 0) this.state = 'extension';
        else this.expect('count', 2);
        return;
      }
      case 'count': {
        const count = b.readInt16BE(0);
        if (count === -1) {
          this.state = 'done';
          return;
        }
        if (count <= 0) throw new Error(`binary COPY: bad field count ${count}`);
        this.fieldsLeft = count;
        this.row = [];
        this.expect('length', 4);
        return;
      }
      case 'length': {
        const length = b.readInt32BE(0);
        if (length === -1) this.endField(null);
        else if (length < 0) throw new Error(`binary COPY: bad field length ${length}`);
        else {
          this.field = Buffer.allocUnsafe(length);
          this.fieldAt = 0;
          this.state = 'field';
          if (length === 0) this.endField(this.field);
        }
        return;
      }
      case 'extension':
      case 'field':
      case 'done':
        throw new Error(`binary COPY: unexpected state ${this.state}`);
    }
  }

  private endField(value: Buffer | null): void {
    this.row.push(value);
    if (--this.fieldsLeft === 0) {
      this.rows.push(this.row);
      this.expect('count', 2);
    } else this.expect('length', 4);
  }
}

/** The source of a COPY FROM failed: the COPY was failed on purpose, the connection is sound. */
class CopySourceError extends Error {
  constructor(override readonly cause: Error) {
    super('COPY source failed', { cause });
  }
}

/**
 * The query-object protocol of node-postgres (`Submittable`): after `submit`, the client calls
 * the handle* methods for the backend's messages of this statement, then `handleReadyForQuery`,
 * or `handleError` instead when the statement or the connection failed.
 */
abstract class CopyQuery<T> implements pg.Submittable {
  private settled = false;
  protected error: Error | undefined;

  constructor(
    private readonly text: string,
    private readonly done: (err: Error | undefined, value?: T) => void,
  ) {}

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  protected finish(err: Error | undefined, value?: T): void {
    if (this.settled) return;
    this.settled = true;
    void this.idle().then(() => this.done(err, value));
  }

  /** Settles when the query no longer writes to the connection (released only then). */
  protected idle(): Promise<void> {
    return Promise.resolve();
  }

  /** The value of a statement that succeeded. */
  protected abstract result(): T;

  handleError(err: Error): void {
    this.error ??= err;
    // The client passes the ReadyForQuery after a backend error to no query (nor anything
    // after a connection failure): this is the end of the statement.
    this.finish(this.error);
  }

  handleReadyForQuery(): void {
    if (this.error) return this.finish(this.error);
    let value: T;
    try {
      value = this.result();
    } catch (e) {
      return this.finish(e as Error);
    }
    this.finish(undefined, value);
  }

  handleCopyData(_msg: { chunk: Buffer }): void {}
  handleCopyInResponse(connection: CopyConnection): void {
    // Not a COPY FROM: end the copy-in mode the backend entered.
    connection.stream.write(copyFail('unexpected COPY FROM STDIN'));
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

class CopyOut extends CopyQuery<(Buffer | null)[][]> {
  private readonly reader = new BinaryCopyReader();

  override handleCopyData(msg: { chunk: Buffer }): void {
    if (this.error) return;
    try {
      this.reader.push(msg.chunk);
    } catch (e) {
      this.error = e as Error;
    }
  }

  protected result(): (Buffer | null)[][] {
    return this.reader.end();
  }
}

class CopyIn extends CopyQuery<void> {
  private pumping: Promise<void> = Promise.resolve();

  constructor(
    text: string,
    private readonly source: AsyncIterable<Buffer>,
    done: (err: Error | undefined) => void,
  ) {
    super(text, done);
  }

  protected override idle(): Promise<void> {
    return this.pumping;
  }

  override handleCopyInResponse(connection: CopyConnection): void {
    this.pumping = this.pump(connection.stream);
  }

  protected result(): void {}

  private async pump(stream: Duplex): Promise<void> {
    try {
      for await (const b of this.source) {
        // The backend failed the COPY (it ignores CopyData from now on) or the connection died.
        if (this.error || stream.destroyed) return;
        if (b.length === 0) continue;
        const frame = Buffer.allocUnsafe(5);
        frame[0] = 0x64; // CopyData
        frame.writeUInt32BE(b.length + 4, 1);
        // Corked: the frame and its content leave in one writev, not two system calls.
        stream.cork();
        stream.write(frame);
        const more = stream.write(b);
        stream.uncork();
        if (!more) await drained(stream);
      }
      if (!this.error) stream.write(COPY_DONE);
    } catch (e) {
      // The backend answers CopyFail with an ErrorResponse; the caller gets the source's error.
      const cause = e instanceof Error ? e : new Error(String(e));
      this.error = new CopySourceError(cause);
      if (!stream.destroyed) stream.write(copyFail(cause.message));
    }
  }
}

const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

function copyFail(message: string): Buffer {
  const text = Buffer.from(`${message.replace(/\0/g, ' ')}\0`, 'utf8');
  const b = Buffer.allocUnsafe(5 + text.length);
  b[0] = 0x66; // CopyFail
  b.writeUInt32BE(4 + text.length, 1);
  text.copy(b, 5);
  return b;
}

/** Resolves when `stream` can take more, or is closed (the caller then sees it destroyed). */
function drained(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const go = (): void => {
      stream.off('drain', go);
      stream.off('close', go);
      resolve();
    };
    stream.on('drain', go);
    stream.on('close', go);
  });
}
