/**
 * Hardened parsing of untrusted XML. DOCTYPE (and with it every entity declaration) is
 * refused outright, as are documents over the byte, depth or element limits and anything
 * that is not exactly one root element.
 */
import { DOMParser } from '@xmldom/xmldom';

export interface XmlLimits {
  /** Maximum input size in bytes (UTF-8). */
  readonly maxBytes: number;
  /** Maximum element nesting depth. */
  readonly maxDepth: number;
  /** Maximum number of elements. */
  readonly maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 256,
  maxElements: 1_000_000,
});

export type XmlErrorReason =
  'doctype' | 'too-large' | 'too-deep' | 'too-many-elements' | 'malformed' | 'no-root' | 'multiple-roots';

/** Raised for input refused by the hardened parser. Carries no document content. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    readonly reason: XmlErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Parses untrusted XML into a DOM, enforcing {@link XmlLimits}. Throws {@link XmlError}. */
export function parseXml(input: string | Uint8Array, limits: Partial<XmlLimits> = {}): Document {
  const l = { ...DEFAULT_XML_LIMITS, ...limits };
  const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (bytes > l.maxBytes)
    throw new XmlError('too-large', `XML document of ${bytes} bytes exceeds the limit of ${l.maxBytes}`);
  const text =
    typeof input === 'string'
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.includes('<!DOCTYPE') || text.includes('<!ENTITY'))
    throw new XmlError('doctype', 'DOCTYPE and entity declarations are not allowed');
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level: string, msg: string) => {
        if (level !== 'warning') throw new XmlError('malformed', `malformed XML: ${msg}`);
      },
    }).parseFromString(text, 'text/xml') as unknown as Document;
  } catch (e) {
    if (e instanceof XmlError) throw e;
    throw new XmlError('malformed', `malformed XML: ${(e as Error).message}`);
  }
  const roots = Array.from(doc.childNodes).filter((n) => n.nodeType === 1);
  if (roots.length === 0) throw new XmlError('no-root', 'XML document has no root element');
  if (roots.length > 1) throw new XmlError('multiple-roots', 'XML document has more than one root element');
  let count = 0;
  const walk = (el: Element, depth: number): void => {
    if (depth > l.maxDepth) throw new XmlError('too-deep', `XML nesting deeper than ${l.maxDepth}`);
    if (++count > l.maxElements)
      throw new XmlError('too-many-elements', `XML has more than ${l.maxElements} elements`);
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) walk(c as Element, depth + 1);
  };
  walk(roots[0] as Element, 1);
  return doc;
}
