import { describe, expect, it } from 'vitest';
import { NS } from './namespaces.js';
import { parseXml } from './parse.js';
import { select, selectString } from './xpath.js';

const doc = parseXml(
  `<rim:RegistryObjectList xmlns:rim="${NS.rim}">` +
    '<rim:ExtrinsicObject id="Doc01" status="Approved"><rim:Slot name="size"><rim:ValueList><rim:Value>35</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject>' +
    '<rim:ExtrinsicObject id="Doc02" status="Deprecated"/>' +
    '<rim:ExtrinsicObject id="O&apos;Brien &quot;x&quot;"/>' +
    '</rim:RegistryObjectList>',
);

const ids = (nodes: Node[]): (string | null)[] => nodes.map((n) => (n as Element).getAttribute('id'));

describe('select / selectString', () => {
  it('binds $variables and the NS prefixes', () => {
    expect(ids(select('//rim:ExtrinsicObject[@id = $id]', doc, { id: 'Doc02' }))).toEqual(['Doc02']);
    expect(ids(select('//rim:ExtrinsicObject[@status = $s]', doc, { s: 'Approved' }))).toEqual(['Doc01']);
    expect(selectString('string(//rim:ExtrinsicObject[@id = $id]//rim:Value)', doc, { id: 'Doc01' })).toBe(
      '35',
    );
    expect(select('//rim:ExtrinsicObject[position() = $n]', doc, { n: 2 })).toHaveLength(1);
  });

  it('treats a variable value as data: an injection attempt matches nothing', () => {
    expect(select('//rim:ExtrinsicObject[@id = $id]', doc, { id: "x' or '1'='1" })).toEqual([]);
    expect(select('//rim:ExtrinsicObject[@id = $id]', doc, { id: 'x" or "1"="1' })).toEqual([]);
    expect(select('//rim:ExtrinsicObject[@id = $id]', doc, { id: "'] | //*[1='1" })).toEqual([]);
  });

  it('matches values containing both quote kinds exactly', () => {
    expect(ids(select('//rim:ExtrinsicObject[@id = $id]', doc, { id: 'O\'Brien "x"' }))).toEqual([
      'O\'Brien "x"',
    ]);
  });

  it('accepts extra namespace prefixes', () => {
    const d = parseXml('<a xmlns="urn:example"><b>1</b></a>');
    expect(selectString('string(/e:a/e:b)', d, {}, { e: 'urn:example' })).toBe('1');
    expect(select('/a/b', d)).toEqual([]);
  });

  it('refuses expressions that are not node-sets; selectString takes them', () => {
    expect(() => select('count(//rim:ExtrinsicObject)', doc)).toThrow();
    expect(selectString('count(//rim:ExtrinsicObject)', doc)).toBe('3');
  });
});
