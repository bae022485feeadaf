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

/**
 * Serializes a node to XML text such that parsing it back gives the same values.
 *
 * xmldom escapes CR in attribute values but not in text; a parser turns a literal CR into LF
 * (XML 1.0 2.11), so a CR that came from `&#13;` would be lost. It is written as `&#xD;`.
 * Parsed documents hold CR only in text and attribute values (line-end normalization removes
 * every other), so the replacement touches nothing else in them.
 */
export function serialize(node: Node): string {
  const out = new XMLSerializer().serializeToString(node as never);
  return out.includes('\r') ? out.replace(/\r/g, '&#xD;') : out;
}

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
  '\n': '&#xA;',
  '\t': '&#x9;',
};

/**
 * Escapes text for use in element content or a quoted attribute. CR is written as a
 * character reference because a parser turns a literal CR into LF (XML 1.0 2.11).
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ESC[c] ?? c);
}

/**
 * Escapes an attribute value so that it survives attribute-value normalization
 * (XML 1.0 3.3.3): TAB and LF are written as character references too, where a literal one
 * would come back as a space.
 */
export function escapeXmlAttribute(s: string): string {
  return s.replace(/[&<>"'\r\n\t]/g, (c) => ESC[c] ?? c);
}
