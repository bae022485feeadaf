/**
 * Array parameters for the batch statements (`unnest($n::text[])`...), encoded for the driver
 * at hand. On PostgreSQL they are sent in the binary array format (array_send / array_recv,
 * PostgreSQL src/backend/utils/adt/arrayfuncs.c): node-postgres sends a Buffer parameter as
 * binary and the server reads it with the declared type's receive function, so neither side
 * escapes or parses 500 audit messages of quoted XML as an array literal. PGlite takes plain
 * arrays, which it serializes itself. Pure.
 */

/** Element type OIDs (pg_type.dat); array_recv refuses a mismatch. */
const OID = { int2: 21, int8: 20, text: 25, timestamptz: 1184 } as const;

/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

export interface ArrayParams {
  text(values: readonly (string | null)[]): unknown;
  int8(values: readonly number[]): unknown;
  int2(values: readonly number[]): unknown;
  /** Instants as Unix milliseconds. */
  timestamptz(values: readonly number[]): unknown;
}

/** Header: ndim, has-nulls flag, element type, then for the one dimension its size and lower bound. */
function header(buf: Buffer, oid: number, n: number, nulls: boolean): number {
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(nulls ? 1 : 0, 4);
  buf.writeUInt32BE(oid, 8);
  buf.writeInt32BE(n, 12);
  buf.writeInt32BE(1, 16);
  return 20;
}

function fixed(
  oid: number,
  width: 2 | 8,
  values: readonly number[],
  write: (buf: Buffer, v: number, at: number) => void,
): Buffer {
  const buf = Buffer.allocUnsafe(20 + values.length * (4 + width));
  let at = header(buf, oid, values.length, false);
  for (const v of values) {
    buf.writeInt32BE(width, at);
    write(buf, v, at + 4);
    at += 4 + width;
  }
  return buf;
}

/** A safe integer as int8: high and low 32 bits (no BigInt per value). */
function writeInt8(buf: Buffer, v: number, at: number): void {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}

function writeInt2(buf: Buffer, v: number, at: number): void {
  buf.writeInt16BE(v, at);
}

/** Microseconds since 2000-01-01 as int8 (integer datetimes, the only kind since PostgreSQL 10). */
function writeTimestamptz(buf: Buffer, ms: number, at: number): void {
  const us = (ms - PG_EPOCH_MS) * 1000;
  // Exact as a double for 1715..2285; outside that, BigInt (allocates, but such dates are rare).
  if (Number.isSafeInteger(us)) writeInt8(buf, us, at);
  else buf.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, at);
}

/** PostgreSQL binary arrays (node-postgres sends a Buffer parameter in binary format). */
export const BINARY_ARRAYS: ArrayParams = {
  text(values) {
    let size = 20;
    let nulls = false;
    for (const v of values) {
      size += 4;
      if (v === null) nulls = true;
      else size += Buffer.byteLength(v, 'utf8');
    }
    const buf = Buffer.allocUnsafe(size);
    let at = header(buf, OID.text, values.length, nulls);
    for (const v of values) {
      if (v === null) {
        buf.writeInt32BE(-1, at);
        at += 4;
        continue;
      }
      const len = buf.write(v, at + 4, 'utf8');
      buf.writeInt32BE(len, at);
      at += 4 + len;
    }
    return buf;
  },
  int8: (values) => fixed(OID.int8, 8, values, writeInt8),
  int2: (values) => fixed(OID.int2, 2, values, writeInt2),
  timestamptz: (values) => fixed(OID.timestamptz, 8, values, writeTimestamptz),
};

/** Plain arrays, for PGlite; instants as ISO 8601 text. */
export const PLAIN_ARRAYS: ArrayParams = {
  text: (values) => values,
  int8: (values) => values,
  int2: (values) => values,
  timestamptz: (values) => values.map((ms) => new Date(ms).toISOString()),
};
