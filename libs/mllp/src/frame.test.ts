import { describe, expect, it } from 'vitest';
import { MllpDecoder, encodeMllpFrame } from './frame.js';

const msg = (s: string): Buffer => Buffer.from(s, 'latin1');
const decoder = (maxFrameBytes = 1024, maxJunkBytes = 64) => new MllpDecoder({ maxFrameBytes, maxJunkBytes });
const texts = (frames: Buffer[]): string[] => frames.map((f) => f.toString('latin1'));

describe('MLLP frame codec', () => {
  it('encodes <SB> payload <EB><CR>', () => {
    expect([...encodeMllpFrame(msg('AB'))]).toEqual([0x0b, 0x41, 0x42, 0x1c, 0x0d]);
  });

  it('decodes a frame fed one byte at a time', () => {
    const d = decoder();
    const frame = encodeMllpFrame(msg('MSH|^~\\&|A\rPID|1||123\r'));
    const out: Buffer[] = [];
    for (const byte of frame) out.push(...d.push(Buffer.from([byte])));
    expect(texts(out)).toEqual(['MSH|^~\\&|A\rPID|1||123\r']);
    expect(d.inFrame).toBe(false);
    expect(d.discardedBytes).toBe(0);
  });

  it('decodes several frames in one chunk, in order, and keeps bytes as they are (no charset)', () => {
    const d = decoder();
    const latin1 = Buffer.from([0x4d, 0xe9, 0x6c]); // "Mél" in ISO-8859-1, invalid as UTF-8
    const chunk = Buffer.concat([
      encodeMllpFrame(msg('one')),
      encodeMllpFrame(latin1),
      encodeMllpFrame(msg('3')),
    ]);
    const out = d.push(chunk);
    expect(out).toHaveLength(3);
    expect(out[1]!.equals(latin1)).toBe(true);
    expect(texts([out[0]!, out[2]!])).toEqual(['one', '3']);
  });

  it('handles a trailer split between chunks', () => {
    const d = decoder();
    expect(d.push(Buffer.from([0x0b, 0x41, 0x1c]))).toHaveLength(1);
    expect(d.push(Buffer.from([0x0d, 0x0b, 0x42]))).toHaveLength(0);
    expect(texts(d.push(Buffer.from([0x1c, 0x0d])))).toEqual(['B']);
    expect(d.discardedBytes).toBe(0);
  });

  it('discards and counts bytes before a start block', () => {
    const d = decoder();
    const out = d.push(Buffer.concat([msg('junk\r\n'), encodeMllpFrame(msg('ok')), msg('\n')]));
    expect(texts(out)).toEqual(['ok']);
    expect(d.discardedBytes).toBe(7);
    expect(d.error).toBeUndefined();
  });

  it('ends a frame at an end block not followed by CR', () => {
    const d = decoder();
    const out = d.push(Buffer.from([0x0b, 0x41, 0x1c, 0x0b, 0x42, 0x1c, 0x0d]));
    expect(texts(out)).toEqual(['A', 'B']);
  });

  it('drops a partial frame when a new start block arrives inside it', () => {
    const d = decoder();
    const out = d.push(Buffer.concat([msg('\x0bhalf a mess'), encodeMllpFrame(msg('whole'))]));
    expect(texts(out)).toEqual(['whole']);
    expect(d.discardedBytes).toBe('half a mess'.length);
  });

  it('fails on a frame beyond maxFrameBytes, still returning the frames completed before it', () => {
    const d = decoder(10);
    const out = d.push(Buffer.concat([encodeMllpFrame(msg('0123456789')), msg('\x0b0123456789A')]));
    expect(texts(out)).toEqual(['0123456789']);
    expect(d.error).toMatchObject({ name: 'MllpFramingError', reason: 'frame-too-large', limit: 10 });
    expect(d.error!.message).not.toContain('0123');
    expect(d.push(encodeMllpFrame(msg('later')))).toEqual([]);
  });

  it('fails on an oversized frame arriving across many chunks without buffering past the limit', () => {
    const d = decoder(100);
    d.push(Buffer.from([0x0b]));
    for (let i = 0; i < 9; i++) d.push(Buffer.alloc(10, 0x41));
    expect(d.error).toBeUndefined();
    expect(d.bufferedBytes).toBe(90);
    d.push(Buffer.alloc(11, 0x41));
    expect(d.error?.reason).toBe('frame-too-large');
    expect(d.bufferedBytes).toBe(0);
  });

  it('fails when more than maxJunkBytes arrive outside any frame', () => {
    const d = decoder(1024, 64);
    d.push(Buffer.alloc(64, 0x41));
    expect(d.error).toBeUndefined();
    d.push(Buffer.alloc(1, 0x41));
    expect(d.error?.reason).toBe('too-much-junk');
  });

  it('counts the junk run from the last start block only', () => {
    const d = decoder(1024, 10);
    for (let i = 0; i < 5; i++) d.push(Buffer.concat([Buffer.alloc(8, 0x0a), encodeMllpFrame(msg('x'))]));
    expect(d.error).toBeUndefined();
    expect(d.discardedBytes).toBe(40);
  });
});
