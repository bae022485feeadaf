/**
 * MSH-18 character sets at the byte level (HL7 v2.5 2.15.9.18, table 0211). The mesh accepts
 * ASCII (MSH-18 empty or `ASCII`), ISO-8859-1 (`8859/1`) and UTF-8 (`UNICODE UTF-8`); MSH
 * up to MSH-18 is ASCII in all three, so the declaration is read from the bytes before the
 * message is decoded.
 */

/** The MSH-18 values the mesh supports. */
export type Hl7Charset = 'ASCII' | '8859/1' | 'UNICODE UTF-8';

export const SUPPORTED_CHARSETS: readonly Hl7Charset[] = ['ASCII', '8859/1', 'UNICODE UTF-8'];

/** Why bytes could not be decoded. */
export class Hl7CharsetError extends Error {
  override readonly name = 'Hl7CharsetError';
  constructor(
    readonly reason: 'unsupported-charset' | 'invalid-bytes',
    message: string,
    readonly charset?: string,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Reads MSH-18 from the raw bytes of a message (first segment only, component 1 of the first
 * repetition). Returns '' when MSH-18 is empty or the message does not start with MSH.
 */
export function declaredCharset(bytes: Uint8Array): string {
  if (bytes.length < 8 || bytes[0] !== 0x4d || bytes[1] !== 0x53 || bytes[2] !== 0x48) return '';
  const fs = bytes[3] as number;
  const cs = bytes[4] as number;
  const rs = bytes[5] as number;
  let field = 1; // byte 3 is MSH-1 itself; MSH-2 starts at byte 4
  let start = -1;
  for (let i = 3; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x0d || b === 0x0a) break;
    if (b === fs) {
      if (start >= 0) return ascii(bytes.subarray(start, i));
      field++;
      if (field === 18) start = i + 1;
    } else if (start >= 0 && (b === cs || b === rs)) {
      return ascii(bytes.subarray(start, i));
    }
  }
  return start >= 0 ? ascii(bytes.subarray(start, lineEnd(bytes, start))) : '';
}

function lineEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) if (bytes[i] === 0x0d || bytes[i] === 0x0a) return i;
  return bytes.length;
}

function ascii(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s.trim();
}

/** Maps an MSH-18 value to a supported charset, or undefined. Empty means ASCII (HL7 default). */
export function normaliseCharset(value: string): Hl7Charset | undefined {
  const v = value.trim().toUpperCase();
  if (v === '' || v === 'ASCII') return 'ASCII';
  if (v === '8859/1') return '8859/1';
  if (v === 'UNICODE UTF-8') return 'UNICODE UTF-8';
  return undefined;
}

/**
 * Decodes message bytes per MSH-18. ASCII messages with bytes above 0x7F are read as
 * ISO-8859-1 (a superset) rather than rejected: many senders leave MSH-18 empty and send
 * Latin-1. Invalid UTF-8 under `UNICODE UTF-8` is an error.
 */
export function decodeHl7(bytes: Uint8Array): { text: string; charset: Hl7Charset } {
  const declared = declaredCharset(bytes);
  const charset = normaliseCharset(declared);
  if (charset === undefined)
    throw new Hl7CharsetError(
      'unsupported-charset',
      `MSH-18 character set '${declared}' is not supported`,
      declared,
    );
  if (charset === 'UNICODE UTF-8') {
    try {
      return { text: utf8.decode(bytes), charset };
    } catch {
      throw new Hl7CharsetError(
        'invalid-bytes',
        'message bytes are not valid UTF-8 as MSH-18 declares',
        declared,
      );
    }
  }
  // Latin-1: every byte is the code point of the same value.
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), charset };
}

/**
 * Encodes text per charset. Characters outside ISO-8859-1 become '?'. 'ASCII' is written
 * byte-preserving like ISO-8859-1, mirroring {@link decodeHl7}: a message that arrived with
 * Latin-1 bytes and no MSH-18 re-encodes to the same bytes.
 */
export function encodeHl7(text: string, charset: Hl7Charset): Uint8Array {
  if (charset === 'UNICODE UTF-8') return Buffer.from(text, 'utf8');
  if (!BEYOND_LATIN1.test(text)) return Buffer.from(text, 'latin1');
  const max = 0xff;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c <= max ? c : 0x3f;
  }
  return out;
}
