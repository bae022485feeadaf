/**
 * Writing HL7v3 XML as text. Every element goes through {@link el} and every text through
 * {@link txt}, so all character data and attribute values are escaped with @mesh/xml's
 * escapeXml / escapeXmlAttribute. Element orders follow the NE2008 schemas.
 */
import { escapeXml, escapeXmlAttribute } from '@mesh/xml';
import type { Issue } from '@mesh/core';
import { ACK_DETAIL_CODES } from './codes.js';
import type { AckDetailCode } from './codes.js';
import type { Address, Demographics, Device, II, MessageHeader, PersonName, Telecom } from './model.js';

/** Markup produced by this module (never raw input). */
export type Xml = string & { readonly __xml: unique symbol };

type Attrs = Readonly<Record<string, string | number | undefined>>;
type Content = Xml | undefined | false | readonly (Xml | undefined | false)[];

/** An element with escaped attributes; undefined attributes and content items are skipped. */
export function el(name: string, attrs: Attrs = {}, ...content: Content[]): Xml {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined) s += ` ${k}="${escapeXmlAttribute(String(v))}"`;
  const inner = content
    .flat()
    .filter((c): c is Xml => typeof c === 'string')
    .join('');
  return (inner ? `${s}>${inner}</${name}>` : `${s}/>`) as Xml;
}

/** Escaped character data. */
export function txt(s: string): Xml {
  return escapeXml(s) as Xml;
}

export function ii(name: string, id: II | undefined, extra: Attrs = {}): Xml {
  if (!id) return el(name, { nullFlavor: 'NA', ...extra });
  return el(name, {
    ...extra,
    root: id.root,
    extension: id.extension,
    assigningAuthorityName: id.assigningAuthorityName,
  });
}

const useAttr = (u: readonly string[] | undefined): string | undefined =>
  u && u.length ? u.join(' ') : undefined;

export function pn(name: string, n: PersonName): Xml {
  if (n.nullFlavor) return el(name, { nullFlavor: n.nullFlavor });
  const structured = n.family.length + n.given.length + n.prefix.length + n.suffix.length > 0;
  if (!structured) return el(name, { use: useAttr(n.use) }, n.text ? txt(n.text) : undefined);
  if (n.parts?.length)
    return el(
      name,
      { use: useAttr(n.use) },
      n.parts.map((p) => el(p.type, { qualifier: useAttr(p.qualifier) }, txt(p.value))),
    );
  return el(
    name,
    { use: useAttr(n.use) },
    n.prefix.map((p) => el('prefix', {}, txt(p))),
    n.given.map((g) => el('given', {}, txt(g))),
    n.family.map((f) => el('family', {}, txt(f))),
    n.suffix.map((s) => el('suffix', {}, txt(s))),
  );
}

export function ad(name: string, a: Address): Xml {
  const one = (n: string, v: string | undefined): Xml | undefined =>
    v === undefined ? undefined : el(n, {}, txt(v));
  return el(
    name,
    { use: useAttr(a.use) },
    a.streetAddressLine.map((l) => el('streetAddressLine', {}, txt(l))),
    one('city', a.city),
    one('county', a.county),
    one('state', a.state),
    one('postalCode', a.postalCode),
    one('country', a.country),
    one('censusTract', a.censusTract),
  );
}

export function tel(name: string, t: Telecom): Xml {
  return el(name, { value: t.value, use: useAttr(t.use) });
}

/** HL7 TS in UTC to the second with an explicit zone (e.g. 20261125231104+0000), or the given TS as is. */
export function ts(t: Date | string): string {
  if (typeof t === 'string') return t;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}` +
    `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}+0000`
  );
}

function device(wrapper: 'receiver' | 'sender', d: Device | undefined): Xml {
  const typeCode = wrapper === 'receiver' ? 'RCV' : 'SND';
  return el(
    wrapper,
    { typeCode },
    el(
      'device',
      { classCode: 'DEV', determinerCode: 'INSTANCE' },
      d && d.id.root ? el('id', { root: d.id.root }) : el('id', { nullFlavor: 'UNK' }),
      d?.telecom !== undefined && el('telecom', { value: d.telecom }),
      d?.organizationId &&
        el(
          'asAgent',
          { classCode: 'AGNT' },
          el(
            'representedOrganization',
            { classCode: 'ORG', determinerCode: 'INSTANCE' },
            el('id', { root: d.organizationId.root }),
          ),
        ),
    ),
  );
}

/** What every built message needs from the caller: this library has no clock and no id generator. */
export interface MessageOptions {
  /** This message's id (a UUID or OID root, optionally an extension), unique per message. */
  readonly messageId: II;
  /** creationTime: a Date (written as UTC) or an HL7 TS string. */
  readonly creationTime: Date | string;
  /** processingCode (P production, D debugging, T training); responses default to the request's, else P. */
  readonly processingCode?: string;
}

/** Addressing of a response: receiver is the request's sender; sender is us (by default the request's receiver). */
export interface ResponseAddressing {
  /** Our device; defaults to the request's (first) receiver, which IHE requires be us. */
  readonly sender?: Device;
  /** Whom to answer when the request could not be read at all; otherwise the request's sender. */
  readonly receiver?: Device;
}

export const ROOT_ATTRS = {
  xmlns: 'urn:hl7-org:v3',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  ITSVersion: 'XML_1.0',
};

/** interactionId root (HL7 interaction OID), as every IHE example sends it. */
export const INTERACTION_ROOT = '2.16.840.1.113883.1.6';

/** The transmission wrapper up to the receiver/sender (Appendix O Tables O.1.1-1, O.1.2-1). */
export function wrapper(
  interactionId: string,
  opts: MessageOptions,
  acceptAckCode: 'AL' | 'NE',
  receiver: Device | undefined,
  sender: Device | undefined,
): Xml[] {
  return [
    ii('id', opts.messageId),
    el('creationTime', { value: ts(opts.creationTime) }),
    el('interactionId', { root: INTERACTION_ROOT, extension: interactionId }),
    el('processingCode', { code: opts.processingCode ?? 'P' }),
    el('processingModeCode', { code: 'T' }),
    el('acceptAckCode', { code: acceptAckCode }),
    device('receiver', receiver),
    device('sender', sender),
  ];
}

/** Response wrapper: receiver/sender swapped from the request (Appendix O.1.2). */
export function responseWrapper(
  interactionId: string,
  request: MessageHeader | undefined,
  opts: MessageOptions & ResponseAddressing,
): Xml[] {
  return wrapper(
    interactionId,
    { ...opts, processingCode: opts.processingCode ?? request?.processingCode ?? 'P' },
    'NE',
    opts.receiver ?? request?.sender,
    opts.sender ?? request?.receivers[0],
  );
}

/** One acknowledgementDetail per issue (MCCI_MT000300UV01.AcknowledgementDetail: code, text, location). */
function details(issues: readonly Issue[]): Xml[] {
  return issues.map((i) => {
    const spec = ACK_DETAIL_CODES[i.code as AckDetailCode];
    const codeSystem = spec
      ? i.code === '204'
        ? '2.16.840.1.113883.12.357'
        : '2.16.840.1.113883.5.1100'
      : undefined;
    return el(
      'acknowledgementDetail',
      { typeCode: i.severity === 'Error' ? 'E' : 'W' },
      el('code', { code: i.code, codeSystem, displayName: spec?.text }),
      el('text', {}, txt(i.context)),
      i.location !== undefined && el('location', {}, txt(i.location)),
    );
  });
}

/** The acknowledgement element: typeCode, targetMessage id (the request's message id), details. */
export function acknowledgement(typeCode: string, target: II | undefined, issues: readonly Issue[]): Xml {
  return el(
    'acknowledgement',
    {},
    el('typeCode', { code: typeCode }),
    el('targetMessage', {}, target && target.root ? ii('id', target) : el('id', { nullFlavor: 'UNK' })),
    details(issues),
  );
}

/** A Person's demographics in schema order (PRPA_MT201302UV02.Person / PRPA_MT201310UV02.Person). */
export function person(d: Demographics, otherIds: readonly II[], nameWhenNone: PersonName = NA_NAME): Xml[] {
  const names = d.names.length ? d.names : [nameWhenNone];
  return [
    ...names.map((n) => pn('name', n)),
    ...d.telecoms.map((t) => tel('telecom', t)),
    d.administrativeGender !== undefined
      ? el('administrativeGenderCode', { code: d.administrativeGender })
      : undefined,
    d.birthTime !== undefined ? el('birthTime', { value: d.birthTime }) : undefined,
    d.deceasedInd !== undefined ? el('deceasedInd', { value: String(d.deceasedInd) }) : undefined,
    d.deceasedTime !== undefined ? el('deceasedTime', { value: d.deceasedTime }) : undefined,
    d.multipleBirthInd !== undefined
      ? el('multipleBirthInd', { value: String(d.multipleBirthInd) })
      : undefined,
    d.multipleBirthOrderNumber !== undefined
      ? el('multipleBirthOrderNumber', { value: d.multipleBirthOrderNumber })
      : undefined,
    ...d.addresses.map((a) => ad('addr', a)),
    d.maritalStatusCode !== undefined ? el('maritalStatusCode', { code: d.maritalStatusCode }) : undefined,
    ...otherIdsByDomain(otherIds),
    d.mothersMaidenName
      ? el(
          'personalRelationship',
          { classCode: 'PRS' },
          el('code', { code: 'MTH', codeSystem: '2.16.840.1.113883.5.111' }),
          el(
            'relationshipHolder1',
            { classCode: 'PSN', determinerCode: 'INSTANCE' },
            pn('name', d.mothersMaidenName),
          ),
        )
      : undefined,
  ].filter((x): x is Xml => x !== undefined);
}

export const NA_NAME: PersonName = { family: [], given: [], prefix: [], suffix: [], nullFlavor: 'NA' };

/** asOtherIDs grouped per assigning authority, its scopingOrganization the authority (ITI TF-2 3.45.4.2.3 case 6). */
function otherIdsByDomain(ids: readonly II[]): Xml[] {
  const byRoot = new Map<string, II[]>();
  for (const id of ids) {
    const list = byRoot.get(id.root);
    if (list) list.push(id);
    else byRoot.set(id.root, [id]);
  }
  return [...byRoot].map(([root, list]) =>
    el(
      'asOtherIDs',
      { classCode: 'PAT' },
      list.map((id) => ii('id', id)),
      el('scopingOrganization', { classCode: 'ORG', determinerCode: 'INSTANCE' }, el('id', { root })),
    ),
  );
}

export function custodian(id: II): Xml {
  return el(
    'custodian',
    { typeCode: 'CST' },
    el('assignedEntity', { classCode: 'ASSIGNED' }, ii('id', { root: id.root })),
  );
}
