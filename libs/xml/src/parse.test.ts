import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NS } from './namespaces.js';
import { DEFAULT_XML_LIMITS, XmlError, parseXml } from './parse.js';
import type { XmlErrorReason } from './parse.js';
import { serialize, text } from './dom.js';

/** The XmlError parseXml throws for `input`; fails the test when it parses. */
function refusal(input: string | Uint8Array, limits = {}): XmlError {
  try {
    parseXml(input, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlError);
    return e as XmlError;
  }
  throw new Error('expected parseXml to refuse the input');
}

const reason = (input: string | Uint8Array, limits = {}): XmlErrorReason => refusal(input, limits).reason;

describe('parseXml: DTDs and entities', () => {
  it('refuses a DOCTYPE', () => {
    expect(reason('<!DOCTYPE a><a/>')).toBe('doctype');
    expect(reason('<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "http://example.org/a.dtd">\n<a/>')).toBe(
      'doctype',
    );
  });

  it('refuses XXE without reading the file', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
    const e = refusal(xxe);
    expect(e.reason).toBe('doctype');
    expect(e.message).not.toMatch(/root:/);
  });

  it('refuses billion laughs', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from(
        { length: 9 },
        (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ),
      ']>',
      '<lolz>&lol9;</lolz>',
    ].join('\n');
    expect(reason(lol)).toBe('doctype');
  });

  it('refuses a DOCTYPE inside the root element', () => {
    expect(reason('<a><!DOCTYPE x></a>')).toBe('doctype');
  });

  it('accepts the text "<!DOCTYPE" inside comments and CDATA sections', () => {
    const doc = parseXml('<a><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE y [<!ENTITY z "z">]>]]></a>');
    expect(text(doc.documentElement)).toBe('<!DOCTYPE y [<!ENTITY z "z">]>');
  });

  it('refuses undeclared entity references in text and attributes', () => {
    expect(reason('<a>&xxe;</a>')).toBe('entity');
    expect(reason('<a b="&nbsp;"/>')).toBe('entity');
  });

  it('resolves the predefined entities and character references', () => {
    const doc = parseXml('<a b="&quot;&apos;&#x9;">&lt;&gt;&amp;&#x41;&#66;&#x1F600;</a>');
    expect(text(doc.documentElement)).toBe('<>&AB\u{1F600}');
    expect(doc.documentElement.getAttribute('b')).toBe('"\'\t');
  });

  it('refuses character references outside the Char production', () => {
    expect(reason('<a>&#0;</a>')).toBe('malformed');
    expect(reason('<a>&#xD800;</a>')).toBe('malformed');
  });
});

describe('parseXml: limits', () => {
  it('refuses a 200 MB buffer on its size, at once', () => {
    const big = Buffer.alloc(200 * 1024 * 1024, 0x20);
    const start = performance.now();
    const e = refusal(big);
    const ms = performance.now() - start;
    expect(e.reason).toBe('too-large');
    // Generous bound: the check is O(1) on byteLength; nothing is decoded or scanned.
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a string over the limit by its UTF-8 size', () => {
    expect(reason(`<a>${'x'.repeat(DEFAULT_XML_LIMITS.maxBytes)}</a>`)).toBe('too-large');
    // 8 characters, 9 UTF-8 bytes: the multi-byte count matters.
    expect(parseXml('<a>é</a>', { maxBytes: 9 }).documentElement.localName).toBe('a');
    expect(reason('<a>é</a>', { maxBytes: 8 })).toBe('too-large');
  });

  it('refuses 10,000-deep nesting at the first element over the depth limit', () => {
    const deep = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
    const e = refusal(deep);
    expect(e.reason).toBe('too-deep');
    // Refused while reading element maxDepth + 1, long before the end of the input.
    expect(e.line).toBe(1);
    expect(e.column).toBeLessThanOrEqual((DEFAULT_XML_LIMITS.maxDepth + 1) * 3);
  });

  it('accepts nesting exactly at the depth limit', () => {
    const ok = '<a>'.repeat(10) + '</a>'.repeat(10);
    expect(parseXml(ok, { maxDepth: 10 }).documentElement.localName).toBe('a');
    expect(reason('<a>'.repeat(11) + '</a>'.repeat(11), { maxDepth: 10 })).toBe('too-deep');
  });

  it('refuses a document with too many elements while reading it', () => {
    const many = `<r>${'<b/>'.repeat(100_000)}</r>`;
    const e = refusal(many, { maxElements: 1000 });
    expect(e.reason).toBe('too-many-elements');
    expect(e.column).toBeLessThanOrEqual(3 + 1000 * 4);
    expect(
      parseXml(`<r>${'<b/>'.repeat(999)}</r>`, { maxElements: 1000 }).documentElement.childNodes.length,
    ).toBe(999);
  });

  it('counts comments, processing instructions and CDATA sections against the element limit', () => {
    expect(reason(`<r>${'<!---->'.repeat(10)}</r>`, { maxElements: 5 })).toBe('too-many-elements');
    expect(reason(`<r>${'<?p?>'.repeat(10)}</r>`, { maxElements: 5 })).toBe('too-many-elements');
    expect(reason(`<r>${'<![CDATA[x]]>'.repeat(10)}</r>`, { maxElements: 5 })).toBe('too-many-elements');
  });

  it('refuses an element with too many attributes', () => {
    const attrs = Array.from({ length: 300 }, (_, i) => `a${i}="v"`).join(' ');
    expect(reason(`<r ${attrs}/>`)).toBe('too-many-attributes');
    expect(parseXml(`<r ${attrs}/>`, { maxAttributes: 300 }).documentElement.attributes.length).toBe(300);
  });
});

describe('parseXml: document structure', () => {
  it('refuses multiple root elements', () => {
    expect(reason('<a/><b/>')).toBe('multiple-roots');
    expect(reason('<a></a>\n<a></a>')).toBe('multiple-roots');
  });

  it('refuses a document without a root element', () => {
    expect(reason('')).toBe('no-root');
    expect(reason('<?xml version="1.0"?>\n<!-- nothing -->\n')).toBe('no-root');
  });

  it('refuses malformed XML with its position', () => {
    const e = refusal('<a>\n  <b></a>');
    expect(e.reason).toBe('malformed');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/line 2/);
    for (const bad of [
      '<a>',
      '<a b="1" b="2"/>',
      '<p:a/>',
      '<a p:b="1"/>',
      'text<a/>',
      '<a/>text',
      '<a><b></a></b>',
      '<a b=1/>',
      '<a>]]></a>',
      '<a>\u0001</a>',
      '<a/><?xml version="1.0"?>',
    ])
      expect(reason(bad), bad).toBe('malformed');
  });

  it('keeps comments and processing instructions, not the XML declaration nor outer whitespace', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<!-- c -->\n<a/>\n<?pi data?>\n');
    expect(Array.from(doc.childNodes).map((n) => n.nodeType)).toEqual([8, 1, 7]);
    expect(serialize(doc)).toBe('<!-- c --><a/><?pi data?>');
  });
});

describe('parseXml: namespaces, attributes, CDATA', () => {
  const doc = parseXml(
    `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns="${NS.rim}" xmlns:xsi="${NS.xsi}" xsi:type="t">` +
      '<RegistryObjectList xml:lang="fr"><ExtrinsicObject id="Doc01" mimeType="text/xml"/>' +
      '<x:Other xmlns:x="urn:x" plain="1" x:q="2"/><none xmlns=""/></RegistryObjectList>' +
      '<Value><![CDATA[a<b]]> &amp; c</Value></lcm:SubmitObjectsRequest>',
  );
  const root = doc.documentElement;
  const list = root.firstChild as Element;

  it('gives elements their namespace, prefix and local name', () => {
    expect([root.namespaceURI, root.prefix, root.localName, root.tagName]).toEqual([
      NS.lcm,
      'lcm',
      'SubmitObjectsRequest',
      'lcm:SubmitObjectsRequest',
    ]);
    expect([list.namespaceURI, list.prefix, list.localName]).toEqual([NS.rim, null, 'RegistryObjectList']);
    const [eo, other, none] = Array.from(list.childNodes) as Element[];
    expect([eo!.namespaceURI, eo!.localName]).toEqual([NS.rim, 'ExtrinsicObject']);
    expect([other!.namespaceURI, other!.prefix, other!.localName]).toEqual(['urn:x', 'x', 'Other']);
    expect([none!.namespaceURI, none!.localName]).toEqual([null, 'none']);
  });

  it('keeps attributes, namespaced attributes and namespace declarations', () => {
    expect(root.getAttributeNS(NS.xsi, 'type')).toBe('t');
    expect(root.getAttributeNS(NS.xmlns, 'lcm')).toBe(NS.lcm);
    expect(root.getAttribute('xmlns')).toBe(NS.rim);
    expect(root.attributes.length).toBe(4);
    expect(list.getAttributeNS(NS.xml, 'lang')).toBe('fr');
    const other = list.childNodes[1] as Element;
    const plain = other.getAttributeNode('plain')!;
    expect([plain.namespaceURI, plain.localName, plain.value]).toEqual([null, 'plain', '1']);
    expect(other.getAttributeNS('urn:x', 'q')).toBe('2');
  });

  it('keeps CDATA sections as such, and text() joins them with the text', () => {
    const value = root.lastChild as Element;
    expect(Array.from(value.childNodes).map((n) => n.nodeType)).toEqual([4, 3]);
    expect(text(value)).toBe('a<b & c');
    expect(serialize(value)).toContain('<![CDATA[a<b]]>');
  });

  it('normalises line ends and attribute whitespace as XML 1.0 2.11 and 3.3.3 say', () => {
    const d = parseXml('<a b="x\ty\nz">1\r\n2\r3</a>');
    expect(d.documentElement.getAttribute('b')).toBe('x y z');
    expect(text(d.documentElement)).toBe('1\n2\n3');
  });
});

describe('parseXml: encodings of byte input', () => {
  const decl = (enc: string): string => `<?xml version="1.0" encoding="${enc}"?>`;
  const value = (d: Document): string | undefined => text(d.documentElement);

  it('decodes UTF-8, with or without BOM, and with a byteOffset', () => {
    expect(value(parseXml(Buffer.from('<a>Müller €</a>', 'utf8')))).toBe('Müller €');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${decl('UTF-8')}<a>é</a>`)]);
    expect(value(parseXml(bom))).toBe('é');
    const padded = Buffer.from('xxx<a>ok</a>yyy');
    expect(value(parseXml(new Uint8Array(padded.buffer, padded.byteOffset + 3, 9)))).toBe('ok');
  });

  it('refuses invalid UTF-8 instead of replacing it', () => {
    expect(reason(Buffer.from('<a>M\xfcller</a>', 'latin1'))).toBe('encoding');
  });

  it('decodes a document declared ISO-8859-1 exactly as ISO-8859-1', () => {
    const bytes = Buffer.from(`${decl('ISO-8859-1')}<a>Müller</a>`, 'latin1');
    expect(value(parseXml(bytes))).toBe('Müller');
    expect(value(parseXml(Buffer.from(`${decl('latin1')}<a>\x80</a>`, 'latin1')))).toBe('\u0080');
  });

  it('decodes Windows-1252', () => {
    const bytes = Buffer.from(`${decl('windows-1252')}<a>\x80 \x93x\x94 \xe9</a>`, 'latin1');
    expect(value(parseXml(bytes))).toBe('€ “x” é');
  });

  it('decodes UTF-16 with a BOM, either byte order', () => {
    const s = `${decl('UTF-16')}<a>Grüße</a>`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
    expect(value(parseXml(le))).toBe('Grüße');
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);
    expect(value(parseXml(be))).toBe('Grüße');
  });

  it('refuses unsupported, contradictory or violated encodings', () => {
    expect(reason(Buffer.from(`${decl('Shift_JIS')}<a/>`))).toBe('encoding');
    expect(reason(Buffer.from(`${decl('UTF-16')}<a/>`))).toBe('encoding');
    expect(reason(Buffer.from(`${decl('US-ASCII')}<a>\xe9</a>`, 'latin1'))).toBe('encoding');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${decl('ISO-8859-1')}<a/>`)]);
    expect(reason(bom)).toBe('encoding');
  });

  it('ignores the declared encoding of a string, which is already decoded', () => {
    expect(value(parseXml(`${decl('ISO-8859-1')}<a>Müller</a>`))).toBe('Müller');
  });
});

/** Element structure with everything a consumer reads: names, namespaces, attributes, text. */
interface Shape {
  ns: string | null;
  prefix: string | null;
  local: string;
  attrs: string[];
  content: (Shape | string)[];
}
function shape(el: Element): Shape {
  return {
    ns: el.namespaceURI,
    prefix: el.prefix,
    local: el.localName,
    attrs: Array.from(el.attributes).map((a) => `{${a.namespaceURI ?? ''}}${a.name}=${a.value}`),
    content: Array.from(el.childNodes).flatMap((c): (Shape | string)[] =>
      c.nodeType === 1
        ? [shape(c as Element)]
        : c.nodeType === 3 || c.nodeType === 4
          ? [c.nodeValue ?? '']
          : [],
    ),
  };
}

describe('parseXml: round trip of a real ebRIM submission', () => {
  const sample = readFileSync(
    new URL(
      '../../../../shared/conformance/02-xds-metadata/ipf/SubmitObjectsRequest_ebrs30.xml',
      import.meta.url,
    ),
  );

  it('parse -> serialize -> parse keeps the structure, and serialization is a fixpoint', () => {
    const first = parseXml(sample);
    const out = serialize(first);
    const second = parseXml(out);
    expect(shape(second.documentElement)).toEqual(shape(first.documentElement));
    expect(serialize(second)).toBe(out);
    const values = Array.from(first.getElementsByTagNameNS(NS.rim, 'Value')).map((v) => text(v));
    expect(values).toContain('ST-1000^^^&1.3.6.1.4.1.21367.2003.3.9&ISO');
  });
});
