/**
 * SOAP envelopes: reading (version, Header, Body, WS-Addressing 1.0 headers, mustUnderstand)
 * and writing. SOAP 1.2 Part 1 5, SOAP 1.1 4, WS-Addressing 1.0 Core 3 and SOAP Binding 2-3.
 */
import { randomUUID } from 'node:crypto';
import { NS, XmlError, child, elements, escapeXml, parseXml, text } from '@mesh/xml';
import type { XmlLimits } from '@mesh/xml';
import { SoapFaultError, faults } from './fault.js';
import type { QName } from './fault.js';

export type SoapVersion = '1.2' | '1.1';

/** WS-Addressing 1.0 anonymous address: the reply goes back on the same HTTP connection. */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
/** WS-Addressing 1.0 `none` address: no reply at all. */
export const WSA_NONE = 'http://www.w3.org/2005/08/addressing/none';

/** SOAP envelope namespace of a version. */
export function envelopeNs(version: SoapVersion): string {
  return version === '1.2' ? NS.soap12 : NS.soap11;
}

/** The media type of a plain SOAP message of this version (SOAP 1.2 Part 2 7.1.4 / SOAP 1.1 6.1.1). */
export function soapMediaType(version: SoapVersion): string {
  return version === '1.2' ? 'application/soap+xml' : 'text/xml';
}

/** A parsed envelope. */
export interface ParsedEnvelope {
  readonly version: SoapVersion;
  readonly document: Document;
  readonly header: Element | undefined;
  /** The env:Body element. */
  readonly bodyElement: Element;
  /** First element child of env:Body. */
  readonly body: Element;
}

/** Message addressing properties read from the header (WS-Addressing 1.0 Core 3.1). */
export interface AddressingProperties {
  readonly action?: string;
  readonly messageId?: string;
  readonly to?: string;
  /** [reply endpoint] address. */
  readonly replyTo?: string;
  /** [fault endpoint] address. */
  readonly faultTo?: string;
  readonly relatesTo?: string;
}

/** Fixed reasons: the parser's own messages are not echoed, so no document content leaks into a fault. */
const XML_REASON: Partial<Record<XmlError['reason'], string>> = {
  doctype: 'DOCTYPE and entity declarations are not allowed in a SOAP message',
  entity: 'Entity references other than the predefined ones are not allowed in a SOAP message',
  encoding: 'SOAP envelope is not in a supported character encoding',
  'too-many-attributes': 'SOAP envelope has an element with too many attributes',
  'too-large': 'SOAP envelope too large',
  'too-deep': 'SOAP envelope nested too deeply',
  'too-many-elements': 'SOAP envelope has too many elements',
  malformed: 'SOAP envelope is not well-formed XML',
  'no-root': 'SOAP message has no envelope element',
  'multiple-roots': 'SOAP message has more than one root element',
};

/**
 * Parses envelope bytes with the hardened parser. XML errors become Sender faults whose
 * reason names the problem but never repeats document content. A root that is not a SOAP
 * Envelope of a known version is a VersionMismatch (SOAP 1.2 Part 1 5.4.7).
 */
export function parseEnvelope(
  bytes: Uint8Array,
  limits: Partial<XmlLimits> & { maxBytes: number },
): ParsedEnvelope {
  let doc: Document;
  try {
    doc = parseXml(bytes, limits);
  } catch (e) {
    if (e instanceof XmlError)
      throw new SoapFaultError(
        faults.sender(XML_REASON[e.reason] ?? 'SOAP envelope refused by the XML parser'),
        {
          cause: e,
        },
      );
    throw e;
  }
  const root = doc.documentElement as Element;
  let version: SoapVersion;
  if (root.localName === 'Envelope' && root.namespaceURI === NS.soap12) version = '1.2';
  else if (root.localName === 'Envelope' && root.namespaceURI === NS.soap11) version = '1.1';
  else throw new SoapFaultError(faults.versionMismatch('The message is not a SOAP 1.2 or SOAP 1.1 Envelope'));
  const ns = envelopeNs(version);
  const kids = elements(root);
  // SOAP 1.2 Part 1 5.1: optional Header, then exactly one Body, nothing after it.
  let i = 0;
  let header: Element | undefined;
  if (kids[0] && kids[0].namespaceURI === ns && kids[0].localName === 'Header') header = kids[i++];
  const bodyElement = kids[i];
  if (!bodyElement || bodyElement.namespaceURI !== ns || bodyElement.localName !== 'Body')
    throw new SoapFaultError(faults.sender('SOAP Envelope without a Body'));
  if (version === '1.2' && kids.length > i + 1)
    throw new SoapFaultError(faults.sender('SOAP 1.2 Envelope has elements after the Body'));
  const body = elements(bodyElement)[0];
  if (!body) throw new SoapFaultError(faults.sender('SOAP Body is empty'));
  return { version, document: doc, header, bodyElement, body };
}

/** Clark notation `{ns}local` of an element, as understood-header lists are written. */
export function clark(el: Element): string {
  return `{${el.namespaceURI ?? ''}}${el.localName}`;
}

const ROLE_NEXT_12 = 'http://www.w3.org/2003/05/soap-envelope/role/next';
const ROLE_ULTIMATE_12 = 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';
const ACTOR_NEXT_11 = 'http://schemas.xmlsoap.org/soap/actor/next';

/**
 * SOAP 1.2 Part 1 2.4 / 5.2.3: header blocks targeted at us (no role, `next` or
 * `ultimateReceiver`; SOAP 1.1: no actor or `next`) with mustUnderstand true must be
 * understood. WS-Addressing headers always are; `understood` adds others (Clark names).
 * Returns the blocks not understood (empty when all is well).
 */
export function notUnderstoodHeaders(env: ParsedEnvelope, understood: ReadonlySet<string>): QName[] {
  if (!env.header) return [];
  const ns = envelopeNs(env.version);
  const out: QName[] = [];
  for (const h of elements(env.header)) {
    const mu = h.getAttributeNS(ns, 'mustUnderstand');
    const must = env.version === '1.2' ? mu === 'true' || mu === '1' : mu === '1' || mu === 'true';
    if (!must) continue;
    if (env.version === '1.2') {
      const role = h.getAttributeNS(ns, 'role');
      if (role && role !== ROLE_NEXT_12 && role !== ROLE_ULTIMATE_12) continue;
    } else {
      const actor = h.getAttributeNS(ns, 'actor');
      if (actor && actor !== ACTOR_NEXT_11) continue;
    }
    if (h.namespaceURI === NS.wsa || understood.has(clark(h))) continue;
    out.push({ ns: h.namespaceURI ?? '', local: h.localName, ...(h.prefix ? { prefix: h.prefix } : {}) });
  }
  return out;
}

/**
 * Reads the WS-Addressing 1.0 headers. More than one of a header is an InvalidCardinality
 * fault (WS-Addressing 1.0 SOAP Binding 6.4.1); an endpoint reference without wsa:Address is
 * MissingAddressInEPR.
 */
export function readAddressing(header: Element | undefined): AddressingProperties {
  if (!header) return {};
  const seen = new Map<string, Element>();
  for (const h of elements(header)) {
    if (h.namespaceURI !== NS.wsa) continue;
    if (seen.has(h.localName) && h.localName !== 'RelatesTo')
      throw new SoapFaultError(
        faults.invalidAddressingHeader(
          'InvalidCardinality',
          h.localName,
          `More than one wsa:${h.localName} header`,
        ),
      );
    if (!seen.has(h.localName)) seen.set(h.localName, h);
  }
  const val = (name: string): string | undefined => {
    const el = seen.get(name);
    return el ? (text(el) ?? '').trim() : undefined;
  };
  const epr = (name: string): string | undefined => {
    const el = seen.get(name);
    if (!el) return undefined;
    const a = child(el, NS.wsa, 'Address');
    if (!a)
      throw new SoapFaultError(
        faults.invalidAddressingHeader('MissingAddressInEPR', name, `wsa:${name} has no wsa:Address`),
      );
    return (text(a) ?? '').trim();
  };
  const out: {
    action?: string;
    messageId?: string;
    to?: string;
    replyTo?: string;
    faultTo?: string;
    relatesTo?: string;
  } = {};
  const action = val('Action');
  if (action !== undefined) out.action = action;
  const messageId = val('MessageID');
  if (messageId !== undefined) out.messageId = messageId;
  const to = val('To');
  if (to !== undefined) out.to = to;
  const replyTo = epr('ReplyTo');
  if (replyTo !== undefined) out.replyTo = replyTo;
  const faultTo = epr('FaultTo');
  if (faultTo !== undefined) out.faultTo = faultTo;
  const relatesTo = val('RelatesTo');
  if (relatesTo !== undefined) out.relatesTo = relatesTo;
  return out;
}

/** A new WS-Addressing message id (`urn:uuid:`). */
export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** WS-Addressing 1.0 headers of an outgoing message (SOAP Binding 2.x): Action carries mustUnderstand. */
export function addressingHeaders(
  version: SoapVersion,
  p: { action: string; messageId?: string; relatesTo?: string; to?: string; replyTo?: string },
): string[] {
  const mu = version === '1.2' ? 'true' : '1';
  const out = [`<wsa:Action env:mustUnderstand="${mu}">${escapeXml(p.action)}</wsa:Action>`];
  if (p.messageId !== undefined) out.push(`<wsa:MessageID>${escapeXml(p.messageId)}</wsa:MessageID>`);
  if (p.relatesTo !== undefined) out.push(`<wsa:RelatesTo>${escapeXml(p.relatesTo)}</wsa:RelatesTo>`);
  if (p.replyTo !== undefined)
    out.push(`<wsa:ReplyTo><wsa:Address>${escapeXml(p.replyTo)}</wsa:Address></wsa:ReplyTo>`);
  if (p.to !== undefined) out.push(`<wsa:To>${escapeXml(p.to)}</wsa:To>`);
  return out;
}

/**
 * Serializes an envelope. `headers` and `body` are XML fragments; they may use the `env` and
 * `wsa` prefixes, which are declared on the Envelope.
 */
export function buildEnvelope(version: SoapVersion, headers: readonly string[], body: string): string {
  return (
    `<env:Envelope xmlns:env="${envelopeNs(version)}" xmlns:wsa="${NS.wsa}">` +
    (headers.length > 0 ? `<env:Header>${headers.join('')}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}
