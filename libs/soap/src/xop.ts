/** Resolving XOP includes (XOP 1.0 3) and reading binary element content whether MTOM or inline base64. */
import { NS, child, text } from '@mesh/xml';
import type { Attachment } from './attachment.js';

/**
 * The attachment an `xop:Include` refers to. `el` is the xop:Include itself or the element
 * holding it (e.g. ihe:Document). The `cid:` URL is percent-decoded (RFC 2392). Undefined when
 * there is no include or it names no received part.
 */
export function resolveInclude(
  el: Element,
  attachments: ReadonlyMap<string, Attachment>,
): Attachment | undefined {
  const inc = el.namespaceURI === NS.xop && el.localName === 'Include' ? el : child(el, NS.xop, 'Include');
  if (!inc) return undefined;
  const href = inc.getAttribute('href') ?? '';
  if (!href.toLowerCase().startsWith('cid:')) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(href.slice(4));
  } catch {
    return undefined;
  }
  return attachments.get(id);
}

/** Binary element content: the referenced attachment under MTOM, else the decoded inline base64 text. */
export type BinaryContent =
  | { readonly kind: 'attachment'; readonly attachment: Attachment }
  | { readonly kind: 'inline'; readonly bytes: Buffer };

/**
 * Reads a base64Binary element (XDS ihe:Document...) however it was sent. Returns undefined
 * when it holds an xop:Include naming no received part.
 */
export function binaryContent(
  el: Element,
  attachments: ReadonlyMap<string, Attachment>,
): BinaryContent | undefined {
  if (child(el, NS.xop, 'Include')) {
    const a = resolveInclude(el, attachments);
    return a ? { kind: 'attachment', attachment: a } : undefined;
  }
  return { kind: 'inline', bytes: Buffer.from((text(el) ?? '').replace(/\s+/g, ''), 'base64') };
}
