/**
 * The subset scanner against the hardened parser: on every fixture and on thousands of
 * mutations of them, whatever the scanner reads gives exactly the tree the hardened parser
 * builds, and whatever the hardened parser refuses the scanner leaves to it. Hostile input
 * (DOCTYPE, entities, limits) never stays on the scanner's path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_XML_LIMITS, parseXml } from '@mesh/xml';
import type { XmlLimits } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { buildTransactionAudit, auditSource } from './builders.js';
import { AuditFormatError } from './errors.js';
import { TEST_USER } from './test-fixtures.js';
import { AUDIT_XML_LIMITS, parseAuditXmlWithForm, toAuditXml } from './xml.js';
import { auditXmlRoot, scanAuditXmlSubset, treeFromDom } from './xml-tree.js';
import type { AuditXmlElement } from './xml-tree.js';

const LIMITS: XmlLimits = { ...DEFAULT_XML_LIMITS, ...AUDIT_XML_LIMITS };
const dir = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => readFileSync(`${dir}${f}`, 'utf8'));

const built = toAuditXml(
  buildTransactionAudit({
    transaction: 'ITI-43',
    side: 'responder',
    outcome: 'Success',
    eventDateTime: new Date('2026-11-25T20:00:00.000Z'),
    initiator: { userId: 'https://consumer.example/a?b=1&c=<2>', networkAccessPoint: '10.1.2.3' },
    responder: { userId: 'https://mesh.example/xds/repository', networkAccessPoint: 'mesh.example' },
    principal: TEST_USER,
    auditSource: auditSource('mesh-repository', 'LU'),
    patientId: 'P1^^^&1.3.6.1.4.1.99999.1.1&ISO',
    documents: [{ uniqueId: '1.2.3.4.5', repositoryUniqueId: '1.3.6.1.4.1.99999.2.1' }],
  }),
);

/** The hardened parser's tree, or 'refused'. */
function hardened(xml: string, limits: XmlLimits = LIMITS): AuditXmlElement | 'refused' {
  try {
    return treeFromDom(parseXml(xml, limits).documentElement);
  } catch {
    return 'refused';
  }
}

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '<',
  '>',
  '/',
  '&',
  ';',
  '"',
  "'",
  '=',
  ' ',
  '\r',
  '\n',
  '\r\n',
  '\t',
  ':',
  'x',
  '-',
  '.',
  '1',
  ']]>',
  '&#0;',
  '&#x41;',
  '&#X41;',
  '&#65;',
  '&#xD;',
  '&#1114112;',
  '&lt;',
  '&amp;',
  '&foo;',
  '&#;',
  ' xmlns:p="urn:p"',
  ' p:a="1"',
  ' q:a="2"',
  ' xml:lang="en"',
  ' xmlns="urn:d"',
  ' xmlns:p=""',
  ' xmlns:xml="urn:x"',
  ' a="1"',
  " a='1'",
  '<!--c-->',
  '<![CDATA[x]]>',
  '<?pi x?>',
  '<!DOCTYPE a>',
  '\u0001',
  '\uD800',
  '\uFFFE',
  '\u00e9',
  '\u{1F600}',
  '<a>',
  '</a>',
  '<b/>',
  '<xmlns/>',
  '<p:b/>',
  '<?xml version="1.0"?>',
  '\uFEFF',
];

/** Pieces that keep a document well-formed when put just after a '"' or a '>'. */
const SAFE = [
  '&amp;',
  '&#10;',
  '&#xD;',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '\u00e9',
  '&#x1F600;',
  '>',
  "'",
  ']]',
  '&quot;',
];

function mutate(xml: string, rnd: () => number): string {
  let s = xml;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const piece = PIECES[Math.floor(rnd() * PIECES.length)]!;
    switch (Math.floor(rnd() * 4)) {
      case 0:
        s = s.slice(0, at) + piece + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 4));
        break;
      case 2:
        s = s.slice(0, at) + piece + s.slice(at + piece.length);
        break;
      default: {
        const after = s.indexOf(rnd() < 0.5 ? '"' : '>', at);
        if (after === -1) break;
        const safe = SAFE[Math.floor(rnd() * SAFE.length)]!;
        s = s.slice(0, after + 1) + safe + s.slice(after + 1);
      }
    }
  }
  return s;
}

describe('scanAuditXmlSubset', () => {
  it('reads every IPF fixture and the builders output, giving the hardened parser tree', () => {
    expect(fixtures).toHaveLength(18);
    for (const xml of [...fixtures, built]) {
      const scanned = scanAuditXmlSubset(xml, LIMITS);
      expect(scanned).toBeDefined();
      expect(scanned).toEqual(hardened(xml));
    }
  });

  it('agrees with the hardened parser on 6,000 mutations: what it reads is the same tree, what it refuses it never reads', () => {
    const rnd = prng(20261126);
    const seeds = [...fixtures.slice(0, 6), built];
    let scanned = 0;
    let refused = 0;
    for (let n = 0; n < 6000; n++) {
      const xml = mutate(seeds[n % seeds.length]!, rnd);
      const fast = scanAuditXmlSubset(xml, LIMITS);
      const slow = hardened(xml);
      if (slow === 'refused') refused++;
      if (fast === undefined) continue;
      scanned++;
      if (slow === 'refused' || JSON.stringify(fast) !== JSON.stringify(slow))
        throw new Error(`scanner and hardened parser disagree on: ${JSON.stringify(xml)}`);
    }
    // Both paths must really be exercised for the comparison to mean anything.
    expect(scanned).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1500);
  });

  it('normalizes line ends, attribute white space and references as XML 1.0 says', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<A x="a\r\nb\tc&#10;d&#xD;&lt;&quot;" y=\'&apos;"\'>t\r\nu\rv&amp;&#x1F600;&gt;<B/>w</A>\n';
    const t = scanAuditXmlSubset(xml, LIMITS);
    expect(t).toEqual(hardened(xml));
    expect(t?.attributes).toEqual(['x', 'a b c\nd\r<"', 'y', '\'"']);
    expect(t?.text).toBe('t\nu\nv&\u{1F600}>w');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE AuditMessage [<!ENTITY x "y">]><AuditMessage>&x;</AuditMessage>'],
    ['an external entity', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><AuditMessage/>'],
    ['an undefined entity', '<AuditMessage>&x;</AuditMessage>'],
    ['a comment', '<AuditMessage><!-- x --></AuditMessage>'],
    ['a CDATA section', '<AuditMessage><![CDATA[x]]></AuditMessage>'],
    ['a processing instruction', '<?pi x?><AuditMessage/>'],
    ['a prefixed element', '<a:AuditMessage xmlns:a="urn:a"/>'],
    ['an unbound attribute prefix', '<AuditMessage p:x="1"/>'],
    ['a second root', '<AuditMessage/><AuditMessage/>'],
    ['an unclosed element', '<AuditMessage><A>'],
    ['text after the root', '<AuditMessage/>x'],
    ['a BOM character', '\uFEFF<AuditMessage/>'],
    ['XML 1.1', '<?xml version="1.1"?><AuditMessage/>'],
  ])('leaves %s to the hardened parser', (_, xml) => {
    expect(scanAuditXmlSubset(xml, LIMITS)).toBeUndefined();
  });

  it('leaves input beyond each limit to the hardened parser, which refuses it', () => {
    const deep = `${'<A>'.repeat(17)}${'</A>'.repeat(17)}`;
    const wide = `<A>${'<B/>'.repeat(101)}</A>`;
    const attrs = `<A ${Array.from({ length: 11 }, (_, i) => `a${i}="1"`).join(' ')}/>`;
    const cases: [string, Partial<XmlLimits>, string][] = [
      [deep, {}, 'too-deep'],
      [wide, { maxElements: 100 }, 'too-many-elements'],
      [attrs, { maxAttributes: 10 }, 'too-many-attributes'],
      [built, { maxBytes: 1000 }, 'too-large'],
    ];
    for (const [xml, override, reason] of cases) {
      const limits = { ...LIMITS, ...override };
      expect(scanAuditXmlSubset(xml, limits)).toBeUndefined();
      let err: unknown;
      try {
        auditXmlRoot(xml, limits);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AuditFormatError);
      expect((err as AuditFormatError).reason).toBe('malformed-xml');
      expect(((err as AuditFormatError).cause as { reason: string }).reason).toBe(reason);
    }
  });

  it('gives parseAuditXmlWithForm the same message whichever path reads it', () => {
    for (const xml of [...fixtures, built]) {
      const viaScanner = parseAuditXmlWithForm(xml);
      const viaHardened = parseAuditXmlWithForm(Buffer.from(xml, 'utf8'));
      expect(viaScanner).toEqual(viaHardened);
    }
  });
});
