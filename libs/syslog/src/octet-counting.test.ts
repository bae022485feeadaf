import { describe, expect, it } from 'vitest';
import { OctetCountingDecoder, encodeOctetCountingFrame } from './octet-counting.js';

const decoder = (maxMessageBytes = 1000) => new OctetCountingDecoder({ maxMessageBytes });
const texts = (frames: Buffer[]) => frames.map((f) => f.toString('utf8'));

describe('RFC 5425 octet-counting framing', () => {
  it('prefixes the length in octets, not characters', () => {
    expect(encodeOctetCountingFrame('é').toString('latin1')).toBe('2 \xc3\xa9');
  });

  it('decodes frames split byte by byte', () => {
    const d = decoder();
    const wire = Buffer.concat([
      encodeOctetCountingFrame('<13>1 - - - - - - first'),
      encodeOctetCountingFrame('second'),
    ]);
    const out: Buffer[] = [];
    for (const byte of wire) out.push(...d.push(Buffer.from([byte])));
    expect(texts(out)).toEqual(['<13>1 - - - - - - first', 'second']);
    expect(d.atBoundary).toBe(true);
  });

  it('decodes many frames coalesced in one chunk and a frame straddling two chunks', () => {
    const d = decoder();
    const frames = Array.from({ length: 50 }, (_, i) => `message ${i} ${'x'.repeat(i)}`);
    const wire = Buffer.concat(frames.map((f) => encodeOctetCountingFrame(f)));
    const cut = Math.floor(wire.length / 2) + 3;
    const out = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    expect(texts(out)).toEqual(frames);
  });

  it('accepts a message of exactly maxMessageBytes and refuses one octet more before buffering it', () => {
    expect(texts(decoder(5).push(Buffer.from('5 abcde')))).toEqual(['abcde']);
    const d = decoder(5);
    expect(d.push(Buffer.from('6 '))).toEqual([]);
    expect(d.error?.reason).toBe('message-too-large');
  });

  it('refuses a huge length as soon as its digits exceed the limit', () => {
    const d = decoder(1000);
    d.push(Buffer.from('99999'));
    expect(d.error?.reason).toBe('message-too-large');
  });

  it.each([
    ['a leading zero', '05 abcde'],
    ['a zero length', '0 '],
    ['no length', ' abc'],
    ['LF-terminated (non-transparent) framing', '<13>1 - - - - - - x\n'],
    ['a missing SP', '5abcde'],
  ])('refuses %s as malformed-length', (_, wire) => {
    const d = decoder();
    d.push(Buffer.from(wire));
    expect(d.error?.reason).toBe('malformed-length');
  });

  it('returns the frames completed before a framing error, then nothing more', () => {
    const d = decoder();
    const out = d.push(Buffer.concat([encodeOctetCountingFrame('ok'), Buffer.from('\n3 abc')]));
    expect(texts(out)).toEqual(['ok']);
    expect(d.error?.reason).toBe('malformed-length');
    expect(d.push(encodeOctetCountingFrame('later'))).toEqual([]);
  });
});
