import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AuditRecordSubmitted } from '@mesh/bus';
import { frame, parseSegment } from './spool.js';

const rec = (n: number): AuditRecordSubmitted => ({
  messageId: `00000000-0000-4000-8000-00000000000${n}`,
  xml: `<AuditMessage n="${n}">\n  line two é</AuditMessage>`,
  sourceId: 'src',
  receivedAt: '2026-11-25T20:00:00.000Z',
});

describe('spool framing', () => {
  it('round-trips records, newlines and non-ASCII included, one line each', () => {
    const buf = Buffer.concat([frame(rec(1)), frame(rec(2))]);
    expect(buf.toString('utf8').split('\n')).toHaveLength(3);
    expect(parseSegment(buf)).toEqual({ records: [rec(1), rec(2)], corrupt: 0 });
  });

  it('skips a record whose bytes changed (CRC) and keeps the ones around it', () => {
    const middle = frame(rec(2));
    middle[middle.length - 5]! ^= 0x01;
    const buf = Buffer.concat([frame(rec(1)), middle, frame(rec(3))]);
    expect(parseSegment(buf)).toEqual({ records: [rec(1), rec(3)], corrupt: 1 });
  });

  it('counts a torn last line and lines that are not records', () => {
    const full = frame(rec(1));
    const torn = full.subarray(0, 20);
    expect(parseSegment(Buffer.concat([full, torn]))).toEqual({ records: [rec(1)], corrupt: 1 });
    const json = Buffer.from('{"messageId":"x"}');
    const notRecord = Buffer.concat([
      Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} `),
      json,
      Buffer.from('\n'),
    ]);
    expect(parseSegment(Buffer.concat([notRecord, Buffer.from('garbage\n')]))).toEqual({
      records: [],
      corrupt: 2,
    });
  });
});
