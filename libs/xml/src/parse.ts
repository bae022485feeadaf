/**
 * Hardened parsing of untrusted XML (MESH_BRIEF "Non-negotiables": hostile XML gets a clear
 * error and changes nothing).
 *
 * One pass (build.ts): a strict, namespace-aware reader builds an xmldom Document (so `xpath`
 * and the serializer work on the result), and every limit is enforced while the document is
 * being read. A 10,000-deep nesting
 * or a document of millions of elements is refused at the first element over the limit,
 * after bounded work and memory; the byte limit is checked before anything is decoded.
 *
 * What is refused, and why:
 * - DOCTYPE, wherever it appears as markup (not as text of a comment or CDATA section). With
 *   no DTD there are no entity declarations, so XXE, external DTDs and entity expansion
 *   ("billion laughs") cannot occur.
 * - Entity references other than the five predefined ones (XML 1.0 4.6) and character
 *   references (which must match the Char production).
 * - Anything that is not well-formed and namespace-well-formed (XML 1.0, Namespaces in
 *   XML 1.0), including unbound prefixes and duplicate attributes, and anything that is not
 *   exactly one root element.
 * - Byte input in an encoding other than those listed at {@link parseXml}.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { buildDocument } from './build.js';

export { isXmlChar } from './build.js';
import { DEFAULT_XML_LIMITS, XmlError } from './limits.js';
import type { XmlLimits } from './limits.js';

export { DEFAULT_XML_LIMITS, XmlError } from './limits.js';
export type { XmlErrorReason, XmlLimits } from './limits.js';

/**
 * Parses untrusted XML into an xmldom Document, enforcing {@link XmlLimits}. Throws
 * {@link XmlError}, and nothing else.
 *
 * A string input is taken as already decoded; its XML declaration's encoding is ignored.
 * A byte input is decoded by its byte order mark or, failing that, the encoding of its XML
 * declaration (XML 1.0 4.3.3, Appendix F):
 * - UTF-8 (default; the BOM is optional). Invalid UTF-8 is refused, never replaced by U+FFFD.
 * - UTF-16 LE/BE, only with a BOM (the spec requires one).
 * - ISO-8859-1 and its IANA aliases, decoded exactly as ISO-8859-1 (bytes 0x80-0x9F are the
 *   C1 controls, as the standard says; senders who mean Windows-1252 should declare it).
 * - Windows-1252 (some HL7v3 senders' actual encoding).
 * - US-ASCII, refused if a byte is over 0x7F.
 * Anything else is refused with reason 'encoding'.
 *
 * The Document holds no node for the XML declaration (it describes the bytes, not the
 * content) nor for whitespace outside the root element; comments and processing
 * instructions are kept.
 */
export function parseXml(input: string | Uint8Array, limits: Partial<XmlLimits> = {}): Document {
  const l: XmlLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  checkSize(input, l.maxBytes);
  const text = typeof input === 'string' ? input : decode(input);
  return buildDocument(text, l) as unknown as Document;
}

function checkSize(input: string | Uint8Array, max: number): void {
  let bytes: number;
  if (typeof input !== 'string') bytes = input.byteLength;
  // Each UTF-16 code unit encodes to 1..3 UTF-8 bytes (a surrogate pair, 2 units, to 4), so
  // the exact count is only needed between length and 3 x length: O(1) for most inputs.
  else if (input.length > max) bytes = input.length;
  else if (input.length * 3 <= max) return;
  else bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > max)
    throw new XmlError('too-large', `XML document of at least ${bytes} bytes exceeds the limit of ${max}`);
}

// ---------------------------------------------------------------------------------------
// Decoding of byte input

const ISO_8859_1 = new Set([
  'ISO-8859-1',
  'ISO_8859-1',
  'ISO_8859-1:1987',
  'ISO8859-1',
  'LATIN1',
  'L1',
  'IBM819',
  'CP819',
  'ISO-IR-100',
  'CSISOLATIN1',
]);
const WINDOWS_1252 = new Set(['WINDOWS-1252', 'CP1252', 'CSWINDOWS1252']);
const US_ASCII = new Set(['US-ASCII', 'ASCII', 'ANSI_X3.4-1968', 'ISO646-US', 'CSASCII']);
const UTF_8 = new Set(['UTF-8', 'UTF8', 'CSUTF8']);
const UTF_16 = new Set(['UTF-16', 'UTF-16LE', 'UTF-16BE', 'CSUTF16']);

/** Windows-1252 bytes 0x80-0x9F; undefined positions keep the C1 control, as WHATWG does. */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decode(input: Uint8Array): string {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    const label = declaredEncoding(buf.subarray(3));
    if (label !== undefined && !UTF_8.has(label))
      throw new XmlError('encoding', `byte order mark says UTF-8 but the XML declaration says ${label}`);
    return utf8(buf.subarray(3));
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    if (buf.length % 2 !== 0) throw new XmlError('encoding', 'UTF-16 input has an odd number of bytes');
    let body = buf.subarray(2);
    if (buf[0] === 0xfe) body = Buffer.from(body).swap16(); // big-endian: copy, never touch the caller's bytes
    const text = body.toString('utf16le');
    const label = declaredEncoding(Buffer.from(text.slice(0, 256), 'latin1'));
    if (label !== undefined && !UTF_16.has(label))
      throw new XmlError('encoding', `byte order mark says UTF-16 but the XML declaration says ${label}`);
    return text;
  }
  const label = declaredEncoding(buf);
  if (label === undefined || UTF_8.has(label)) return utf8(buf);
  if (ISO_8859_1.has(label)) return buf.toString('latin1');
  if (WINDOWS_1252.has(label)) {
    const s = buf.toString('latin1');
    return /[\x80-\x9f]/.test(s)
      ? s.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c)
      : s;
  }
  if (US_ASCII.has(label)) {
    if (!isAscii(buf)) throw new XmlError('encoding', 'document declared US-ASCII contains non-ASCII bytes');
    return buf.toString('latin1');
  }
  if (UTF_16.has(label)) throw new XmlError('encoding', 'UTF-16 input must start with a byte order mark');
  throw new XmlError('encoding', `unsupported encoding ${label}; use UTF-8`);
}

function utf8(buf: Buffer): string {
  if (!isUtf8(buf)) throw new XmlError('encoding', 'document is not valid UTF-8');
  return buf.toString('utf8');
}

/** The encoding label of a leading XML declaration, upper-cased, read as ASCII from at most 256 bytes. */
function declaredEncoding(buf: Buffer): string | undefined {
  // '<?xml' followed by whitespace.
  if (buf[0] !== 0x3c || buf[1] !== 0x3f || buf[2] !== 0x78 || buf[3] !== 0x6d || buf[4] !== 0x6c)
    return undefined;
  const head = buf.subarray(0, 256).toString('latin1');
  const end = head.indexOf('?>');
  const decl = end < 0 ? head : head.slice(0, end);
  const m = /^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._:-]*)\1/.exec(decl);
  return m?.[2]?.toUpperCase();
}
