/**
 * Hardened parsing of untrusted XML (MESH_BRIEF "Non-negotiables": hostile XML gets a clear
 * error and changes nothing).
 *
 * One pass: the strict, namespace-aware `saxes` tokenizer drives the construction of an
 * xmldom Document (so `xpath` and the serializer work on the result), and every limit is
 * enforced in the event handlers, while the document is being read. A 10,000-deep nesting
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
import { DOMImplementation } from '@xmldom/xmldom';
import type { Document as XDocument, Element as XElement } from '@xmldom/xmldom';
import { SaxesParser } from 'saxes';
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';

/** Limits applied to every parse. All are checked while reading, never after. */
export interface XmlLimits {
  /** Maximum input size in bytes (the UTF-8 size of a string input). */
  readonly maxBytes: number;
  /** Maximum element nesting depth (the root element is at depth 1). */
  readonly maxDepth: number;
  /**
   * Maximum number of elements. Comments, processing instructions and CDATA sections count
   * too, so markup other than elements cannot be used to build an unbounded DOM.
   */
  readonly maxElements: number;
  /** Maximum number of attributes (namespace declarations included) on one element. */
  readonly maxAttributes: number;
}

/**
 * Defaults sized for the largest legitimate exchange messages with room to spare: 20 MB
 * covers ITI-41 with inline documents; 250,000 elements cover about 20 MB of ebRIM metadata
 * (some 2,000 DocumentEntries). The element limit is what bounds memory: an xmldom DOM costs
 * roughly 600-800 bytes per node, so the worst case is a few hundred MB, not the gigabytes a
 * 20 MB document of empty elements would otherwise build. Endpoints that need more say so.
 */
export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 256,
  maxElements: 250_000,
  maxAttributes: 256,
});

/** Why input was refused. Transports map all of them to the actor's "malformed request" error. */
export type XmlErrorReason =
  | 'doctype'
  | 'entity'
  | 'encoding'
  | 'too-large'
  | 'too-deep'
  | 'too-many-elements'
  | 'too-many-attributes'
  | 'malformed'
  | 'no-root'
  | 'multiple-roots';

/** Raised for input refused by the hardened parser. Carries no document content. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    readonly reason: XmlErrorReason,
    message: string,
    /** Position of the error in the decoded text as the tokenizer counts it (line 1-based), when known. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : `${message} (line ${line}, column ${column ?? 0})`);
  }
}

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
  return build(text, l) as unknown as Document;
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

// ---------------------------------------------------------------------------------------
// One pass: saxes events -> xmldom nodes, limits checked per event

function build(text: string, l: XmlLimits): XDocument {
  const doc = new DOMImplementation().createDocument(null, '');
  const stack: XElement[] = [];
  let parent: XDocument | XElement = doc;
  let count = 0;
  let attributes = 0;
  let rootClosed = false;
  const parser = new SaxesParser({ xmlns: true, position: true });

  const budget = (): void => {
    if (++count > l.maxElements)
      throw new XmlError(
        'too-many-elements',
        `XML has more than ${l.maxElements} elements and other nodes`,
        parser.line,
        parser.column,
      );
  };

  parser.on('error', (e) => {
    throw fromSaxes(e);
  });
  parser.on('doctype', () => {
    throw new XmlError('doctype', 'DOCTYPE is not allowed', parser.line, parser.column);
  });
  parser.on('opentagstart', () => {
    if (rootClosed)
      throw new XmlError(
        'multiple-roots',
        'XML document has more than one root element',
        parser.line,
        parser.column,
      );
    if (stack.length >= l.maxDepth)
      throw new XmlError('too-deep', `XML nesting deeper than ${l.maxDepth}`, parser.line, parser.column);
    budget();
    attributes = 0;
  });
  parser.on('attribute', () => {
    if (++attributes > l.maxAttributes)
      throw new XmlError(
        'too-many-attributes',
        `an XML element has more than ${l.maxAttributes} attributes`,
        parser.line,
        parser.column,
      );
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const el = doc.createElementNS(tag.uri === '' ? null : tag.uri, tag.name);
    for (const name in tag.attributes) {
      const a = tag.attributes[name] as SaxesAttributeNS;
      const attr = doc.createAttributeNS(a.uri === '' ? null : a.uri, a.name);
      attr.value = attr.nodeValue = a.value;
      el.setAttributeNode(attr);
    }
    parent.appendChild(el);
    stack.push(el);
    parent = el;
  });
  parser.on('closetag', () => {
    stack.pop();
    const top = stack[stack.length - 1];
    if (top) parent = top;
    else {
      parent = doc;
      rootClosed = true;
    }
  });
  // Text outside the root is whitespace (saxes refuses anything else): a Document holds no text.
  parser.on('text', (t) => {
    if (stack.length > 0) parent.appendChild(doc.createTextNode(t));
  });
  parser.on('cdata', (t) => {
    budget();
    parent.appendChild(doc.createCDATASection(t));
  });
  parser.on('comment', (t) => {
    budget();
    parent.appendChild(doc.createComment(t));
  });
  parser.on('processinginstruction', (pi) => {
    budget();
    parent.appendChild(doc.createProcessingInstruction(pi.target ?? '', pi.body));
  });

  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof XmlError) throw e;
    // saxes reports through the error handler above; anything else is an xmldom DOMException
    // for a name saxes let through, still a well-formedness problem of the input.
    throw new XmlError('malformed', `malformed XML: ${(e as Error).message}`, parser.line, parser.column);
  }
  return doc;
}

/** Classifies a saxes well-formedness error ("line:column: message"). */
function fromSaxes(e: Error): XmlError {
  const m = /^(\d+):(\d+): (.*)$/s.exec(e.message);
  const msg = m?.[3] ?? e.message;
  const line = m ? Number(m[1]) : undefined;
  const column = m ? Number(m[2]) : undefined;
  if (msg.startsWith('undefined entity'))
    return new XmlError(
      'entity',
      `entity references other than the predefined ones are not allowed`,
      line,
      column,
    );
  if (msg.startsWith('inappropriately located doctype'))
    return new XmlError('doctype', 'DOCTYPE is not allowed', line, column);
  if (msg.startsWith('document must contain a root element'))
    return new XmlError('no-root', 'XML document has no root element', line, column);
  if (msg.startsWith('documents may contain only one root'))
    return new XmlError('multiple-roots', 'XML document has more than one root element', line, column);
  return new XmlError('malformed', `malformed XML: ${msg}`, line, column);
}
