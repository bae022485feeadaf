/**
 * The hardened parser's single pass: a strict XML 1.0 (Fifth Edition) and Namespaces in XML 1.0
 * (Third Edition) reader that builds the xmldom Document as it goes and enforces every limit
 * while reading.
 *
 * Why our own reader: the general-purpose tokenizers walk the input one code point at a time
 * through a state machine (about 14 MB/s for ebRIM here, 70% of the parse), while XML markup
 * is found fastest with the engine's native string search, names being read over ASCII by a
 * table and by the full production only past U+007F. This reader does that and checks
 * well-formedness as strictly: the Char production over the whole input, names by the
 * Name/NCName productions, attribute syntax, matching end tags, comments, CDATA sections and
 * processing instructions by their productions, references by 4.1/4.6, the XML declaration by
 * 2.8, and the namespace constraints of Namespaces in XML 1.0 sections 3-6.
 * A differential test holds it to the saxes tokenizer on every conformance sample.
 *
 * Refused: any DOCTYPE (reason 'doctype'), entity references other than the five predefined
 * ones ('entity'), and everything not well-formed ('malformed'), with the position in the
 * decoded text (after line-end normalization).
 */
import { DOMImplementation } from '@xmldom/xmldom';
import type { Document as XDocument, Element as XElement } from '@xmldom/xmldom';
import { NS } from './namespaces.js';
import { XmlError } from './limits.js';
import type { XmlErrorReason, XmlLimits } from './limits.js';

// XML 1.0 (Fifth Edition) 2.3 NameStartChar and NameChar, without ':' (Namespaces in XML 1.0 NCName).
const NC_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NC_CHAR = `${NC_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME = `[${NC_START}][${NC_CHAR}]*`;
/** A QName (prefix:local or local), matched at lastIndex. */
const QNAME = new RegExp(`${NCNAME}(?::${NCNAME})?`, 'uy');
/** An NCName, matched at lastIndex (processing instruction targets, Namespaces in XML 1.0 section 7). */
const NCNAME_AT = new RegExp(NCNAME, 'uy');
/** An XML 1.0 Name (with colons), whole string: what an entity reference names. */
const NAME_WHOLE = new RegExp(`^[${NC_START}:][${NC_CHAR}:]*$`, 'u');
/**
 * The first character outside the Char production (XML 1.0 2.2), lone surrogates included. The
 * code-unit scan is several times faster than the code-point one and finds no surrogate in most
 * documents; only when it does is the code-point scan run.
 */
const NOT_BMP_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/;
const NOT_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** XML 1.0 2.8 XMLDecl, matched at the start of the document. */
const XML_DECL =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;
const ONLY_WHITESPACE = /^[ \t\n]*$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;
const DEC = /^[0-9]{1,10}$/;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** In-scope namespace declarations of one element that declares some, chained to its ancestors'. */
interface Scope {
  readonly bindings: ReadonlyMap<string, string>;
  readonly parent: Scope | undefined;
}
const ROOT_SCOPE: Scope = {
  bindings: new Map([
    ['xml', NS.xml],
    ['xmlns', NS.xmlns],
  ]),
  parent: undefined,
};

function lookup(scope: Scope | undefined, prefix: string): string | undefined {
  for (let s = scope; s !== undefined; s = s.parent) {
    const uri = s.bindings.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

/** True when the code point matches XML 1.0's Char production (2.2): what a character reference may name. */
export const isXmlChar = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/**
 * ASCII name characters: 1 for NameStartChar (A-Z, a-z, '_'), 2 for the further NameChar
 * ('-', '.', 0-9), 0 for the rest (':' included, as in NCName). Names in exchange messages are
 * ASCII; the first character at or over U+0080 hands the name to the full QNAME production.
 */
const ASCII_NAME = new Uint8Array(0x80);
for (let c = 0; c < 0x80; c++) {
  const ch = String.fromCharCode(c);
  ASCII_NAME[c] = /[A-Za-z_]/.test(ch) ? 1 : /[-.0-9]/.test(ch) ? 2 : 0;
}

/** End of the QName at `at` in `s` by the QNAME production, or -1 when none starts there. */
function qnameEnd(s: string, at: number): number {
  let c = s.charCodeAt(at);
  if (c >= 0x80) return qnameEndUnicode(s, at);
  if (ASCII_NAME[c] !== 1) return -1; // also at the end of the input (NaN)
  let i = at + 1;
  for (c = s.charCodeAt(i); c < 0x80 && ASCII_NAME[c] !== 0; c = s.charCodeAt(++i));
  if (c !== 0x3a /* : */) return c >= 0x80 ? qnameEndUnicode(s, at) : i;
  // The local part is optional in the production: "a:" and "a:1" match "a".
  c = s.charCodeAt(i + 1);
  if (c >= 0x80) return qnameEndUnicode(s, at);
  if (ASCII_NAME[c] !== 1) return i;
  for (c = s.charCodeAt((i += 2)); c < 0x80 && ASCII_NAME[c] !== 0; c = s.charCodeAt(++i));
  return c >= 0x80 ? qnameEndUnicode(s, at) : i;
}

function qnameEndUnicode(s: string, at: number): number {
  QNAME.lastIndex = at;
  return QNAME.test(s) ? QNAME.lastIndex : -1;
}

function skipSpace(s: string, at: number): number {
  let i = at;
  for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x09; c = s.charCodeAt(++i));
  return i;
}

/** True when `raw` holds a TAB or LF, which an attribute value normalizes to a space. */
const hasTabOrLf = (raw: string): boolean => raw.indexOf('\n') >= 0 || raw.indexOf('\t') >= 0;

/**
 * Element and attribute names seen before, each as one internalized string (a property key's
 * copy, never a slice that would keep an input alive). xmldom splits every prefixed element
 * QName, and V8 caches String.prototype.split results only for internalized strings; xmldom also
 * indexes attributes by local name in plain objects, where an internalized key needs no
 * string-table look-up. Handing it the same internalized string for a recurring name (a message
 * repeats a few dozen names) measured about 8% off a whole parse. Only speed depends on it.
 * Bounded: names up to 64 characters, at most 64 new ones per document, cleared when 1,024 are
 * held. A direct-mapped table in front answers most look-ups with one string comparison, where
 * the map would hash the freshly sliced name.
 */
const RECURRING_NAMES = new Map<string, string>();
const RECENT_NAMES: (string | undefined)[] = new Array<undefined>(256).fill(undefined);

/** An open element on the reader's stack. */
interface Open {
  readonly el: XElement;
  readonly qname: string;
  readonly scope: Scope;
}

/** Reads `input` (already decoded) into an xmldom Document; throws XmlError and nothing else. */
export function buildDocument(input: string, l: XmlLimits): XDocument {
  // XML 1.0 2.11: CR LF and lone CR are read as LF before anything else. A string input may
  // still start with the byte order mark's character; it is not content.
  let src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  return new Reader(src, l).read();
}

/** The state of one read: the input, the position, the open elements and in-scope namespaces. */
class Reader {
  private readonly n: number;
  private readonly doc: XDocument = new DOMImplementation().createDocument(null, '');
  private readonly stack: Open[] = [];
  private scope: Scope = ROOT_SCOPE;
  private parent: XDocument | XElement = this.doc;
  private pos = 0;
  private count = 0;
  private rootSeen = false;
  /** The attribute names and values of the start tag being read, reused from tag to tag. */
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  /** Where the colon of each of those names is, -1 for none. */
  private readonly colons: number[] = [];
  /** The last prefix looked up, in which scope, and its namespace: consecutive names mostly share one. */
  private lastScope: Scope | undefined;
  private lastPrefix = '';
  private lastUri: string | undefined;
  /** Names this document added to RECURRING_NAMES. */
  private newNames = 0;

  constructor(
    private readonly s: string,
    private readonly l: XmlLimits,
  ) {
    this.n = s.length;
  }

  read(): XDocument {
    const s = this.s;
    const n = this.n;
    try {
      const bad = NOT_BMP_CHAR.test(s) ? NOT_CHAR.exec(s) : null;
      if (bad)
        this.malformed(
          `character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase()} is not allowed`,
          bad.index,
        );
      if (s.startsWith('<?xml') && /^[ \t\n?]$/.test(s.charAt(5))) {
        XML_DECL.lastIndex = 0;
        if (!XML_DECL.test(s)) this.malformed('invalid XML declaration');
        this.pos = XML_DECL.lastIndex;
      }
      while (this.pos < n) {
        const lt = s.indexOf('<', this.pos);
        if (lt !== this.pos) {
          this.text(this.pos, lt < 0 ? n : lt);
          if (lt < 0) break;
          this.pos = lt;
        }
        const c = s.charCodeAt(lt + 1);
        if (c === 0x2f /* / */) this.endTag();
        else if (c === 0x3f /* ? */) this.processingInstruction();
        else if (c === 0x21 /* ! */) {
          if (s.startsWith('<!--', lt)) this.comment();
          else if (s.startsWith('<![CDATA[', lt)) this.cdata();
          else if (s.startsWith('<!DOCTYPE', lt)) this.fail('doctype', 'DOCTYPE is not allowed');
          else this.malformed('invalid markup declaration');
        } else this.startTag();
      }
      const stack = this.stack;
      if (stack.length > 0)
        this.malformed(`unexpected end of input: ${stack[stack.length - 1]?.qname} is not closed`, n);
      if (!this.rootSeen) this.fail('no-root', 'XML document has no root element');
    } catch (e) {
      if (e instanceof XmlError) throw e;
      // An xmldom DOMException for a name the productions above let through is still a
      // well-formedness problem of the input.
      return this.malformed((e as Error).message);
    }
    return this.doc;
  }

  private fail(reason: XmlErrorReason, message: string, at = this.pos): never {
    const s = this.s;
    const before = s.lastIndexOf('\n', at - 1);
    let line = 1;
    for (let i = s.indexOf('\n'); i >= 0 && i < at; i = s.indexOf('\n', i + 1)) line++;
    throw new XmlError(reason, message, line, at - before);
  }

  private malformed(message: string, at = this.pos): never {
    return this.fail('malformed', `malformed XML: ${message}`, at);
  }

  /** The namespace `prefix` is bound to in `scope` (scopes never change once made). */
  private namespaceOf(scope: Scope, prefix: string): string | undefined {
    if (scope === this.lastScope && prefix === this.lastPrefix) return this.lastUri;
    const uri = lookup(scope, prefix);
    this.lastScope = scope;
    this.lastPrefix = prefix;
    this.lastUri = uri;
    return uri;
  }

  /** `name` as the internalized string kept in RECURRING_NAMES, when it is or may be kept there. */
  private recurring(name: string, colon: number): string {
    const len = name.length;
    if (len > 64) return name;
    const slot =
      (len * 7 + name.charCodeAt(colon + 1) * 31 + name.charCodeAt(len - 1) * 3 + name.charCodeAt(len >> 1)) &
      255;
    const recent = RECENT_NAMES[slot];
    if (recent === name) return recent;
    let known = RECURRING_NAMES.get(name);
    if (known === undefined) {
      if (this.newNames >= 64) return name;
      this.newNames++;
      if (RECURRING_NAMES.size >= 1024) RECURRING_NAMES.clear();
      known = Object.keys({ [name]: true })[0] ?? name;
      RECURRING_NAMES.set(known, known);
    }
    RECENT_NAMES[slot] = known;
    return known;
  }

  private budget(): void {
    if (++this.count > this.l.maxElements)
      this.fail('too-many-elements', `XML has more than ${this.l.maxElements} elements and other nodes`);
  }

  /** Character data or an attribute value with its references replaced (XML 1.0 4.1, 4.6). */
  private resolve(raw: string, at: number): string {
    let amp = raw.indexOf('&');
    if (amp < 0) return raw;
    let out = '';
    let from = 0;
    while (amp >= 0) {
      const semi = raw.indexOf(';', amp + 1);
      if (semi < 0) return this.malformed('"&" must start a reference ending with ";"', at + amp);
      const ref = raw.slice(amp + 1, semi);
      let value: string | undefined;
      if (ref.charCodeAt(0) === 0x23 /* # */) {
        const hex = ref.charCodeAt(1) === 0x78; /* x */
        const digits = ref.slice(hex ? 2 : 1);
        const cp = (hex ? HEX : DEC).test(digits) ? parseInt(digits, hex ? 16 : 10) : -1;
        if (!isXmlChar(cp))
          return this.malformed(`character reference &${ref}; is not a legal character`, at + amp);
        value = String.fromCodePoint(cp);
      } else {
        value = PREDEFINED[ref];
        if (value === undefined) {
          if (NAME_WHOLE.test(ref))
            this.fail('entity', 'entity references other than the predefined ones are not allowed', at + amp);
          return this.malformed('"&" must start a reference ending with ";"', at + amp);
        }
      }
      out += raw.slice(from, amp) + value;
      from = semi + 1;
      amp = raw.indexOf('&', from);
    }
    return out + raw.slice(from);
  }

  private text(from: number, to: number): void {
    const raw = this.s.slice(from, to);
    if (this.stack.length === 0) {
      if (!ONLY_WHITESPACE.test(raw)) this.malformed('text outside the root element', from);
      return; // whitespace outside the root element is not content
    }
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd >= 0) this.malformed('"]]>" is not allowed in character data', from + cdataEnd);
    this.parent.appendChild(this.doc.createTextNode(this.resolve(raw, from)));
  }

  private startTag(): void {
    const { s, n, l, stack, names, colons, values } = this;
    const pos = this.pos;
    if (this.rootSeen && stack.length === 0)
      this.fail('multiple-roots', 'XML document has more than one root element');
    if (stack.length >= l.maxDepth) this.fail('too-deep', `XML nesting deeper than ${l.maxDepth}`);
    this.budget();
    const nameEnd = qnameEnd(s, pos + 1);
    if (nameEnd < 0) this.malformed('invalid element name', pos + 1);
    let name = s.slice(pos + 1, nameEnd);
    let p = nameEnd;
    let attributes = 0;
    let prefixed = 0;
    let declares = false;
    let empty = false;
    for (;;) {
      const at = skipSpace(s, p);
      const c = s.charCodeAt(at);
      if (c === 0x3e /* > */) {
        p = at + 1;
        break;
      }
      if (c === 0x2f /* / */ && s.charCodeAt(at + 1) === 0x3e) {
        p = at + 2;
        empty = true;
        break;
      }
      if (at === p)
        this.malformed(at >= n ? 'unexpected end of input in a start tag' : 'invalid start tag', at);
      if (attributes >= l.maxAttributes)
        this.fail('too-many-attributes', `an XML element has more than ${l.maxAttributes} attributes`, at);
      const attrEnd = qnameEnd(s, at);
      if (attrEnd < 0) this.malformed('invalid attribute name', at);
      const sliced = s.slice(at, attrEnd);
      const colon = sliced.indexOf(':');
      const attr = this.recurring(sliced, colon);
      for (let i = 0; i < attributes; i++)
        if (names[i] === attr) this.malformed(`duplicate attribute ${attr}`, at);
      let v = skipSpace(s, attrEnd);
      if (s.charCodeAt(v) !== 0x3d /* = */) this.malformed(`attribute ${attr} has no value`, v);
      v = skipSpace(s, v + 1);
      const quote = s.charCodeAt(v);
      if (quote !== 0x22 && quote !== 0x27) this.malformed(`the value of attribute ${attr} is not quoted`, v);
      const close = s.indexOf(quote === 0x22 ? '"' : "'", v + 1);
      if (close < 0) this.malformed('unexpected end of input in an attribute value', n);
      const raw = s.slice(v + 1, close);
      const lt = raw.indexOf('<');
      if (lt >= 0) this.malformed('"<" is not allowed in an attribute value', v + 1 + lt);
      // XML 1.0 3.3.3: without a DTD every attribute is CDATA; each white space character
      // (line ends are already LF) becomes a space, characters from references stay as they are.
      if (colon >= 0) prefixed++;
      if (colon === 5 ? attr.startsWith('xmlns') : attr === 'xmlns') declares = true;
      names[attributes] = attr;
      colons[attributes] = colon;
      values[attributes++] = this.resolve(hasTabOrLf(raw) ? raw.replace(/[\t\n]/g, ' ') : raw, v + 1);
      p = close + 1;
    }

    // Namespaces in XML 1.0 3 and 5: declarations first, then every prefix must be bound.
    let declared: Map<string, string> | undefined;
    for (let i = 0; declares && i < attributes; i++) {
      const a = names[i] as string;
      const isDefault = a === 'xmlns';
      if (!isDefault && !a.startsWith('xmlns:')) continue;
      const prefix = isDefault ? '' : a.slice(6);
      const uri = values[i] as string;
      if (prefix === 'xmlns') this.malformed('the prefix xmlns must not be declared');
      if (uri === NS.xmlns) this.malformed('the xmlns namespace must not be declared');
      if ((prefix === 'xml') !== (uri === NS.xml))
        this.malformed('the prefix xml is bound to the XML namespace and nothing else is');
      if (!isDefault && uri === '') this.malformed(`the prefix ${prefix} must not be undeclared`);
      (declared ??= new Map()).set(prefix, uri);
    }
    const scope = this.scope;
    const elementScope: Scope = declared === undefined ? scope : { bindings: declared, parent: scope };
    const colon = name.indexOf(':');
    name = this.recurring(name, colon);
    const elementPrefix = colon < 0 ? '' : name.slice(0, colon);
    if (elementPrefix === 'xmlns') this.malformed('element names must not have the prefix xmlns');
    const uri = this.namespaceOf(elementScope, elementPrefix);
    if (uri === undefined && colon >= 0) this.malformed(`the prefix of ${name} is not bound to a namespace`);
    const doc = this.doc;
    const el = doc.createElementNS(uri === '' || uri === undefined ? null : uri, name);
    let qualified: Set<string> | undefined;
    for (let i = 0; i < attributes; i++) {
      const a = names[i] as string;
      const c = colons[i] as number;
      let auri: string | null = null;
      if (a === 'xmlns') auri = NS.xmlns;
      else if (c >= 0) {
        const prefix = a.slice(0, c);
        auri =
          this.namespaceOf(elementScope, prefix) ??
          this.malformed(`the prefix of attribute ${a} is not bound to a namespace`);
        // Namespaces in XML 1.0 6.3: no two attributes with the same expanded name (which
        // takes two with a prefix).
        if (prefixed > 1) {
          const expanded = `{${auri}}${a.slice(c + 1)}`;
          if ((qualified ??= new Set()).has(expanded)) this.malformed(`duplicate attribute ${expanded}`);
          qualified.add(expanded);
        }
      }
      const node = doc.createAttributeNS(auri, a);
      node.value = node.nodeValue = values[i] as string;
      el.setAttributeNode(node);
    }
    this.parent.appendChild(el);
    this.rootSeen = true;
    this.pos = p;
    if (empty) return;
    stack.push({ el, qname: name, scope });
    this.scope = elementScope;
    this.parent = el;
  }

  private endTag(): void {
    const { s, stack } = this;
    const pos = this.pos;
    const open = stack[stack.length - 1];
    let gt: number;
    // The usual case: the end tag repeats the open element's QName, followed by white space or
    // ">" (a QName cannot continue with those), so the QName production need not run again.
    const after = pos + 2 + (open?.qname.length ?? 0);
    const next = s.charCodeAt(after);
    if (
      open !== undefined &&
      (next === 0x3e || next === 0x20 || next === 0x0a || next === 0x09) &&
      s.startsWith(open.qname, pos + 2)
    ) {
      gt = skipSpace(s, after);
      if (s.charCodeAt(gt) !== 0x3e) this.malformed('invalid end tag', gt);
    } else {
      const end = qnameEnd(s, pos + 2);
      if (end < 0) this.malformed('invalid end tag', pos + 2);
      const name = s.slice(pos + 2, end);
      gt = skipSpace(s, end);
      if (s.charCodeAt(gt) !== 0x3e) this.malformed('invalid end tag', gt);
      if (open === undefined) this.malformed(`end tag ${name} without a start tag`);
      if (open.qname !== name) this.malformed(`end tag ${name} does not match start tag ${open.qname}`);
    }
    stack.pop();
    this.scope = open.scope;
    this.parent = stack[stack.length - 1]?.el ?? this.doc;
    this.pos = gt + 1;
  }

  private comment(): void {
    const { s, pos } = this;
    const end = s.indexOf('-->', pos + 4);
    if (end < 0) this.malformed('unexpected end of input in a comment', this.n);
    const body = s.slice(pos + 4, end);
    // XML 1.0 2.5: no "--" inside, and the body must not end with "-".
    const dashes = body.indexOf('--');
    if (dashes >= 0 || body.endsWith('-'))
      this.malformed('"--" is not allowed in a comment', pos + 4 + Math.max(dashes, 0));
    this.budget();
    this.parent.appendChild(this.doc.createComment(body));
    this.pos = end + 3;
  }

  private cdata(): void {
    const { s, pos } = this;
    if (this.stack.length === 0) this.malformed('CDATA section outside the root element');
    const end = s.indexOf(']]>', pos + 9);
    if (end < 0) this.malformed('unexpected end of input in a CDATA section', this.n);
    this.budget();
    this.parent.appendChild(this.doc.createCDATASection(s.slice(pos + 9, end)));
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    const { s, pos } = this;
    NCNAME_AT.lastIndex = pos + 2;
    const target = NCNAME_AT.exec(s)?.[0] ?? this.malformed('invalid processing instruction target', pos + 2);
    if (target.toLowerCase() === 'xml')
      this.malformed(
        'the XML declaration is allowed only at the start of the document, and "xml" is reserved',
      );
    const after = pos + 2 + target.length;
    const end = s.indexOf('?>', after);
    if (end < 0) this.malformed('unexpected end of input in a processing instruction', this.n);
    const bodyAt = skipSpace(s, after);
    if (bodyAt === after && end !== after) this.malformed('invalid processing instruction', after);
    this.budget();
    this.parent.appendChild(
      this.doc.createProcessingInstruction(target, s.slice(Math.min(bodyAt, end), end)),
    );
    this.pos = end + 2;
  }
}
