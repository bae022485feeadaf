import { describe, expect, it } from 'vitest';
import { BinaryCopyReader, COPY_HEADER, COPY_TRAILER, copyRowHead } from './pg-copy.js';

/** A binary COPY stream of (text, int4, bytea) rows, as the blob store writes it. */
function encode(rows: readonly [string, number, Buffer][]): Buffer {
  const parts: Buffer[] = [COPY_HEADER];
  for (const [t, n, data] of rows) parts.push(copyRowHead([Buffer.from(t), n], data.length), data);
  parts.push(COPY_TRAILER);
  return Buffer.concat(parts);
}

/** Feeds `bytes` in pieces of `step` bytes. */
function read(bytes: Buffer, step: number): (Buffer | null)[][] {
  const r = new BinaryCopyReader();
  for (let i = 0; i < bytes.length; i += step) r.push(bytes.subarray(i, i + step));
  return r.end();
}

describe('binary COPY format', () => {
  const rows: [string, number, Buffer][] = [
    ['0b4f3a2e-1c1d-4e5f-8a9b-0c1d2e3f4a5b', 0, Buffer.from('hello world')],
    ['0b4f3a2e-1c1d-4e5f-8a9b-0c1d2e3f4a5b', 1, Buffer.alloc(0)],
    ['x', -7, Buffer.alloc(1000, 0xab)],
  ];
  const bytes = encode(rows);

  it('reads back what copyRowHead wrote, however the stream is cut', () => {
    for (const step of [1, 2, 3, 5, 19, 64, bytes.length]) {
      const out = read(bytes, step);
      expect(out.map(([t, n, d]) => [t?.toString(), n?.readInt32BE(0), d])).toEqual(rows);
    }
  });

  it('gives each field its own copy (the driver reuses its receive buffer)', () => {
    const copy = Buffer.from(bytes);
    const r = new BinaryCopyReader();
    r.push(copy);
    copy.fill(0);
    expect(r.end()[0]?.[2]?.toString()).toBe('hello world');
  });

  it('reads NULL fields and skips a header extension', () => {
    const head = Buffer.from(COPY_HEADER);
    head.writeUInt32BE(3, 15);
    const row = Buffer.from([0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x41]);
    const out = read(Buffer.concat([head, Buffer.from('ext'), row, COPY_TRAILER]), 4);
    expect(out).toEqual([[null, Buffer.from('A')]]);
  });

  it('refuses a bad signature, OIDs, data after the trailer and a truncated stream', () => {
    const bad = Buffer.from(bytes);
    bad[0] = 0x51;
    expect(() => read(bad, 64)).toThrow('bad signature');
    const oids = Buffer.from(bytes);
    oids.writeUInt32BE(1 << 16, 11);
    expect(() => read(oids, 64)).toThrow('unsupported flags');
    expect(() => read(Buffer.concat([bytes, Buffer.from([0])]), 64)).toThrow('after the trailer');
    expect(() => read(bytes.subarray(0, bytes.length - 2), 64)).toThrow('truncated');
    expect(() => read(bytes.subarray(0, 40), 7)).toThrow('truncated');
  });
});
