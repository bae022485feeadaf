/**
 * The reader's fast paths (build.ts): ASCII names scanned without the unicode QName regex, end
 * tags matched against the open element's QName, attribute values without TAB or LF left as
 * they are. Each must give what the full productions give: the same names, the same DOM, and
 * the same refusal with the same message and position.
 */
import { describe, expect, it } from 'vitest';
import { XmlError, parseXml } from './parse.js';

/** Reason, message and position of the refusal of `input`; fails the test when it parses. */
function refusal(input: string): Pick<XmlError, 'reason' | 'message' | 'line' | 'column'> {
  try {
    parseXml(input);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlError);
    const { reason, message, line, column } = e as XmlError;
    return { reason, message, line, column };
  }
  throw new Error('expected parseXml to refuse the input');
}

const malformed = (message: string, line: number, column: number): object => ({
  reason: 'malformed',
  message: `malformed XML: ${message} (line ${line}, column ${column})`,
  line,
  column,
});

describe('reader: names', () => {
  it('reads names with non-ASCII characters anywhere by the full production', () => {
    const doc = parseXml('<été xmlns:p="urn:p" ça="1" p:là="2"><p:aé/><p:é/><a\u00b7b\u0301/></été>');
    const root = doc.documentElement;
    expect(root.localName).toBe('été');
    expect(root.getAttribute('ça')).toBe('1');
    expect(root.getAttributeNS('urn:p', 'là')).toBe('2');
    const names = Array.from(root.childNodes, (c) => [(c as Element).prefix, (c as Element).localName]);
    expect(names).toEqual([
      ['p', 'aé'],
      ['p', 'é'],
      [null, 'a\u00b7b\u0301'],
    ]);
  });

  it('reads names with characters outside the BMP', () => {
    expect(parseXml('<a\u{10000}/>').documentElement.localName).toBe('a\u{10000}');
    expect(parseXml('<a:\u{10000} xmlns:a="u"/>').documentElement.localName).toBe('\u{10000}');
  });

  it('refuses a name starting with a combining character, as the production does', () => {
    expect(refusal('<\u0301a/>')).toEqual(malformed('invalid element name', 1, 2));
  });

  it('reads ASCII name characters after the first: digits, ".", "-", "_"', () => {
    const doc = parseXml('<_a.b-c_9 x-1.y_="v"/>');
    expect(doc.documentElement.localName).toBe('_a.b-c_9');
    expect(doc.documentElement.getAttribute('x-1.y_')).toBe('v');
    expect(refusal('<1a/>')).toEqual(malformed('invalid element name', 1, 2));
    expect(refusal('<a -b="1"/>')).toEqual(malformed('invalid attribute name', 1, 4));
  });

  it('ends a QName before a colon that no NCName follows', () => {
    expect(refusal('<a:/>')).toEqual(malformed('invalid start tag', 1, 3));
    expect(refusal('<a:1/>')).toEqual(malformed('invalid start tag', 1, 3));
    expect(refusal('<a:b:c xmlns:a="u"/>')).toEqual(malformed('invalid start tag', 1, 5));
    expect(refusal('<a b:="1"/>')).toEqual(malformed('attribute b has no value', 1, 5));
  });

  it('refuses names cut off by the end of the input at the right position', () => {
    expect(refusal('<a')).toEqual(malformed('unexpected end of input in a start tag', 1, 3));
    expect(refusal('<a:')).toEqual(malformed('invalid start tag', 1, 3));
    expect(refusal('<ab:c')).toEqual(malformed('unexpected end of input in a start tag', 1, 6));
    expect(refusal('<a b')).toEqual(malformed('attribute b has no value', 1, 5));
    expect(refusal('<a b:')).toEqual(malformed('attribute b has no value', 1, 5));
    expect(refusal('<a></a')).toEqual(malformed('invalid end tag', 1, 7));
    expect(refusal('<a></')).toEqual(malformed('invalid end tag', 1, 6));
  });
});

describe('reader: recurring names', () => {
  it('gives every element its own name across many documents with many distinct names', () => {
    for (let d = 0; d < 40; d++) {
      const names = Array.from({ length: 40 }, (_, i) => `p:e${d}-${i}${'x'.repeat(i * 2)}`);
      const xml = `<p:r xmlns:p="urn:p${d}">${names.map((n) => `<${n}/><${n}></${n}>`).join('')}</p:r>`;
      const children = Array.from(parseXml(xml).documentElement.childNodes) as Element[];
      expect(children.map((c) => c.tagName)).toEqual(names.flatMap((n) => [n, n]));
      expect(children.every((c) => c.prefix === 'p' && c.namespaceURI === `urn:p${d}`)).toBe(true);
      expect(children.map((c) => c.localName)).toEqual(names.flatMap((n) => [n.slice(2), n.slice(2)]));
    }
  });

  it('gives every attribute its own name, whatever the name', () => {
    for (let d = 0; d < 40; d++) {
      const names = Array.from({ length: 40 }, (_, i) => `a${d}-${i}${'x'.repeat(i * 2)}`);
      const xml = `<r ${names.map((n, i) => `${n}="${i}"`).join(' ')} __proto__="p" constructor="c" toString="t"/>`;
      const r = parseXml(xml).documentElement;
      expect(Array.from(r.attributes, (a) => [a.name, a.localName, a.namespaceURI, a.value])).toEqual([
        ...names.map((n, i) => [n, n, null, String(i)]),
        ['__proto__', '__proto__', null, 'p'],
        ['constructor', 'constructor', null, 'c'],
        ['toString', 'toString', null, 't'],
      ]);
      expect(r.getAttribute('__proto__')).toBe('p');
    }
  });
});

describe('reader: end tags', () => {
  it('accepts the open element QName followed by white space', () => {
    const doc = parseXml('<a:b xmlns:a="u"><c></c \n\t></a:b\t>');
    expect(doc.documentElement.firstChild?.nodeName).toBe('c');
  });

  it('refuses an end tag that only starts with the open QName, naming both', () => {
    expect(refusal('<a></ab>')).toEqual(malformed('end tag ab does not match start tag a', 1, 4));
    expect(refusal('<ab></a>')).toEqual(malformed('end tag a does not match start tag ab', 1, 5));
    expect(refusal('<a></aé>')).toEqual(malformed('end tag aé does not match start tag a', 1, 4));
    expect(refusal('<a:b xmlns:a="u"></a:b:c>')).toEqual(malformed('invalid end tag', 1, 23));
  });

  it('refuses anything but white space and ">" after the QName', () => {
    expect(refusal('<a></a x>')).toEqual(malformed('invalid end tag', 1, 8));
    expect(refusal('<a></a/>')).toEqual(malformed('invalid end tag', 1, 7));
    expect(refusal('<a></a ')).toEqual(malformed('invalid end tag', 1, 8));
  });

  it('refuses an end tag without a start tag', () => {
    expect(refusal('<a/></a>')).toEqual(malformed('end tag a without a start tag', 1, 5));
  });
});

describe('reader: attribute values', () => {
  it('turns each TAB and LF of a value into a space, but not those from references', () => {
    const a = parseXml('<a b="x\ty\nz" c="&#9;\t&lt;\n&#10;" d="plain"/>').documentElement;
    expect(a.getAttribute('b')).toBe('x y z');
    expect(a.getAttribute('c')).toBe('\t < \n');
    expect(a.getAttribute('d')).toBe('plain');
  });

  it('reports a bad reference after a TAB at its position in the input', () => {
    expect(refusal('<a b="\t\n&x"/>')).toEqual(malformed('"&" must start a reference ending with ";"', 2, 1));
  });

  it('refuses a duplicate attribute and a duplicate expanded name', () => {
    expect(refusal('<a b="1" c="2" b="3"/>')).toEqual(malformed('duplicate attribute b', 1, 16));
    expect(refusal('<a xmlns:p="u" p:b="1" xmlns:q="u" q:b="2"/>')).toEqual(
      malformed('duplicate attribute {u}b', 1, 1),
    );
  });

  it('treats only xmlns and xmlns:* as declarations', () => {
    const a = parseXml('<a xmlnsx="1" xmlns-y="2"/>').documentElement;
    expect([a.getAttributeNode('xmlnsx')?.namespaceURI, a.getAttribute('xmlns-y')]).toEqual([null, '2']);
  });
});
