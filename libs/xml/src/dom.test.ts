import { describe, expect, it } from 'vitest';
import {
  attr,
  child,
  childText,
  children,
  elements,
  escapeXml,
  escapeXmlAttribute,
  serialize,
  text,
} from './dom.js';
import { NS } from './namespaces.js';
import { parseXml } from './parse.js';

const doc = parseXml(
  `<rs:RegistryResponse xmlns:rs="${NS.rs}" xmlns:rim="${NS.rim}" status="s" empty="">` +
    '<rim:Slot name="a"/><!-- c --><rim:Slot name="b"/><rs:RegistryErrorList>' +
    '<rs:RegistryError errorCode="XDSRegistryError">x<![CDATA[y]]>z</rs:RegistryError></rs:RegistryErrorList>' +
    '<Slot name="no-namespace"/></rs:RegistryResponse>',
);
const root = doc.documentElement;

describe('namespaced lookups', () => {
  it('child/children match namespace and local name, not prefix', () => {
    expect(child(root, NS.rim, 'Slot')?.getAttribute('name')).toBe('a');
    expect(children(root, NS.rim, 'Slot').map((e) => e.getAttribute('name'))).toEqual(['a', 'b']);
    expect(children(root, null, 'Slot').map((e) => e.getAttribute('name'))).toEqual(['no-namespace']);
    expect(child(root, NS.rs, 'Slot')).toBeUndefined();
  });

  it('elements skips comments and text', () => {
    expect(elements(root).map((e) => e.localName)).toEqual(['Slot', 'Slot', 'RegistryErrorList', 'Slot']);
  });

  it('text joins text and CDATA; childText reads a child', () => {
    const list = child(root, NS.rs, 'RegistryErrorList')!;
    expect(childText(list, NS.rs, 'RegistryError')).toBe('xyz');
    expect(childText(list, NS.rs, 'Missing')).toBeUndefined();
    expect(text(undefined)).toBeUndefined();
    expect(text(child(root, NS.rim, 'Slot'))).toBe('');
  });

  it('attr tells an absent attribute from an empty one', () => {
    expect(attr(root, 'status')).toBe('s');
    expect(attr(root, 'empty')).toBe('');
    expect(attr(root, 'missing')).toBeUndefined();
  });
});

describe('serialize / escapeXml', () => {
  it('escapes the five special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('escaped text survives a round trip in content and attributes', () => {
    const s = `Müller & "Söhne" <'1'>`;
    const d = parseXml(`<a b="${escapeXml(s)}">${escapeXml(s)}</a>`);
    expect(d.documentElement.getAttribute('b')).toBe(s);
    expect(text(d.documentElement)).toBe(s);
    const again = parseXml(serialize(d));
    expect(again.documentElement.getAttribute('b')).toBe(s);
    expect(text(again.documentElement)).toBe(s);
  });

  it('escapes CR everywhere, and TAB and LF in attribute values', () => {
    const s = 'a\tb\nc\r\nd';
    expect(escapeXml(s)).toBe('a\tb\nc&#xD;\nd');
    expect(escapeXmlAttribute(s)).toBe('a&#x9;b&#xA;c&#xD;&#xA;d');
    const d = parseXml(`<a v="${escapeXmlAttribute(s)}" w="${escapeXml(s)}">${escapeXml(s)}</a>`);
    expect(d.documentElement.getAttribute('v')).toBe(s);
    expect(d.documentElement.getAttribute('w')).toBe('a b c\r d');
    expect(text(d.documentElement)).toBe(s);
  });

  it('keeps CR, LF and TAB from character references through a round trip', () => {
    const d = parseXml('<a b="x&#10;y&#9;z&#13;">l1&#13;&#10;l2</a>');
    const again = parseXml(serialize(d));
    expect(again.documentElement.getAttribute('b')).toBe('x\ny\tz\r');
    expect(text(again.documentElement)).toBe('l1\r\nl2');
  });

  it('serializes a subtree with the namespace declarations it needs', () => {
    const error = child(child(root, NS.rs, 'RegistryErrorList')!, NS.rs, 'RegistryError')!;
    const out = serialize(error);
    expect(out).toContain(`xmlns:rs="${NS.rs}"`);
    expect(parseXml(out).documentElement.namespaceURI).toBe(NS.rs);
  });
});
