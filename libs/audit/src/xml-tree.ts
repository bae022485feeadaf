/**
 * The element tree the audit message reader (xml.ts) walks, and the two ways of getting one:
 *
 * - `scanAuditXmlSubset`: a single-pass scanner for the plain XML every audit sender writes
 *   (elements and attributes, ASCII names, the predefined entities and character references,
 *   an optional `<?xml version="1.0" ...?>` declaration). It never decides that input is bad:
 *   whatever it does not fully understand, and every limit it would exceed, makes it answer
 *   `undefined`, and the caller hands the input to the hardened parser of `@mesh/xml`, which
 *   then accepts or refuses it with its own reason. DOCTYPE, comments, processing
 *   instructions, CDATA sections, prefixed element names and non-ASCII names are all outside
 *   the subset, so everything hostile takes the hardened path.
 * - `treeFromDom`: the same tree from a DOM the hardened parser built.
 *
 * For input inside the subset both give the same tree (XML 1.0 2.11 line-end and 3.3.3
 * attribute-value normalization, entity and character references resolved), which the
 * tests check against the hardened parser on fixtures and on mutations of them. Pure.
 */
import { isXmlChar, parseXml, XmlError } from '@mesh/xml';
import type { XmlLimits } from '@mesh/xml';
import { AuditFormatError } from './errors.js';

/** An element as the audit reader sees it. */
export interface AuditXmlElement {
  readonly localName: string;
  /** Attributes in document order, flattened: qualified name, value, qualified name, value... */
  readonly attributes: readonly string[];
  /** Child elements in document order. */
  readonly children: readonly AuditXmlElement[];
  /** The element's own text and CDATA content, concatenated ('' when it has none). */
  readonly text: string;
}

interface MutableElement {
  readonly localName: string;
  readonly attributes: string[];
  readonly children: MutableElement[];
  text: string;
}

/** The value of the attribute with this qualified name, or undefined. */
export function attributeOf(e: AuditXmlElement, name: string): string | undefined {
  const a = e.attributes;
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
  return undefined;
}

/** The tree of a parsed DOM element: elements, attributes by qualified name, direct text and CDATA. */
export function treeFromDom(el: Element): AuditXmlElement {
  const attributes: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a) attributes.push(a.name, a.value);
  }
  const children: AuditXmlElement[] = [];
  let text = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) children.push(treeFromDom(c as Element));
    else if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? '';
  }
  return { localName: el.localName, attributes, children, text };
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Any character outside XML 1.0's Char production, and (conservatively) every surrogate. */
const NOT_PLAIN_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/;
/** NOT_PLAIN_CHAR, or TAB, LF, CR. */
const ODD_CHAR = /[^\u0020-\uD7FF\uE000-\uFFFD]/;
/** The XML declaration in its usual spelling (no white space around `=`); anything else defers. */
const XML_DECL =
  /<\?xml[ \t\r\n]+version=(["'])1\.0\1(?:[ \t\r\n]+encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone=(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
/** ASCII name characters: 1 may start a name (A-Z a-z _), 2 may follow (also 0-9 . -); the subset's names are ASCII. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME_CHAR[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME_CHAR[c] = 2;
}
const COLON = 0x3a;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** The end of the ASCII name starting at `i`, or -1 when none starts there. */
function nameEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (!(c < 128 && NAME_CHAR[c] === 1)) return -1;
  let j = i + 1;
  for (;;) {
    const d = s.charCodeAt(j);
    if (!(d < 128 && NAME_CHAR[d] !== 0)) return j;
    j++;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** The character a reference stands for (`ref` without `&` and `;`), or undefined outside the subset. */
function reference(ref: string): string | undefined {
  const named = PREDEFINED[ref];
  if (named !== undefined) return named;
  let cp: number;
  if (/^#[0-9]{1,7}$/.test(ref)) cp = Number(ref.slice(1));
  else if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) cp = parseInt(ref.slice(2), 16);
  else return undefined;
  return isXmlChar(cp) ? String.fromCodePoint(cp) : undefined;
}

// Hot-path helpers are module-level functions: tsx (esbuild keepNames) would redefine the
// `name` of a named closure on every call.

/** Line ends normalized (XML 1.0 2.11); in an attribute value every white space character becomes a space. */
function normalized(t: string, attribute: boolean, spaced: boolean): string {
  if (!spaced) return t;
  if (attribute) return /[\t\n\r]/.test(t) ? t.replace(/\r\n|[\r\n\t]/g, ' ') : t;
  return t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t;
}

/**
 * Character data `raw` with references resolved and line ends normalized; in an attribute
 * value, white space characters become spaces (XML 1.0 3.3.3, CDATA-type attributes, as
 * there is no DTD). `spaced`: the document holds TAB, LF or CR somewhere (else nothing to
 * normalize). Undefined when a reference is outside the subset.
 */
function characters(raw: string, attribute: boolean, spaced: boolean): string | undefined {
  let amp = raw.indexOf('&');
  if (amp === -1) return normalized(raw, attribute, spaced);
  let out = normalized(raw.slice(0, amp), attribute, spaced);
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi === -1) return undefined;
    const ch = reference(raw.slice(amp + 1, semi));
    if (ch === undefined) return undefined;
    amp = raw.indexOf('&', semi + 1);
    out += ch + normalized(raw.slice(semi + 1, amp === -1 ? raw.length : amp), attribute, spaced);
  }
  return out;
}

/** `xmlns:<prefix>` declared on the element or an ancestor. */
function declared(prefix: string, el: MutableElement, ancestors: readonly MutableElement[]): boolean {
  const decl = `xmlns:${prefix}`;
  if (attributeOf(el, decl) !== undefined) return true;
  return ancestors.some((a) => attributeOf(a, decl) !== undefined);
}

/**
 * Namespaces in XML 1.0 on one element's attributes, conservatively: duplicate names,
 * undeclaring or reserved bindings, unbound prefixes and two prefixed attributes with the
 * same local name (which might expand to the same name) are all left to the hardened parser.
 */
function namespacesPlain(el: MutableElement, ancestors: readonly MutableElement[]): boolean {
  const a = el.attributes;
  for (let x = 0; x < a.length; x += 2) {
    const name = a[x]!;
    const value = a[x + 1]!.trim();
    if (name === 'xmlns') {
      if (value === XML_NS || value === XMLNS_NS) return false;
      continue;
    }
    const colon = name.indexOf(':');
    if (colon < 0) continue;
    const prefix = name.slice(0, colon);
    const suffix = name.slice(colon); // ':local'
    if (prefix === 'xmlns') {
      if (suffix === ':xml' || suffix === ':xmlns' || value === '' || value === XML_NS || value === XMLNS_NS)
        return false;
      continue;
    }
    if (prefix !== 'xml' && !declared(prefix, el, ancestors)) return false;
    for (let y = x + 2; y < a.length; y += 2) if (a[y]!.endsWith(suffix)) return false;
  }
  return true;
}

/**
 * Scans a decoded document inside the plain subset described above into its root element's
 * tree; `undefined` when the input is outside the subset or beyond a limit (the caller then
 * uses the hardened parser, which decides). Never throws.
 */
export function scanAuditXmlSubset(s: string, limits: XmlLimits): AuditXmlElement | undefined {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: below the bound, no need to count.
  // ']]>' may not appear in character data (XML 1.0 2.4): rare enough to leave wherever it is.
  if (s.length * 3 > limits.maxBytes || s.includes(']]>')) return undefined;
  // One scan answers both questions for a compact document: nothing to refuse, nothing to normalize.
  const spaced = ODD_CHAR.test(s);
  if (spaced && NOT_PLAIN_CHAR.test(s)) return undefined;
  let i = 0;
  if (s.startsWith('<?xml')) {
    XML_DECL.lastIndex = 0;
    if (!XML_DECL.test(s)) return undefined;
    i = XML_DECL.lastIndex;
  }
  i = skipWs(s, i);
  const n = s.length;
  const stack: MutableElement[] = [];
  let root: MutableElement | undefined;
  let elements = 0;
  while (i < n) {
    if (s.charCodeAt(i) !== LT) return undefined;
    if (s.charCodeAt(i + 1) === SLASH) {
      const top = stack.pop();
      if (!top || !s.startsWith(top.localName, i + 2)) return undefined;
      const j = skipWs(s, i + 2 + top.localName.length);
      if (s.charCodeAt(j) !== GT) return undefined;
      i = j + 1;
    } else {
      const nameStop = nameEnd(s, i + 1);
      if (nameStop === -1) return undefined;
      const localName = s.slice(i + 1, nameStop);
      // xmldom refuses an element named xmlns outside the xmlns namespace (DOM 4.2.1 validate and extract).
      if (localName === 'xmlns') return undefined;
      if (root !== undefined && stack.length === 0) return undefined;
      if (++elements > limits.maxElements || stack.length >= limits.maxDepth) return undefined;
      const el: MutableElement = { localName, attributes: [], children: [], text: '' };
      const attributes = el.attributes;
      let j = nameStop;
      let selfClosing = false;
      // An attribute value may not hold '<' (XML 1.0 3.1): none may end past the next one.
      const nextLt = s.indexOf('<', j);
      /** Some attribute is prefixed or declares the default namespace: namespaces to check. */
      let namespaced = false;
      for (;;) {
        const k = skipWs(s, j);
        const sep = k > j;
        j = k;
        const c = s.charCodeAt(j);
        if (c === GT) {
          j++;
          break;
        }
        if (c === SLASH) {
          if (s.charCodeAt(j + 1) !== GT) return undefined;
          j += 2;
          selfClosing = true;
          break;
        }
        if (!sep) return undefined;
        let stop = nameEnd(s, j);
        if (stop === -1) return undefined;
        if (s.charCodeAt(stop) === COLON) {
          stop = nameEnd(s, stop + 1);
          if (stop === -1) return undefined;
          namespaced = true;
        }
        const name = s.slice(j, stop);
        if (name === 'xmlns') namespaced = true;
        for (let x = 0; x < attributes.length; x += 2) if (attributes[x] === name) return undefined;
        j = skipWs(s, stop);
        if (s.charCodeAt(j) !== EQ) return undefined;
        j = skipWs(s, j + 1);
        const q = s.charCodeAt(j);
        if (q !== DQUOTE && q !== SQUOTE) return undefined;
        const close = s.indexOf(q === DQUOTE ? '"' : "'", j + 1);
        if (close === -1 || (nextLt !== -1 && nextLt < close)) return undefined;
        const value = characters(s.slice(j + 1, close), true, spaced);
        if (value === undefined) return undefined;
        attributes.push(name, value);
        j = close + 1;
      }
      if (attributes.length > 2 * limits.maxAttributes || (namespaced && !namespacesPlain(el, stack)))
        return undefined;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      if (!selfClosing) stack.push(el);
      i = j;
    }
    const lt = s.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    if (end > i) {
      const top = stack[stack.length - 1];
      if (!top) {
        if (skipWs(s, i) < end) return undefined;
      } else {
        const t = characters(s.slice(i, end), false, spaced);
        if (t === undefined) return undefined;
        top.text += t;
      }
    }
    i = end;
  }
  return root !== undefined && stack.length === 0 ? root : undefined;
}

/**
 * The document element of an audit payload: scanned directly when it is a string inside the
 * plain subset, otherwise parsed by the hardened parser (`hardenedOnly` forces that, for
 * tests). Throws AuditFormatError 'malformed-xml', with the XmlError as cause, for what the
 * hardened parser refuses.
 */
export function auditXmlRoot(
  input: string | Uint8Array,
  limits: XmlLimits,
  hardenedOnly = false,
): AuditXmlElement | undefined {
  if (typeof input === 'string' && !hardenedOnly) {
    const root = scanAuditXmlSubset(input, limits);
    if (root) return root;
  }
  let doc: Document;
  try {
    doc = parseXml(input, limits);
  } catch (e) {
    if (e instanceof XmlError)
      throw new AuditFormatError('malformed-xml', `not usable XML (${e.reason}): ${e.message}`, undefined, {
        cause: e,
      });
    throw e;
  }
  const root = doc.documentElement;
  return root ? treeFromDom(root) : undefined;
}
