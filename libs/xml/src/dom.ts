/** Fast namespaced lookups on a parsed DOM: no XPath needed for the common walk. */
import { XMLSerializer } from '@xmldom/xmldom';

/** First child element with this namespace and local name. */
export function child(parent: Node, ns: string | null, localName: string): Element | undefined {
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName && (c as Element).namespaceURI === ns)
      return c as Element;
  }
  return undefined;
}

/** All child elements with this namespace and local name, in document order. */
export function children(parent: Node, ns: string | null, localName: string): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName && (c as Element).namespaceURI === ns)
      out.push(c as Element);
  }
  return out;
}

/** All child elements. */
export function elements(parent: Node): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as Element);
  return out;
}

/** Text content of an element (concatenated text and CDATA children), or undefined. */
export function text(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  let s = '';
  for (let c = el.firstChild; c; c = c.nextSibling)
    if (c.nodeType === 3 || c.nodeType === 4) s += c.nodeValue ?? '';
  return s;
}

/** Text content of the first child element with this namespace and local name, or undefined when absent. */
export function childText(parent: Node, ns: string | null, localName: string): string | undefined {
  return text(child(parent, ns, localName));
}

/** Attribute value, or undefined when absent (DOM getAttribute returns '' or null). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
}

/** Serializes a node to XML text. */
export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node as never);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for use in element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}
