/**
 * Reading HL7v3 data types and the transmission wrapper from a parsed DOM, with a checker
 * that records issues at XPath locations (the form IHE uses in acknowledgementDetail/location,
 * ITI TF-2 3.45.4.2.3).
 */
import { error, warning } from '@mesh/core';
import type { Issue } from '@mesh/core';
import { NS, attr, child, children, elements, text } from '@mesh/xml';
import type { AckDetailCode } from './codes.js';
import type {
  Acknowledgement,
  AckDetail,
  Address,
  Demographics,
  Device,
  II,
  MessageHeader,
  NamePart,
  PatientRecord,
  PersonName,
  QueryAck,
  Telecom,
} from './model.js';

export const HL7 = NS.hl7v3;

/** An ISO OID as IHE requires for device and organization ids (Appendix O Table O.1.1-1). */
export const OID = /^[0-2](\.(0|[1-9][0-9]*))*$/;

/** HL7 TS lexical form: YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]. */
export const TS = /^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

/** Collects issues; locations are XPath expressions into the message (no prefixes, 1-based repetitions). */
export class Checker {
  readonly issues: Issue[] = [];

  error(code: AckDetailCode, context: string, location: string): void {
    this.issues.push(error(code, context, location));
  }

  warn(code: AckDetailCode, context: string, location: string): void {
    this.issues.push(warning(code, context, location));
  }

  /** The child, or an SYN105 issue when it is absent. */
  required(parent: Element, name: string, path: string): Element | undefined {
    const c = child(parent, HL7, name);
    if (!c) this.error('SYN105', `${name} is required`, `${path}/${name}`);
    return c;
  }

  /** `parent/name/@value`, when present, must be an HL7 TS (SYN102). */
  timestamp(parent: Element, name: string, path: string): void {
    const e = child(parent, HL7, name);
    const v = e ? attr(e, 'value') : undefined;
    if (v !== undefined && !TS.test(v))
      this.error('SYN102', `${name}/@value is not an HL7 TS`, `${path}/${name}/@value`);
  }

  /** Requires `parent/name/@code` to be one of `allowed` (SYN105 when absent, SYN103 otherwise). */
  code(parent: Element, name: string, allowed: readonly string[], path: string, why: string): void {
    const c = child(parent, HL7, name);
    const v = c ? attr(c, 'code') : undefined;
    if (v === undefined) this.error('SYN105', `${name}/@code is required (${why})`, `${path}/${name}`);
    else if (!allowed.includes(v))
      this.error(
        'SYN103',
        `${name}/@code shall be ${allowed.join(' or ')} (${why})`,
        `${path}/${name}/@code`,
      );
  }

  /** At most `max` children named `name` (SYN108). */
  atMost(parent: Element, name: string, max: number, path: string, why: string): Element[] {
    const cs = children(parent, HL7, name);
    if (cs.length > max)
      this.error('SYN108', `at most ${max} ${name} allowed (${why})`, `${path}/${name}[${max + 1}]`);
    return cs;
  }

  /** Elements that a TF table says shall be omitted (SYN103). */
  omitted(parent: Element, names: readonly string[], path: string, why: string): void {
    for (const n of names)
      if (child(parent, HL7, n)) this.error('SYN103', `${n} shall be omitted (${why})`, `${path}/${n}`);
  }

  /** `@attrName` of `el` must equal `value` when the attribute is present (SYN103). */
  fixedAttr(el: Element, name: string, value: string, path: string, why: string): void {
    const v = attr(el, name);
    if (v !== undefined && v !== value)
      this.error('SYN103', `@${name} shall be ${value} (${why})`, `${path}/@${name}`);
  }

  /**
   * The element's xsi:type must resolve to the HL7 type `type` (ITI TF-2 3.47.4.1.2.2 and
   * 3.47.4.2.2.2: a value constrained to INT/ST). The QName is resolved against the element's
   * in-scope namespaces, so `xsi:type="INT"` under a default HL7 namespace and
   * `xsi:type="v3:INT"` are the same type.
   */
  xsiType(el: Element, type: string, path: string): void {
    const t = el.getAttributeNS(NS.xsi, 'type');
    const ok = t ? resolvesTo(el, t, type) : false;
    if (!ok)
      this.error(
        'SYN102',
        `${el.localName} is constrained to data type ${type}${t ? `, not ${t}` : ''}`,
        path,
      );
  }
}

function resolvesTo(el: Element, qname: string, type: string): boolean {
  const i = qname.indexOf(':');
  const prefix = i < 0 ? null : qname.slice(0, i);
  const local = i < 0 ? qname : qname.slice(i + 1);
  return local === type && namespaceOfPrefix(el, prefix) === HL7;
}

/** The namespace a prefix (null: the default namespace) is bound to at `el`, from the in-scope declarations. */
function namespaceOfPrefix(el: Element, prefix: string | null): string | undefined {
  const name = prefix === null ? 'xmlns' : `xmlns:${prefix}`;
  for (let n: Node | null = el; n && n.nodeType === 1; n = n.parentNode) {
    const e = n as Element;
    if (e.hasAttribute(name)) return e.getAttribute(name) ?? undefined;
    // Elements carry their own namespace: a prefix used by an element name is bound there.
    if ((e.prefix ?? null) === prefix && e.namespaceURI) return e.namespaceURI;
  }
  return undefined;
}

export function readII(el: Element | undefined): II | undefined {
  if (!el) return undefined;
  const root = attr(el, 'root');
  if (root === undefined) return undefined;
  const extension = attr(el, 'extension');
  const aan = attr(el, 'assigningAuthorityName');
  return {
    root,
    extension,
    assigningAuthorityName: aan,
  };
}

export function readIIs(els: readonly Element[]): II[] {
  const out: II[] = [];
  for (const e of els) {
    const ii = readII(e);
    if (ii) out.push(ii);
  }
  return out;
}

function uses(el: Element): readonly string[] | undefined {
  const u = attr(el, 'use');
  return u === undefined ? undefined : u.split(/\s+/).filter(Boolean);
}

const trimmed = (s: string | undefined): string | undefined => {
  const t = s?.trim();
  return t ? t : undefined;
};

export function readName(el: Element): PersonName {
  const parts = (n: string): string[] =>
    children(el, HL7, n)
      .map((p) => text(p)?.trim() ?? '')
      .filter(Boolean);
  const u = uses(el);
  const nullFlavor = attr(el, 'nullFlavor');
  const family = parts('family');
  const given = parts('given');
  const prefix = parts('prefix');
  const suffix = parts('suffix');
  const structured = elements(el).length > 0;
  const t = structured ? undefined : trimmed(text(el));
  const all: NamePart[] = [];
  for (const p of elements(el)) {
    const type = p.localName;
    const value = text(p)?.trim() ?? '';
    if (p.namespaceURI !== HL7 || !value) continue;
    if (type !== 'family' && type !== 'given' && type !== 'prefix' && type !== 'suffix') continue;
    all.push({ type, value, qualifier: (attr(p, 'qualifier') ?? '').split(/\s+/).filter(Boolean) });
  }
  return {
    use: u,
    family,
    given,
    prefix,
    suffix,
    parts: all.some((p) => p.qualifier.length > 0) ? all : undefined,
    text: t,
    nullFlavor,
  };
}

export function readAddress(el: Element): Address {
  const one = (n: string): string | undefined => trimmed(text(child(el, HL7, n)));
  return {
    use: uses(el),
    streetAddressLine: children(el, HL7, 'streetAddressLine')
      .map((s) => text(s)?.trim() ?? '')
      .filter(Boolean),
    city: one('city'),
    state: one('state'),
    postalCode: one('postalCode'),
    country: one('country'),
    county: one('county'),
    censusTract: one('censusTract'),
  };
}

export function readTelecom(el: Element): Telecom | undefined {
  const value = attr(el, 'value');
  if (value === undefined) return undefined;
  const u = uses(el);
  return { value, use: u };
}

function readBool(el: Element | undefined): boolean | undefined {
  const v = el ? attr(el, 'value') : undefined;
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export function readInt(el: Element | undefined): number | undefined {
  const v = el ? attr(el, 'value') : undefined;
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

const valueOf = (el: Element | undefined): string | undefined => (el ? attr(el, 'value') : undefined);
const codeOf = (el: Element | undefined): string | undefined => (el ? attr(el, 'code') : undefined);

/** patientPerson (or queried person) demographics. */
export function readDemographics(person: Element | undefined): Demographics {
  if (!person) return { names: [], addresses: [], telecoms: [] };
  const telecoms: Telecom[] = [];
  for (const t of children(person, HL7, 'telecom')) {
    const tel = readTelecom(t);
    if (tel) telecoms.push(tel);
  }
  // The mother is a personalRelationship coded MTH (RoleCode, HL7 v3) whose relationshipHolder1 carries the name.
  let mothersMaidenName: PersonName | undefined;
  for (const rel of children(person, HL7, 'personalRelationship')) {
    if (codeOf(child(rel, HL7, 'code')) !== 'MTH') continue;
    const holder = child(rel, HL7, 'relationshipHolder1');
    const n = holder ? child(holder, HL7, 'name') : undefined;
    if (n) mothersMaidenName = readName(n);
  }
  const gender = codeOf(child(person, HL7, 'administrativeGenderCode'));
  const birthTime = valueOf(child(person, HL7, 'birthTime'));
  const deceasedInd = readBool(child(person, HL7, 'deceasedInd'));
  const deceasedTime = valueOf(child(person, HL7, 'deceasedTime'));
  const multipleBirthInd = readBool(child(person, HL7, 'multipleBirthInd'));
  const multipleBirthOrderNumber = readInt(child(person, HL7, 'multipleBirthOrderNumber'));
  const maritalStatusCode = codeOf(child(person, HL7, 'maritalStatusCode'));
  return {
    names: children(person, HL7, 'name').map(readName),
    administrativeGender: gender,
    birthTime,
    deceasedInd,
    deceasedTime,
    addresses: children(person, HL7, 'addr').map(readAddress),
    telecoms,
    mothersMaidenName,
    multipleBirthInd,
    multipleBirthOrderNumber,
    maritalStatusCode,
  };
}

/** A patient role (PRPA_MT201301UV02.Patient and the response siblings). */
export function readPatient(patient: Element): PatientRecord {
  const person = child(patient, HL7, 'patientPerson');
  const otherIds = person
    ? children(person, HL7, 'asOtherIDs').flatMap((o) => readIIs(children(o, HL7, 'id')))
    : [];
  const provider = child(patient, HL7, 'providerOrganization');
  const providerOrganizationId = provider ? readII(child(provider, HL7, 'id')) : undefined;
  const statusCode = codeOf(child(patient, HL7, 'statusCode'));
  return {
    ids: readIIs(children(patient, HL7, 'id')),
    otherIds,
    statusCode,
    demographics: readDemographics(person),
    providerOrganizationId,
  };
}

function readDevice(el: Element | undefined): Device {
  const device = el ? child(el, HL7, 'device') : undefined;
  if (!device) return { id: { root: '' } };
  const agent = child(device, HL7, 'asAgent');
  const org = agent ? child(agent, HL7, 'representedOrganization') : undefined;
  const organizationId = org ? readII(child(org, HL7, 'id')) : undefined;
  const tel = child(device, HL7, 'telecom');
  const telecom = tel ? attr(tel, 'value') : undefined;
  return {
    id: readII(child(device, HL7, 'id')) ?? { root: '' },
    organizationId,
    telecom,
  };
}

/** The transmission wrapper fields, read without judging them (see {@link checkWrapper}). */
export function readHeader(root: Element): MessageHeader {
  const interactionId = attr(child(root, HL7, 'interactionId') ?? root, 'extension') ?? root.localName;
  const creationTime = valueOf(child(root, HL7, 'creationTime'));
  const processingCode = codeOf(child(root, HL7, 'processingCode'));
  const processingModeCode = codeOf(child(root, HL7, 'processingModeCode'));
  const acceptAckCode = codeOf(child(root, HL7, 'acceptAckCode'));
  return {
    interactionId,
    messageId: readII(child(root, HL7, 'id')) ?? { root: '' },
    creationTime,
    processingCode,
    processingModeCode,
    acceptAckCode,
    sender: readDevice(child(root, HL7, 'sender')),
    receivers: children(root, HL7, 'receiver').map(readDevice),
  };
}

export function readAcknowledgement(el: Element | undefined): Acknowledgement {
  if (!el) return { typeCode: '', details: [] };
  const tm = child(el, HL7, 'targetMessage');
  const targetMessageId = tm ? readII(child(tm, HL7, 'id')) : undefined;
  const details: AckDetail[] = children(el, HL7, 'acknowledgementDetail').map((d) => {
    const c = child(d, HL7, 'code');
    const code = c ? attr(c, 'code') : undefined;
    const t = trimmed(text(child(d, HL7, 'text')));
    const loc = trimmed(text(child(d, HL7, 'location')));
    return {
      typeCode: attr(d, 'typeCode') ?? 'E',
      code,
      text: t,
      location: loc,
    };
  });
  return {
    typeCode: codeOf(child(el, HL7, 'typeCode')) ?? '',
    targetMessageId,
    details,
  };
}

export function readQueryAck(el: Element | undefined): QueryAck {
  if (!el) return {};
  const queryId = readII(child(el, HL7, 'queryId'));
  const statusCode = codeOf(child(el, HL7, 'statusCode'));
  const queryResponseCode = codeOf(child(el, HL7, 'queryResponseCode'));
  const total = readInt(child(el, HL7, 'resultTotalQuantity'));
  const current = readInt(child(el, HL7, 'resultCurrentQuantity'));
  const remaining = readInt(child(el, HL7, 'resultRemainingQuantity'));
  return {
    queryId,
    statusCode,
    queryResponseCode,
    resultTotalQuantity: total,
    resultCurrentQuantity: current,
    resultRemainingQuantity: remaining,
  };
}

/** Checks a device of the wrapper: id root an OID without extension (Appendix O Table O.1.1-1). */
function checkDevice(c: Checker, wrapper: Element, path: string): void {
  const device = c.required(wrapper, 'device', path);
  if (!device) return;
  const dpath = `${path}/device`;
  const id = c.required(device, 'id', dpath);
  if (id) {
    const root = attr(id, 'root');
    if (root === undefined || !OID.test(root))
      c.error(
        'SYN103',
        'device id/@root shall be an ISO OID (ITI TF-2 Appendix O Table O.1.1-1)',
        `${dpath}/id/@root`,
      );
    if (attr(id, 'extension') !== undefined)
      c.error(
        'SYN103',
        'device id/@extension shall not have a value (ITI TF-2 Appendix O Table O.1.1-1)',
        `${dpath}/id/@extension`,
      );
  }
  const agent = child(device, HL7, 'asAgent');
  const org = agent ? child(agent, HL7, 'representedOrganization') : undefined;
  if (org) {
    const opath = `${dpath}/asAgent/representedOrganization/id`;
    const oid = child(org, HL7, 'id');
    const root = oid ? attr(oid, 'root') : undefined;
    if (root === undefined || !OID.test(root))
      c.error(
        'SYN103',
        'representedOrganization id/@root shall be an ISO OID (ITI TF-2 Appendix O Table O.1.1-1)',
        `${opath}/@root`,
      );
    if (oid && attr(oid, 'extension') !== undefined)
      c.error(
        'SYN103',
        'representedOrganization id/@extension shall not have a value (ITI TF-2 Appendix O Table O.1.1-1)',
        `${opath}/@extension`,
      );
  }
}

/**
 * The transmission wrapper rules (ITI TF-2 Appendix O.1: MCCI_MT000100UV01 for requests,
 * MCCI_MT000300UV01 for responses and acknowledgements): message id and creation time,
 * interactionId equal to the root element, processingModeCode T, the acceptAckCode the
 * interaction requires (AL for requests, NE for responses), one sender and exactly one
 * receiver device.
 */
export function checkWrapper(c: Checker, root: Element, acceptAck: 'AL' | 'NE'): void {
  const path = `/${root.localName}`;
  const id = c.required(root, 'id', path);
  if (id && attr(id, 'root') === undefined) c.error('SYN105', 'id/@root is required', `${path}/id/@root`);
  if (c.required(root, 'creationTime', path)) c.timestamp(root, 'creationTime', path);
  const iid = c.required(root, 'interactionId', path);
  if (iid) {
    const ext = attr(iid, 'extension');
    if (ext !== root.localName)
      c.error(
        'SYN103',
        `interactionId/@extension shall be ${root.localName}`,
        `${path}/interactionId/@extension`,
      );
  }
  c.code(root, 'processingCode', ['P', 'D', 'T'], path, 'ProcessingID');
  const mode = child(root, HL7, 'processingModeCode');
  const modeCode = mode ? attr(mode, 'code') : undefined;
  if (modeCode === undefined)
    c.error('SYN105', 'processingModeCode is required', `${path}/processingModeCode`);
  else if (modeCode !== 'T')
    c.error(
      'NS250',
      'processingModeCode/@code shall be T (ITI TF-2 Appendix O)',
      `${path}/processingModeCode/@code`,
    );
  c.code(root, 'acceptAckCode', [acceptAck], path, 'ITI TF-2 Appendix O');
  const receivers = children(root, HL7, 'receiver');
  if (receivers.length === 0) c.error('SYN105', 'receiver is required', `${path}/receiver`);
  else if (receivers.length > 1)
    c.error('SYN108', 'exactly one receiver shall be present (ITI TF-2 Appendix O)', `${path}/receiver[2]`);
  if (receivers[0]) checkDevice(c, receivers[0], `${path}/receiver`);
  const sender = c.required(root, 'sender', path);
  if (sender) checkDevice(c, sender, `${path}/sender`);
}

/** controlActProcess with the trigger event code the interaction requires. */
export function checkControlAct(
  c: Checker,
  root: Element,
  triggerEvent: string,
  mood?: string,
): Element | undefined {
  const path = `/${root.localName}`;
  const cap = c.required(root, 'controlActProcess', path);
  if (!cap) return undefined;
  c.code(cap, 'code', [triggerEvent], `${path}/controlActProcess`, 'trigger event');
  if (mood) c.fixedAttr(cap, 'moodCode', mood, `${path}/controlActProcess`, 'control act mood');
  const author = child(cap, HL7, 'authorOrPerformer');
  if (author)
    c.fixedAttr(
      author,
      'typeCode',
      'AUT',
      `${path}/controlActProcess/authorOrPerformer`,
      'ITI TF-2 Appendix O.2',
    );
  return cap;
}

/** Author device id of a query's control act, when sent. */
export function readAuthorDevice(cap: Element): II | undefined {
  const author = child(cap, HL7, 'authorOrPerformer');
  const dev = author ? child(author, HL7, 'assignedDevice') : undefined;
  return dev ? readII(child(dev, HL7, 'id')) : undefined;
}
