/**
 * The binary array encoding read back by the layout PostgreSQL's array_recv expects
 * (ndim, flags, element type, size, lower bound, then length-prefixed elements).
 */
import { describe, expect, it } from 'vitest';
import { BINARY_ARRAYS, PLAIN_ARRAYS } from './array-params.js';

function read(buf: Buffer): { oid: number; flags: number; elements: (Buffer | null)[] } {
  expect(buf.readInt32BE(0)).toBe(1); // one dimension
  const n = buf.readInt32BE(12);
  expect(buf.readInt32BE(16)).toBe(1); // lower bound
  const elements: (Buffer | null)[] = [];
  let at = 20;
  for (let i = 0; i < n; i++) {
    const len = buf.readInt32BE(at);
    at += 4;
    elements.push(len < 0 ? null : buf.subarray(at, at + len));
    if (len > 0) at += len;
  }
  expect(at).toBe(buf.length);
  return { oid: buf.readUInt32BE(8), flags: buf.readInt32BE(4), elements };
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

describe('binary array parameters', () => {
  it('writes text as UTF-8 with NULLs flagged', () => {
    const a = read(BINARY_ARRAYS.text(['a', null, 'é€😀', '']) as Buffer);
    expect(a.oid).toBe(25);
    expect(a.flags).toBe(1);
    expect(a.elements.map((e) => e?.toString('utf8') ?? null)).toEqual(['a', null, 'é€😀', '']);
    expect(read(BINARY_ARRAYS.text(['x']) as Buffer).flags).toBe(0);
  });

  it('writes int8 and int2 big-endian, negative values included', () => {
    const big = read(BINARY_ARRAYS.int8([0, 1, 2 ** 40 + 7, -5, Number.MAX_SAFE_INTEGER]) as Buffer);
    expect(big.oid).toBe(20);
    expect(big.elements.map((e) => e!.readBigInt64BE(0))).toEqual([
      0n,
      1n,
      2n ** 40n + 7n,
      -5n,
      BigInt(Number.MAX_SAFE_INTEGER),
    ]);
    const small = read(BINARY_ARRAYS.int2([0, 12, -1]) as Buffer);
    expect(small.oid).toBe(21);
    expect(small.elements.map((e) => e!.readInt16BE(0))).toEqual([0, 12, -1]);
  });

  it('writes timestamptz as microseconds since 2000-01-01, from year 1 to 9999', () => {
    const times = [
      Date.UTC(2026, 10, 26, 1, 2, 3, 456),
      PG_EPOCH_MS,
      Date.UTC(1650, 0, 1),
      Date.UTC(1, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    const a = read(BINARY_ARRAYS.timestamptz(times) as Buffer);
    expect(a.oid).toBe(1184);
    expect(a.elements.map((e) => e!.readBigInt64BE(0))).toEqual(
      times.map((ms) => BigInt(ms - PG_EPOCH_MS) * 1000n),
    );
  });

  it('hands PGlite plain arrays, instants as ISO 8601', () => {
    expect(PLAIN_ARRAYS.text(['a', null])).toEqual(['a', null]);
    expect(PLAIN_ARRAYS.timestamptz([PG_EPOCH_MS])).toEqual(['2000-01-01T00:00:00.000Z']);
  });
});
