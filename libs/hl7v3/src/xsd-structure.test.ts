/**
 * What the builders write, checked against the HL7v3 NE2008 schemas IPF ships
 * (../shared/conformance/08-schemas/ipf-hl7v3, read in place). This pure package takes on no
 * XSD validator; this file checks the subset of XML Schema those schemas use: element
 * sequences, choices and groups with min/maxOccurs, complexContent extension and
 * restriction, xsi:type, required, fixed and undeclared attributes, and element-only vs
 * mixed/simple content. Lexical forms of simple types are not checked. A structural check,
 * not full XSD validation.
 */
import { readFileSync } from 'node:fs';
import { error } from '@mesh/core';
import { NS, attr, elements, parseXml, text } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import {
  buildAck,
  buildIti45Response,
  buildIti44Feed,
  buildIti45Query,
  buildIti46Notification,
  buildIti47Continuation,
  buildIti47Query,
  buildIti47Response,
  buildQueryRejection,
  iti47ScopingOrganizationLocation,
  parseIti44,
  parseIti45,
  parseIti47,
} from './index.js';
import type { MatchedPatient } from './index.js';

const SCHEMAS = new URL(
  '../../../../shared/conformance/08-schemas/ipf-hl7v3/schema/HL7V3/NE2008/multicacheschemas/',
  import.meta.url,
);
const CONFORMANCE = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const XS = 'http://www.w3.org/2001/XMLSchema';
const HL7 = NS.hl7v3;

interface Schema {
  types: Map<string, Element>;
  groups: Map<string, Element>;
  attributeGroups: Map<string, Element>;
  elements: Map<string, Element>;
}

const xs = (parent: Element, name?: string): Element[] =>
  elements(parent).filter((e) => e.namespaceURI === XS && (name === undefined || e.localName === name));
const local = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

function loadSchema(file: string): Schema {
  const s: Schema = { types: new Map(), groups: new Map(), attributeGroups: new Map(), elements: new Map() };
  const seen = new Set<string>();
  const visit = (url: URL): void => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const root = parseXml(readFileSync(url)).documentElement as Element;
    for (const e of xs(root)) {
      const name = attr(e, 'name');
      if (e.localName === 'include') visit(new URL(attr(e, 'schemaLocation') as string, url));
      else if (name && (e.localName === 'complexType' || e.localName === 'simpleType')) s.types.set(name, e);
      else if (name && e.localName === 'group') s.groups.set(name, e);
      else if (name && e.localName === 'attributeGroup') s.attributeGroups.set(name, e);
      else if (name && e.localName === 'element') s.elements.set(name, e);
    }
  };
  visit(new URL(file, SCHEMAS));
  return s;
}

/** A content particle: element (name, type), sequence, choice. */
type Particle =
  | { kind: 'element'; name: string; type: Element | undefined; min: number; max: number }
  | { kind: 'sequence' | 'choice'; items: Particle[]; min: number; max: number };

interface ContentModel {
  particle: Particle | undefined;
  simple: boolean;
  mixed: boolean;
  attributes: Map<string, { required: boolean; fixed?: string; prohibited: boolean }>;
}

const occurs = (e: Element): { min: number; max: number } => ({
  min: Number(attr(e, 'minOccurs') ?? '1'),
  max: attr(e, 'maxOccurs') === 'unbounded' ? Infinity : Number(attr(e, 'maxOccurs') ?? '1'),
});

function particleOf(s: Schema, e: Element): Particle | undefined {
  if (e.localName === 'element') {
    const inline = xs(e, 'complexType')[0] ?? xs(e, 'simpleType')[0];
    const t = attr(e, 'type');
    return {
      kind: 'element',
      name: attr(e, 'name') as string,
      type: inline ?? (t ? s.types.get(local(t)) : undefined),
      ...occurs(e),
    };
  }
  if (e.localName === 'group') {
    const g = s.groups.get(local(attr(e, 'ref') as string));
    const inner = g ? xs(g).find((c) => c.localName === 'sequence' || c.localName === 'choice') : undefined;
    const p = inner ? particleOf(s, inner) : undefined;
    return p ? { kind: 'sequence', items: [p], ...occurs(e) } : undefined;
  }
  if (e.localName === 'sequence' || e.localName === 'choice') {
    const items = xs(e)
      .map((c) => particleOf(s, c))
      .filter((p): p is Particle => p !== undefined);
    return { kind: e.localName, items, ...occurs(e) };
  }
  return undefined;
}

function addAttributes(s: Schema, holder: Element, into: ContentModel['attributes']): void {
  for (const a of xs(holder)) {
    if (a.localName === 'attribute') {
      const name = attr(a, 'name') ?? local(attr(a, 'ref') ?? '');
      const fixed = attr(a, 'fixed');
      into.set(name, {
        required: attr(a, 'use') === 'required',
        prohibited: attr(a, 'use') === 'prohibited',
        ...(fixed !== undefined ? { fixed } : {}),
      });
    } else if (a.localName === 'attributeGroup') {
      const g = s.attributeGroups.get(local(attr(a, 'ref') as string));
      if (g) addAttributes(s, g, into);
    }
  }
}

function contentModel(s: Schema, type: Element, depth = 0): ContentModel {
  if (depth > 50) throw new Error('type derivation too deep');
  if (type.localName === 'simpleType')
    return { particle: undefined, simple: true, mixed: false, attributes: new Map() };
  const mixed = attr(type, 'mixed') === 'true';
  const cc = xs(type, 'complexContent')[0];
  const sc = xs(type, 'simpleContent')[0];
  const derivation =
    (cc ?? sc)
      ? xs((cc ?? sc) as Element).find((d) => d.localName === 'extension' || d.localName === 'restriction')
      : undefined;
  if (derivation) {
    const base = s.types.get(local(attr(derivation, 'base') as string));
    const b: ContentModel = base
      ? contentModel(s, base, depth + 1)
      : { particle: undefined, simple: !!sc, mixed: false, attributes: new Map() };
    const own = xs(derivation).find((c) => ['sequence', 'choice', 'group'].includes(c.localName));
    const ownParticle = own ? particleOf(s, own) : undefined;
    const attributes: ContentModel['attributes'] = new Map(b.attributes);
    addAttributes(s, derivation, attributes);
    for (const [k, v] of attributes) if (v.prohibited) attributes.delete(k);
    let particle: Particle | undefined;
    if (derivation.localName === 'extension')
      particle =
        b.particle && ownParticle
          ? { kind: 'sequence', items: [b.particle, ownParticle], min: 1, max: 1 }
          : (b.particle ?? ownParticle);
    else particle = ownParticle;
    return { particle, simple: !!sc || b.simple, mixed: mixed || b.mixed, attributes };
  }
  const own = xs(type).find((c) => ['sequence', 'choice', 'group'].includes(c.localName));
  const attributes: ContentModel['attributes'] = new Map();
  addAttributes(s, type, attributes);
  return { particle: own ? particleOf(s, own) : undefined, simple: false, mixed, attributes };
}

/** End positions reachable by matching `p` on `names` from `start`, with the element particle used for each child. */
function match(p: Particle, names: readonly string[], start: number): Map<number, Map<number, Particle>> {
  const once = (from: number): Map<number, Map<number, Particle>> => {
    const out = new Map<number, Map<number, Particle>>();
    if (p.kind === 'element') {
      if (names[from] === p.name) out.set(from + 1, new Map([[from, p]]));
    } else if (p.kind === 'choice') {
      for (const item of p.items)
        for (const [end, used] of match(item, names, from)) if (!out.has(end)) out.set(end, used);
    } else {
      let frontier = new Map<number, Map<number, Particle>>([[from, new Map()]]);
      for (const item of p.items) {
        const next = new Map<number, Map<number, Particle>>();
        for (const [pos, used] of frontier)
          for (const [end, u2] of match(item, names, pos))
            if (!next.has(end)) next.set(end, new Map([...used, ...u2]));
        frontier = next;
      }
      for (const [k, v] of frontier) out.set(k, v);
    }
    return out;
  };
  const result = new Map<number, Map<number, Particle>>();
  if (p.min === 0) result.set(start, new Map());
  let frontier = new Map<number, Map<number, Particle>>([[start, new Map()]]);
  for (let n = 1; n <= Math.min(p.max, names.length + 1) && frontier.size; n++) {
    const next = new Map<number, Map<number, Particle>>();
    for (const [pos, used] of frontier)
      for (const [end, u2] of once(pos)) if (!next.has(end)) next.set(end, new Map([...used, ...u2]));
    if (n >= p.min) for (const [k, v] of next) if (!result.has(k)) result.set(k, v);
    frontier = next;
  }
  return result;
}

function validate(s: Schema, el: Element, type: Element | undefined, path: string, errors: string[]): void {
  const xsiType = el.getAttributeNS(NS.xsi, 'type');
  const t = xsiType ? s.types.get(local(xsiType)) : type;
  if (!t) {
    errors.push(`${path}: no type`);
    return;
  }
  const m = contentModel(s, t);
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i) as Attr;
    if (a.name === 'xmlns' || a.prefix === 'xmlns' || a.namespaceURI === NS.xsi) continue;
    const decl = m.attributes.get(a.localName ?? a.name);
    if (!decl) errors.push(`${path}/@${a.name}: attribute not declared`);
    else if (decl.fixed !== undefined && decl.fixed !== a.value)
      errors.push(`${path}/@${a.name}: fixed to ${decl.fixed}`);
  }
  for (const [name, decl] of m.attributes)
    if (decl.required && !el.hasAttribute(name)) errors.push(`${path}/@${name}: required attribute missing`);
  const kids = elements(el);
  if (m.simple) {
    if (kids.length) errors.push(`${path}: simple content has child elements`);
    return;
  }
  if (!m.mixed && (text(el) ?? '').trim()) errors.push(`${path}: text in element-only content`);
  if (kids.some((k) => k.namespaceURI !== HL7)) errors.push(`${path}: child outside ${HL7}`);
  const names = kids.map((k) => k.localName);
  if (!m.particle) {
    if (kids.length) errors.push(`${path}: empty content has children ${names.join(',')}`);
    return;
  }
  const used = match(m.particle, names, 0).get(names.length);
  if (!used) {
    errors.push(`${path}: children ${names.join(',')} do not match the content model`);
    return;
  }
  kids.forEach((k, i) => {
    const p = used.get(i);
    validate(s, k, p?.kind === 'element' ? p.type : undefined, `${path}/${k.localName}[${i + 1}]`, errors);
  });
}

const cache = new Map<string, Schema>();
function check(xml: string): string[] {
  const root = parseXml(xml).documentElement as Element;
  const name = root.localName;
  let s = cache.get(name);
  // QUQI_IN000003UV01_Cancel is declared in QUQI_IN000003UV01.xsd, with the same type.
  const file = name.replace(/_Cancel$/, '');
  if (!s) cache.set(name, (s = loadSchema(`${file}.xsd`)));
  const decl = s.elements.get(name);
  const errors: string[] = [];
  if (!decl || root.namespaceURI !== HL7) return [`unknown root ${name}`];
  const declType = attr(decl, 'type');
  validate(
    s,
    root,
    xs(decl, 'complexType')[0] ?? (declType ? s.types.get(declType) : undefined),
    `/${name}`,
    errors,
  );
  return errors;
}

const read = (p: string): string => readFileSync(new URL(p, CONFORMANCE), 'utf8');
const MSG = {
  messageId: { root: '7f1c2a4e-9a39-4c3e-8a3b-0a3a0b2f6d11' },
  creationTime: new Date(Date.UTC(2026, 10, 25, 23, 30, 5)),
};
const ME = {
  id: { root: '1.2.3.999.1' },
  organizationId: { root: '1.2.3.999' },
  telecom: 'https://mesh.example/pix',
};
const CUSTODIAN = { root: '1.2.3.999' };
const patient: MatchedPatient = {
  ids: [{ root: '1.2.3.5', extension: 'P1' }],
  otherIds: [{ root: '1.2.250.1.213.1.4.8', extension: 'NIR1' }],
  matchScore: 88,
  demographics: {
    names: [{ family: ['Durand'], given: ['Anne'], prefix: ['Mme'], suffix: [], use: ['L'] }],
    administrativeGender: 'F',
    birthTime: '19700101',
    deceasedInd: false,
    multipleBirthInd: true,
    multipleBirthOrderNumber: 1,
    addresses: [
      { streetAddressLine: ['1 rue Haute'], city: 'Nancy', postalCode: '54000', country: 'FR', use: ['H'] },
    ],
    telecoms: [{ value: 'tel:+33-3-83-00-00-00', use: ['HP'] }],
    mothersMaidenName: { family: ['Martin'], given: [], prefix: [], suffix: [] },
    maritalStatusCode: 'M',
  },
};

function ok<T>(r: { ok: true; value: T } | { ok: false; issues: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

describe('the structural XSD check itself', () => {
  it('accepts IPF samples and rejects an element out of order', () => {
    const sample = read('iti47/02_PDQQuery1Response.xml');
    expect(check(sample)).toEqual([]);
    expect(check(read('translation/pixfeed/v3/PIX_FEED_MERGE_Maximal_Request.xml'))).toEqual([]);
    const swapped = sample
      .replace('<processingCode code="P"/>', '')
      .replace('<acceptAckCode', '<processingCode code="P"/><acceptAckCode');
    expect(check(swapped)).toEqual([expect.stringContaining('/PRPA_IN201306UV02: children')]);
    expect(check(read('xsd/prpa-invalid.xml'))).not.toEqual([]);
  });
});

describe('built messages follow the NE2008 schemas', () => {
  const feed = ok(parseIti44(read('translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml')));
  const pix = ok(parseIti45(read('translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml')));
  const pdq = ok(parseIti47(read('translation/pdq/v3/PDQ_Maximal_Query.xml')));

  it('MCCI_IN000002UV01 AA and AE', () => {
    expect(check(buildAck({ ...MSG, request: feed.header, sender: ME }))).toEqual([]);
    expect(
      check(buildAck({ ...MSG, request: feed.header, issues: [error('204', 'unknown domain', '/x')] })),
    ).toEqual([]);
    expect(check(buildAck({ ...MSG, issues: [error('SYN', 'bad')] }))).toEqual([]);
  });

  it('PRPA_IN201310UV02 found, not found, error, rejection', () => {
    const opts = { ...MSG, custodianId: CUSTODIAN };
    expect(
      check(
        buildIti45Response(pix, { kind: 'found', patientIds: [{ root: '1.2.3.5', extension: 'A' }] }, opts),
      ),
    ).toEqual([]);
    expect(check(buildIti45Response(pix, { kind: 'not-found' }, opts))).toEqual([]);
    expect(
      check(buildIti45Response(pix, { kind: 'error', issues: [error('204', 'unknown', '/x')] }, opts)),
    ).toEqual([]);
    expect(
      check(buildQueryRejection('ITI-45', { header: pix.header, issues: [error('SYN105', 'x')] }, MSG)),
    ).toEqual([]);
  });

  it('PRPA_IN201306UV02 found with full demographics, not found, error, rejection', () => {
    const opts = { ...MSG, custodianId: CUSTODIAN };
    expect(
      check(
        buildIti47Response(
          pdq,
          { kind: 'found', patients: [patient, patient], total: 4, remaining: 2 },
          opts,
        ),
      ),
    ).toEqual([]);
    expect(check(buildIti47Response(pdq, { kind: 'not-found' }, opts))).toEqual([]);
    expect(
      check(
        buildIti47Response(
          pdq,
          { kind: 'error', issues: [error('204', 'unknown', iti47ScopingOrganizationLocation(1))] },
          opts,
        ),
      ),
    ).toEqual([]);
    expect(
      check(buildQueryRejection('ITI-47', { header: pdq.header, issues: [error('SYN105', 'x')] }, MSG)),
    ).toEqual([]);
  });

  it('PRPA_IN201302UV02 ITI-46 notification', () => {
    const xml = buildIti46Notification(
      { patientIds: patient.ids, demographics: patient.demographics },
      { ...MSG, sender: ME, receiver: { id: { root: '1.2.3.77' } }, custodianId: CUSTODIAN },
    );
    expect(check(xml)).toEqual([]);
  });

  it('requests: ITI-44 add/revise/merge, ITI-45 and ITI-47 queries, continuation and cancel', () => {
    const addressing = { ...MSG, sender: ME, receiver: { id: { root: '1.2.3.77' } } };
    for (const kind of ['add', 'revise', 'merge'] as const) {
      const xml = buildIti44Feed(
        {
          kind,
          patient: { ...patient, statusCode: 'active' },
          custodianId: CUSTODIAN,
          replacedIds: kind === 'merge' ? [{ root: '1.2.3.5', extension: 'OLD' }] : [],
        },
        addressing,
      );
      expect(check(xml)).toEqual([]);
    }
    expect(check(buildIti45Query({ ...pix, dataSources: ['1.2.3.5', '1.2.3.6'] }, addressing))).toEqual([]);
    expect(
      check(
        buildIti47Query(
          {
            ...pdq,
            matchAlgorithm: 'phonetic',
            parameters: {
              ...pdq.parameters,
              livingSubjectIds: [{ root: '1.2.3.5', extension: 'P1' }],
              telecoms: [{ value: 'tel:+33-1' }],
              mothersMaidenName: { family: ['Martin'], given: [], prefix: [], suffix: [] },
            },
          },
          addressing,
        ),
      ),
    ).toEqual([]);
    for (const cancel of [false, true])
      expect(
        check(
          buildIti47Continuation(
            { queryId: pdq.queryId, cancel, targetMessageId: { root: '2.25.9' }, continuationQuantity: 5 },
            addressing,
          ),
        ),
      ).toEqual([]);
  });
});
