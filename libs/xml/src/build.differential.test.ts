/**
 * Differential test of the reader (build.ts) against the saxes tokenizer the parser used before
 * it: on every XML, XSD and WSDL file of the shared conformance set, on a list of edge cases of
 * the XML and Namespaces recommendations, and on seeded random mutations of samples, both must
 * refuse, or both must accept with the same DOM (compared through its serialization).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import { SaxesParser } from 'saxes';
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';
import { describe, expect, it } from 'vitest';
import { DEFAULT_XML_LIMITS, parseXml } from './parse.js';

const CONFORMANCE = new URL('../../../../shared/conformance/', import.meta.url).pathname;

/** The saxes-driven builder, as an oracle: undefined when saxes refuses the input. */
function oracle(text: string): string | undefined {
  const doc = new DOMImplementation().createDocument(null, '');
  const stack: Element[] = [];
  let parent: Document | Element = doc as unknown as Document;
  const parser = new SaxesParser({ xmlns: true });
  let failed = false;
  parser.on('error', () => {
    failed = true;
    throw new Error('refused');
  });
  parser.on('doctype', () => {
    failed = true;
    throw new Error('doctype');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const el = doc.createElementNS(tag.uri === '' ? null : tag.uri, tag.name) as unknown as Element;
    for (const name in tag.attributes) {
      const a = tag.attributes[name] as SaxesAttributeNS;
      el.setAttributeNS(a.uri === '' ? null : a.uri, a.name, a.value);
    }
    parent.appendChild(el);
    stack.push(el);
    parent = el;
  });
  parser.on('closetag', () => {
    stack.pop();
    parent = stack[stack.length - 1] ?? (doc as unknown as Document);
  });
  parser.on('text', (t) => {
    if (stack.length > 0) parent.appendChild(doc.createTextNode(t) as unknown as Text);
  });
  parser.on('cdata', (t) => parent.appendChild(doc.createCDATASection(t) as unknown as CDATASection));
  parser.on('comment', (t) => parent.appendChild(doc.createComment(t) as unknown as Comment));
  parser.on('processinginstruction', (pi) =>
    parent.appendChild(
      doc.createProcessingInstruction(pi.target ?? '', pi.body) as unknown as ProcessingInstruction,
    ),
  );
  try {
    parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  } catch {
    return undefined;
  }
  return failed ? undefined : new XMLSerializer().serializeToString(doc);
}

function ours(text: string): string | undefined {
  try {
    return new XMLSerializer().serializeToString(
      parseXml(text, { ...DEFAULT_XML_LIMITS, maxBytes: 64 * 1024 * 1024 }) as never,
    );
  } catch {
    return undefined;
  }
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(xml|xsd|wsdl|sch)$/.test(name) ? [path] : [];
  });
}

/** Decoded text of a sample as parseXml reads bytes (UTF-8 here; the others are refused alike). */
const sample = (path: string): string => readFileSync(path, 'utf8');

describe('reader vs saxes', () => {
  const corpus = files(CONFORMANCE);

  it('finds the conformance samples', () => {
    expect(corpus.length).toBeGreaterThan(200);
  });

  it('agrees on every conformance sample', () => {
    const disagreements = corpus.filter((path) => {
      const text = sample(path);
      return ours(text) !== oracle(text);
    });
    expect(disagreements).toEqual([]);
  });

  it('agrees on edge cases of XML 1.0 and Namespaces in XML 1.0', () => {
    const cases = [
      '<a/>',
      '<a></a >',
      '<a b = "1" c=\'2\'/>',
      '<a b="&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;"/>',
      '<a>&#0;</a>',
      '<a>&#xD800;</a>',
      '<a>&#x110000;</a>',
      '<a>&#99999999999;</a>',
      '<a>&foo;</a>',
      '<a>& </a>',
      '<a>&#;</a>',
      '<a>&#x;</a>',
      '<a>&#12a;</a>',
      '<a>AT&T</a>',
      '<a>]]></a>',
      '<a>]]</a>',
      '<a>]></a>',
      '<a><!----></a>',
      '<a><!-- - --></a>',
      '<a><!-- -- --></a>',
      '<a><!-- ---></a>',
      '<a><!---> x --></a>',
      '<a><![CDATA[]]></a>',
      '<a><![CDATA[ ]] ]]></a>',
      '<![CDATA[x]]><a/>',
      '<a><?p?></a>',
      '<a><?p x?></a>',
      '<a><?p   x  ?></a>',
      '<a><?px?></a>',
      '<a><?xml x?></a>',
      '<a><?XmL x?></a>',
      '<a><?xml-stylesheet x?></a>',
      '<a><?p:q x?></a>',
      '<a><? p?></a>',
      '<?xml version="1.0"?><a/>',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>',
      "<?xml version='1.0' encoding='UTF-8'?><a/>",
      '<?xml version="1.0" ?><a/>',
      '<?xml  version="1.0"?><a/>',
      '<?xml version="2.0"?><a/>',
      '<?xml version="1.0" standalone="maybe"?><a/>',
      '<?xml encoding="UTF-8"?><a/>',
      '<?xml version="1.0" standalone="yes" encoding="UTF-8"?><a/>',
      ' <?xml version="1.0"?><a/>',
      '<?xml version="1.0"?> <!-- c --> <?p?> <a/> <!-- d --> ',
      '<a/><!-- after -->',
      '<a/>x',
      'x<a/>',
      '<a/><b/>',
      '<a><b></a></b>',
      '<a>',
      '</a>',
      '<a/></a>',
      '<a b="1" b="2"/>',
      '<a b="1"b="2"/>',
      '<a b=1/>',
      '<a b="<"/>',
      '<a b="x&#10;y&#9;z\tw\nv"/>',
      '<a\tb\n=\n"1"\n/>',
      '<a:b xmlns:a="u"/>',
      '<a:b/>',
      '<a c:d="1"/>',
      '<a xmlns:c="u" xmlns:d="u" c:e="1" d:e="2"/>',
      '<a xmlns:c="u" c:e="1" e="2"/>',
      '<a xmlns="u"><b xmlns=""><c/></b></a>',
      '<a xmlns:p=""/>',
      '<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>',
      '<a xmlns:xml="urn:other"/>',
      '<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>',
      '<a xmlns:xmlns="urn:x"/>',
      '<a xmlns="http://www.w3.org/2000/xmlns/"/>',
      '<a xml:lang="en"/>',
      '<xmlns:a/>',
      '<a:b:c xmlns:a="u"/>',
      '<:a/>',
      '<a: xmlns:a="u"/>',
      '<1a/>',
      '<-a/>',
      '<a-b.c_d·e/>',
      '<été ça="là">ü</été>',
      '<a\u0301/>',
      '<\u0301a/>',
      '<a>\u0001</a>',
      '<a>\uFFFE</a>',
      '<a>\uD83D\uDE00</a>',
      '<a>\uD83D</a>',
      '<a>\uDE00</a>',
      '<!DOCTYPE a><a/>',
      '<a><!DOCTYPE a></a>',
      '<!doctype a><a/>',
      '<a><!ELEMENT a></a>',
      '<a><![CDATA[x]></a>',
      '<a><!-- x </a>',
      '<a><?p x</a>',
      '<a b="1',
      '<a b',
      '<a',
      '<',
      '',
      '   ',
      '<a>\r\n\r</a>',
      '<a b="\r\n"/>',
      '\uFEFF<a/>',
    ];
    const disagreements = cases.filter((c) => ours(c) !== oracle(c));
    expect(disagreements).toEqual([]);
  });

  it('agrees on seeded random mutations of samples', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = [
      '<',
      '>',
      '/',
      '&',
      ';',
      '"',
      "'",
      '=',
      ' ',
      ':',
      '!',
      '?',
      '-',
      ']',
      'x',
      '&#1;',
      '\u0000',
    ];
    const bases = corpus
      .filter((p) => p.endsWith('.xml'))
      .slice(0, 20)
      .map(sample);
    const disagreements: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const base = bases[random(bases.length)] as string;
      const at = random(Math.min(base.length, 4000));
      const mutated =
        random(2) === 0
          ? base.slice(0, at) + (pieces[random(pieces.length)] as string) + base.slice(at)
          : base.slice(0, at) + base.slice(at + 1 + random(3));
      if (ours(mutated) !== oracle(mutated)) disagreements.push(mutated.slice(Math.max(0, at - 40), at + 40));
    }
    expect(disagreements).toEqual([]);
  });
});
