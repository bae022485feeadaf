/**
 * Outbound SOAP calls (the mesh as initiator: XCA/XCPD responding gateways, registry calls
 * from the repository, simulators). The request body is streamed (MTOM when there are
 * attachments), the response is read with the same streaming parser as the endpoint, its
 * attachments spooled to `spoolDir`; the caller owns them until `dispose()`.
 */
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { NS, child, children, text } from '@mesh/xml';
import { Spool } from './attachment.js';
import type { Attachment } from './attachment.js';
import { quote } from './content-type.js';
import {
  WSA_ANONYMOUS,
  addressingHeaders,
  buildEnvelope,
  newMessageId,
  readAddressing,
  soapMediaType,
} from './envelope.js';
import type { SoapVersion } from './envelope.js';
import { SoapFaultError } from './fault.js';
import type { QName } from './fault.js';
import { soapLimits } from './limits.js';
import type { SoapLimits } from './limits.js';
import { readSoapMessage } from './message.js';
import { buildMtom } from './mtom.js';
import type { OutgoingAttachment } from './mtom.js';
import { resolveInclude } from './xop.js';

/** TLS settings of an outbound call (mutual TLS where the profile requires it, ITI-19). */
export interface SoapTlsOptions {
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Default true; false only for test systems. */
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

export interface SoapCallOptions {
  /** wsa:Action (and the SOAP 1.2 action parameter / SOAP 1.1 SOAPAction). */
  readonly action: string;
  /** XML of the Body's child element(s). */
  readonly body: string;
  /** Default '1.2'. */
  readonly version?: SoapVersion;
  readonly attachments?: readonly OutgoingAttachment[];
  /** Send MTOM even without attachments (transactions whose request is MTOM, ITI-41). */
  readonly mtom?: boolean;
  /** Deadline for the whole exchange, response body included; default 60 s. */
  readonly timeoutMs?: number;
  readonly tls?: SoapTlsOptions;
  /** Extra SOAP header blocks (serialized, namespaces declared), e.g. a wsse:Security with a SAML assertion. */
  readonly headers?: readonly string[];
  /** Extra HTTP headers, e.g. traceparent. */
  readonly httpHeaders?: Readonly<Record<string, string>>;
  /** wsa:MessageID; a new urn:uuid by default. */
  readonly messageId?: string;
  /** Where response attachments are spooled; default the OS temp directory. */
  readonly spoolDir?: string;
  readonly limits?: Partial<SoapLimits>;
  /** Connection pooling; the global agent by default. */
  readonly agent?: http.Agent;
  readonly signal?: AbortSignal;
}

/** A fault received in the response. */
export interface ReceivedFault {
  /** Local name of the fault code: Sender, Receiver, VersionMismatch, MustUnderstand (SOAP 1.1: Client, Server...). */
  readonly code: string;
  /** Local name of the first (outermost) subcode; SOAP 1.1: undefined unless faultcode is not in the envelope namespace. */
  readonly subcode: string | undefined;
  /** All subcodes, outermost first. */
  readonly subcodes: readonly QName[];
  readonly reason: string;
  readonly detail: Element | undefined;
}

export interface SoapResponse {
  readonly status: number;
  readonly version: SoapVersion;
  /** The wsa:MessageID the request was sent with. */
  readonly requestMessageId: string;
  readonly action: string | undefined;
  readonly relatesTo: string | undefined;
  readonly envelope: Document;
  readonly header: Element | undefined;
  /** First element child of the response Body (env:Fault for a fault). */
  readonly body: Element;
  readonly attachments: ReadonlyMap<string, Attachment>;
  readonly fault: ReceivedFault | undefined;
  resolveInclude(el: Element): Attachment | undefined;
  /** Deletes the spooled response attachments that were not claimed. */
  dispose(): Promise<void>;
}

/** Error raised when the exchange fails below SOAP (network, timeout, non-SOAP response). */
export class SoapCallError extends Error {
  override readonly name = 'SoapCallError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Sends one SOAP request and reads its response. A SOAP fault is a response (`fault` set), not an error. */
export async function soapCall(url: string | URL, o: SoapCallOptions): Promise<SoapResponse> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const version = o.version ?? '1.2';
  const messageId = o.messageId ?? newMessageId();
  const envelope = buildEnvelope(
    version,
    [
      ...addressingHeaders(version, { action: o.action, messageId, replyTo: WSA_ANONYMOUS, to: target.href }),
      ...(o.headers ?? []),
    ],
    o.body,
  );
  const headers: Record<string, string> = { ...(o.httpHeaders ?? {}) };
  let payload: Buffer | NodeJS.ReadableStream;
  if (o.mtom || (o.attachments?.length ?? 0) > 0) {
    const m = buildMtom({ version, envelope, attachments: o.attachments ?? [], action: o.action });
    headers['content-type'] = m.contentType;
    payload = m.stream;
  } else {
    payload = Buffer.from(envelope, 'utf8');
    headers['content-type'] =
      version === '1.2'
        ? `${soapMediaType(version)}; charset=UTF-8; action=${quote(o.action)}`
        : `${soapMediaType(version)}; charset=UTF-8`;
    headers['content-length'] = String(payload.length);
  }
  if (version === '1.1') headers.soapaction = quote(o.action);

  const spool = new Spool(o.spoolDir ?? tmpdir());
  const limits = soapLimits(o.limits);
  const mod = target.protocol === 'https:' ? https : http;
  const ac = new AbortController();
  const onOuterAbort = (): void => ac.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () => ac.abort(new SoapCallError(`SOAP call timed out after ${o.timeoutMs ?? 60_000} ms`)),
    o.timeoutMs ?? 60_000,
  );
  try {
    const req = mod.request(target, {
      method: 'POST',
      headers,
      signal: ac.signal,
      ...(o.agent ? { agent: o.agent } : {}),
      ...(target.protocol === 'https:' && o.tls
        ? {
            ca: o.tls.ca as string | Buffer | (string | Buffer)[] | undefined,
            cert: o.tls.cert,
            key: o.tls.key,
            rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
            ...(o.tls.servername ? { servername: o.tls.servername } : {}),
          }
        : {}),
    });
    const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    const sent = Buffer.isBuffer(payload)
      ? new Promise<void>((resolve, reject) => {
          req.once('error', reject);
          req.end(payload, resolve);
        })
      : pipeline(payload, req);
    // The server may answer (a fault) before it has read the whole request: whichever settles first.
    const res = await Promise.race([responded, sent.then(() => responded)]);
    sent.catch(() => undefined);
    const status = res.statusCode ?? 0;
    let msg;
    try {
      msg = await readSoapMessage(res, res.headers['content-type'], { limits, spool });
    } catch (e) {
      res.resume();
      if (e instanceof SoapFaultError)
        throw new SoapCallError(`Unreadable SOAP response (HTTP ${status}): ${e.fault.reason}`, status, {
          cause: e,
        });
      throw e;
    }
    const wsa = readAddressing(msg.header);
    return {
      status,
      version: msg.version,
      requestMessageId: messageId,
      action: wsa.action,
      relatesTo: wsa.relatesTo,
      envelope: msg.document,
      header: msg.header,
      body: msg.body,
      attachments: msg.attachments,
      fault: readFault(msg.body, msg.version),
      resolveInclude: (el) => resolveInclude(el, msg.attachments),
      dispose: () => spool.dispose(),
    };
  } catch (e) {
    await spool.dispose();
    if (e instanceof SoapCallError) throw e;
    const reason: unknown = ac.signal.aborted ? ac.signal.reason : undefined;
    if (reason instanceof SoapCallError) throw reason;
    throw new SoapCallError(`SOAP call to ${target.origin} failed: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Reads a received env:Fault (SOAP 1.2 Part 1 5.4; SOAP 1.1 4.4). */
function readFault(body: Element, version: SoapVersion): ReceivedFault | undefined {
  const ns = version === '1.2' ? NS.soap12 : NS.soap11;
  if (body.namespaceURI !== ns || body.localName !== 'Fault') return undefined;
  if (version === '1.1') {
    const fc = qname(child(body, null, 'faultcode'));
    const inEnv = fc?.ns === NS.soap11;
    return {
      code: inEnv ? fc.local : 'Client',
      subcode: fc && !inEnv ? fc.local : undefined,
      subcodes: fc && !inEnv ? [fc] : [],
      reason: text(child(body, null, 'faultstring')) ?? '',
      detail: child(body, null, 'detail'),
    };
  }
  const code = child(body, ns, 'Code');
  const subcodes: QName[] = [];
  let sc = code ? child(code, ns, 'Subcode') : undefined;
  while (sc) {
    const q = qname(child(sc, ns, 'Value'));
    if (q) subcodes.push(q);
    sc = child(sc, ns, 'Subcode');
  }
  const reason = child(body, ns, 'Reason');
  const texts = reason ? children(reason, ns, 'Text') : [];
  return {
    code: qname(code ? child(code, ns, 'Value') : undefined)?.local ?? '',
    subcode: subcodes[0]?.local,
    subcodes,
    reason:
      text(texts.find((t) => (t.getAttributeNS(NS.xml, 'lang') ?? '').startsWith('en')) ?? texts[0]) ?? '',
    detail: child(body, ns, 'Detail'),
  };
}

/** Resolves a QName-valued element's text against its in-scope namespaces. */
function qname(el: Element | undefined): QName | undefined {
  const v = text(el)?.trim();
  if (!el || !v) return undefined;
  const c = v.indexOf(':');
  const prefix = c > 0 ? v.slice(0, c) : null;
  const ns = el.lookupNamespaceURI(prefix) ?? '';
  return prefix ? { ns, local: v.slice(c + 1), prefix } : { ns, local: v };
}
