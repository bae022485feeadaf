/**
 * XSD validation needs a validator library, which this pure package does not take on.
 * Instead, this file reads dicom2017c.xsd (the third-party DICOM audit schema, in place
 * from ../shared/conformance) and checks documents against the subset of XML Schema that
 * schema uses: element sequences and choices with min/maxOccurs, required and undeclared
 * attributes, enumerations, and the lexical forms of xs:boolean, xs:integer, xs:dateTime
 * and xs:base64Binary. It is a structural check, not full XSD validation.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attr, elements, parseXml, text } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import {
  applicationActivityAudit,
  auditSource,
  nodeAuthenticationFailureAudit,
  userAuthenticationAudit,
  buildTransactionAudit,
  parseAuditXml,
  toAuditXml,
  type TransactionAuditInput,
} from './index.js';
import { TEST_USER } from './test-fixtures.js';

const atna = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/', import.meta.url));
const xsd = parseXml(readFileSync(`${atna}dicom2017c.xsd`)).documentElement;

const XS = 'http://www.w3.org/2001/XMLSchema';
const xs = (parent: Element, name: string): Element[] =>
  elements(parent).filter((e) => e.namespaceURI === XS && e.localName === name);
const top = (kind: string, name: string): Element => {
  const found = xs(xsd, kind).find((e) => attr(e, 'name') === name);
  if (!found) throw new Error(`schema has no ${kind} ${name}`);
  return found;
};

interface AttrDecl {
  required: boolean;
  type?: string;
  enumeration?: string[];
}
type Particle =
  | { kind: 'element'; name: string; decl: Element; min: number; max: number }
  | { kind: 'choice'; options: Particle[]; min: number; max: number };

const occurs = (e: Element): { min: number; max: number } => ({
  min: Number(attr(e, 'minOccurs') ?? '1'),
  max: attr(e, 'maxOccurs') === 'unbounded' ? Infinity : Number(attr(e, 'maxOccurs') ?? '1'),
});

function particles(group: Element): Particle[] {
  return elements(group).flatMap((p): Particle[] => {
    if (p.localName === 'element') {
      const ref = attr(p, 'ref');
      const decl = ref ? top('element', ref) : p;
      return [{ kind: 'element', name: ref ?? attr(p, 'name')!, decl, ...occurs(p) }];
    }
    if (p.localName === 'choice') return [{ kind: 'choice', options: particles(p), ...occurs(p) }];
    return [];
  });
}

function attributes(container: Element, out = new Map<string, AttrDecl>()): Map<string, AttrDecl> {
  for (const a of xs(container, 'attribute')) {
    const restriction = a.getElementsByTagNameNS(XS, 'restriction')[0];
    const union = a.getElementsByTagNameNS(XS, 'union')[0];
    const enums = restriction && !union ? xs(restriction, 'enumeration').map((e) => attr(e, 'value')!) : [];
    out.set(attr(a, 'name')!, {
      required: attr(a, 'use') === 'required',
      ...(attr(a, 'type') !== undefined && { type: attr(a, 'type') }),
      ...(enums.length > 0 && { enumeration: enums }),
    });
  }
  for (const g of xs(container, 'attributeGroup')) attributes(top('attributeGroup', attr(g, 'ref')!), out);
  return out;
}

const LEXICAL: Record<string, RegExp> = {
  'xs:boolean': /^(true|false|1|0)$/,
  'xs:integer': /^[+-]?\d+$/,
  'xs:dateTime': /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/,
  'xs:base64Binary': /^[A-Za-z0-9+/\s]*={0,2}\s*$/,
};

/** Returns the problems found in `el` against its declaration; empty when it conforms. */
function check(el: Element, decl: Element, path: string): string[] {
  const problems: string[] = [];
  const typeName = attr(decl, 'type');
  if (typeName?.startsWith('xs:')) {
    if (elements(el).length > 0) problems.push(`${path}: simple type ${typeName} has child elements`);
    const re = LEXICAL[typeName];
    if (re && !re.test(text(el) ?? '')) problems.push(`${path}: not a ${typeName}`);
    return problems;
  }
  const type = typeName ? top('complexType', typeName) : xs(decl, 'complexType')[0];
  if (!type) return [`${path}: no type`];
  const attrDecls = attributes(type);
  for (const [name, a] of attrDecls) {
    const v = attr(el, name);
    if (v === undefined) {
      if (a.required) problems.push(`${path}@${name}: required attribute missing`);
      continue;
    }
    if (a.enumeration && !a.enumeration.includes(v.trim()))
      problems.push(`${path}@${name}: '${v}' not allowed`);
    const re = a.type ? LEXICAL[a.type] : undefined;
    if (re && !re.test(v)) problems.push(`${path}@${name}: not a ${a.type}`);
  }
  for (const a of Array.from(el.attributes))
    if (!attrDecls.has(a.name) && !a.name.startsWith('xmlns')) problems.push(`${path}@${a.name}: undeclared`);

  const seq = xs(type, 'sequence')[0];
  const kids = elements(el);
  let i = 0;
  const matches = (p: Particle, e: Element | undefined): Element | undefined => {
    if (!e) return undefined;
    if (p.kind === 'element') return p.name === e.localName ? p.decl : undefined;
    for (const o of p.options) {
      const d = matches(o, e);
      if (d) return d;
    }
    return undefined;
  };
  for (const p of seq ? particles(seq) : []) {
    let n = 0;
    for (let d = matches(p, kids[i]); d && n < p.max; d = matches(p, kids[i])) {
      problems.push(...check(kids[i]!, d, `${path}/${kids[i]!.localName}`));
      i++;
      n++;
    }
    if (n < p.min)
      problems.push(`${path}: expected ${p.kind === 'element' ? p.name : 'choice'} at position ${i + 1}`);
  }
  if (i < kids.length)
    problems.push(`${path}/${kids[i]!.localName}: unexpected element (order or cardinality)`);
  return problems;
}

function schemaProblems(xml: string): string[] {
  const root = parseXml(xml).documentElement;
  if (root.localName !== 'AuditMessage' || root.namespaceURI !== null) return ['root is not AuditMessage'];
  return check(root, top('element', 'AuditMessage'), 'AuditMessage');
}

const iti41: TransactionAuditInput = {
  transaction: 'ITI-41',
  side: 'responder',
  outcome: 'Success',
  eventDateTime: new Date('2026-11-25T20:15:00.123Z'),
  initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.1.2.3' },
  responder: {
    userId: 'https://repository.mesh.example/xds/iti41',
    altUserId: '4711',
    networkAccessPoint: 'repository.mesh.example',
  },
  principal: TEST_USER,
  auditSource: auditSource('repository', 'LU-NATIONAL'),
  patientId: '1234^^^&1.2.3.4.5&ISO',
  submissionSetUniqueId: '1.2.3.4.5.6.7',
};

describe('schema structure (dicom2017c.xsd, checked structurally, not XSD-validated)', () => {
  it('the checker itself catches wrong order, a missing required attribute and a bad enumeration', () => {
    const good = toAuditXml(buildTransactionAudit(iti41));
    expect(schemaProblems(good)).toEqual([]);
    const swapped = good.replace(
      /(<ActiveParticipant[^]*<\/ActiveParticipant>)(<AuditSourceIdentification[^]*?<\/AuditSourceIdentification>)/,
      '$2$1',
    );
    expect(schemaProblems(swapped).join('\n')).toMatch(
      /unexpected element|expected AuditSourceIdentification/,
    );
    expect(schemaProblems(good.replace(/ EventDateTime="[^"]*"/, ''))).toContain(
      'AuditMessage/EventIdentification@EventDateTime: required attribute missing',
    );
    expect(
      schemaProblems(good.replace('EventOutcomeIndicator="0"', 'EventOutcomeIndicator="3"')),
    ).toHaveLength(1);
    expect(schemaProblems(good.replace(/ originalText="Export"| originalText="Import"/, ''))).toHaveLength(1);
  });

  it('a built ITI-41 message conforms, and so does every other kind of built message', () => {
    const built = [
      buildTransactionAudit(iti41),
      buildTransactionAudit({
        ...iti41,
        side: 'initiator',
        outcome: 'Failure',
        outcomeDescription: 'XDSRepositoryError',
      }),
      buildTransactionAudit({ ...iti41, transaction: 'ITI-42' }),
      buildTransactionAudit({
        ...iti41,
        transaction: 'ITI-43',
        documents: [{ uniqueId: '1.2.3', repositoryUniqueId: '1.2.4', homeCommunityId: 'urn:oid:1.2.5' }],
      }),
      buildTransactionAudit({
        ...iti41,
        transaction: 'ITI-18',
        query: {
          storedQueryId: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
          query: '<AdhocQueryRequest/>',
        },
      }),
      applicationActivityAudit({
        activity: 'start',
        eventDateTime: '2026-11-25T21:00:00Z',
        application: { userId: 'mesh', altUserId: '1' },
        launchers: [{ userId: 'k8s' }],
        auditSource: auditSource('mesh'),
      }),
      nodeAuthenticationFailureAudit({
        eventDateTime: '2026-11-25T21:00:00Z',
        reporter: { userId: 'mesh' },
        peer: { userId: '10.0.0.9', networkAccessPoint: '10.0.0.9' },
        subject: { id: '10.0.0.9', kind: 'node' },
        description: 'handshake failed',
        auditSource: auditSource('mesh'),
      }),
      userAuthenticationAudit({
        activity: 'logout',
        eventDateTime: '2026-11-25T21:00:00Z',
        outcome: 0,
        user: { userId: 'admin' },
        auditSource: auditSource('mesh'),
      }),
    ];
    for (const m of built) expect(schemaProblems(toAuditXml(m))).toEqual([]);
  });

  it('every IPF fixture, after the round trip through the model, still conforms', () => {
    const dir = `${atna}audit/`;
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBe(18);
    for (const f of files) {
      const again = toAuditXml(parseAuditXml(readFileSync(`${dir}${f}`)));
      expect(schemaProblems(again), f).toEqual([]);
    }
  });
});
