/**
 * SOAP envelopes as a client builds them (SOAP 1.2 Part 1, SOAP 1.1) with WS-Addressing 1.0
 * headers (ITI TF-2 Appendix V: wsa:Action, wsa:MessageID, wsa:ReplyTo anonymous, wsa:To),
 * and reading of SOAP faults from responses.
 */
import { randomUUID } from 'node:crypto';
import { NS, child, elements, escapeXml, text } from '@mesh/xml';

export type SoapVersion = '1.2' | '1.1';

/** Envelope namespace of a SOAP version. */
export const envelopeNs = (v: SoapVersion): string => (v === '1.2' ? NS.soap12 : NS.soap11);

/** WS-Addressing 1.0 Core 3.2: the anonymous address (reply on the back-channel). */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** Builds a complete envelope; `addressing: false` leaves out every WS-Addressing header. */
export function buildEnvelope(opts: {
  version: SoapVersion;
  to: string;
  action?: string;
  messageId?: string;
  body: string;
  extraHeaders?: string;
  addressing?: boolean;
}): string {
  const wsa: string[] = [];
  if (opts.addressing !== false) {
    if (opts.action !== undefined)
      wsa.push(`<wsa:Action s:mustUnderstand="1">${escapeXml(opts.action)}</wsa:Action>`);
    wsa.push(`<wsa:MessageID>${escapeXml(opts.messageId ?? `urn:uuid:${randomUUID()}`)}</wsa:MessageID>`);
    wsa.push(`<wsa:ReplyTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`);
    wsa.push(`<wsa:To s:mustUnderstand="1">${escapeXml(opts.to)}</wsa:To>`);
  }
  const headers = wsa.join('') + (opts.extraHeaders ?? '');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${envelopeNs(opts.version)}" xmlns:wsa="${NS.wsa}">` +
    (headers ? `<s:Header>${headers}</s:Header>` : '') +
    `<s:Body>${opts.body}</s:Body></s:Envelope>`
  );
}

/** Content-Type and extra HTTP headers of a plain (non-MTOM) SOAP request. */
export function soapHttpHeaders(version: SoapVersion, action?: string): Record<string, string> {
  if (version === '1.2') {
    // SOAP 1.2 Part 2 7.1.4 / RFC 3902: the action travels as a media type parameter.
    const a = action !== undefined ? `; action="${action}"` : '';
    return { 'content-type': `application/soap+xml; charset=UTF-8${a}` };
  }
  // SOAP 1.1 6.1.1: the SOAPAction HTTP header.
  return { 'content-type': 'text/xml; charset=UTF-8', soapaction: `"${action ?? ''}"` };
}

/** A SOAP fault read from a response, with its QNames resolved. */
export interface SoapFault {
  /** `{ns}local` of env:Code/env:Value (1.2) or faultcode (1.1). */
  readonly code: QName;
  /** Subcodes outermost first (1.2); for 1.1, the faultcode when it is not in the envelope namespace. */
  readonly subcodes: readonly QName[];
  readonly reason: string;
  readonly envelopeNs: string;
}

export interface QName {
  readonly ns: string | null;
  readonly local: string;
  /** As written in the document. */
  readonly raw: string;
}

export const formatQName = (q: QName): string => `${q.raw} ({${q.ns ?? ''}}${q.local})`;

/** Namespace bound to `prefix` at `el` (xmlns attributes up the ancestor chain). */
export function resolvePrefix(el: Element, prefix: string): string | null {
  const attrName = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (let n: Node | null = el; n && n.nodeType === 1; n = n.parentNode) {
    const e = n as Element;
    if (e.hasAttribute(attrName)) return e.getAttribute(attrName);
    if ((e.prefix ?? '') === prefix && e.namespaceURI) return e.namespaceURI;
  }
  return null;
}

function qnameIn(el: Element): QName {
  const raw = (text(el) ?? '').trim();
  const i = raw.indexOf(':');
  const prefix = i < 0 ? '' : raw.slice(0, i);
  return { ns: resolvePrefix(el, prefix), local: i < 0 ? raw : raw.slice(i + 1), raw };
}

/** The Body's first child when it is a SOAP Fault (1.2 or 1.1), else undefined. */
export function readFault(doc: Document): SoapFault | undefined {
  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope') return undefined;
  const ns = env.namespaceURI;
  if (ns !== NS.soap12 && ns !== NS.soap11) return undefined;
  const body = child(env, ns, 'Body');
  const fault = body ? child(body, ns, 'Fault') : undefined;
  if (!fault) return undefined;
  if (ns === NS.soap12) {
    const codeEl = child(fault, ns, 'Code');
    const value = codeEl ? child(codeEl, ns, 'Value') : undefined;
    const subcodes: QName[] = [];
    for (let s = codeEl ? child(codeEl, ns, 'Subcode') : undefined; s; s = child(s, ns, 'Subcode')) {
      const v = child(s, ns, 'Value');
      if (v) subcodes.push(qnameIn(v));
    }
    const reasonEl = child(fault, ns, 'Reason');
    const reason = reasonEl
      ? elements(reasonEl)
          .map((t) => text(t) ?? '')
          .join(' / ')
      : '';
    return {
      code: value ? qnameIn(value) : { ns: null, local: '', raw: '' },
      subcodes,
      reason,
      envelopeNs: ns,
    };
  }
  // SOAP 1.1 faults have no subcodes; the WS-Addressing SOAP 1.1 binding (WS-Addressing 1.0
  // SOAP Binding 6.4) puts the subcode in faultcode instead.
  const fc = child(fault, null, 'faultcode');
  const code = fc ? qnameIn(fc) : { ns: null, local: '', raw: '' };
  return {
    code,
    subcodes: code.ns !== ns ? [code] : [],
    reason: text(child(fault, null, 'faultstring')) ?? '',
    envelopeNs: ns,
  };
}
