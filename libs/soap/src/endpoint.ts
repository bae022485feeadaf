/**
 * A Fastify plugin serving one SOAP endpoint: SOAP 1.2 (and 1.1 where a profile allows it)
 * over HTTP, WS-Addressing 1.0, dispatch on the action, MTOM/XOP in and out, faults.
 *
 * Register it once per endpoint path: `await app.register(soapEndpoint, { path, operations, spoolDir })`.
 * It is deliberately encapsulated (not wrapped with fastify-plugin): it replaces the body
 * parsers of its own context with a pass-through so that bodies, MTOM ones included, are read
 * as streams by this module and never buffered by Fastify, without touching sibling routes.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, RequestContext, TransactionId } from '@mesh/core';
import { NS, child, text } from '@mesh/xml';
import { Spool } from './attachment.js';
import type { Attachment } from './attachment.js';
import { quote } from './content-type.js';
import {
  WSA_ANONYMOUS,
  addressingHeaders,
  buildEnvelope,
  envelopeNs,
  newMessageId,
  notUnderstoodHeaders,
  readAddressing,
  soapMediaType,
} from './envelope.js';
import type { SoapVersion } from './envelope.js';
import {
  SoapFaultError,
  WSA_FAULT_ACTION,
  WSA_SOAP_FAULT_ACTION,
  faultFromMeshError,
  faultHttpStatus,
  faults,
  isMeshError,
  renderFault,
  renderNotUnderstood,
} from './fault.js';
import type { SoapFault } from './fault.js';
import { soapLimits } from './limits.js';
import type { SoapLimits } from './limits.js';
import { readSoapMessage, versionHint } from './message.js';
import type { ReceivedMessage } from './message.js';
import { buildMtom } from './mtom.js';
import type { OutgoingAttachment } from './mtom.js';
import { resolveInclude } from './xop.js';

/** A request as a handler sees it: addressing already checked, attachments received. */
export interface SoapRequest {
  readonly version: SoapVersion;
  /** wsa:Action (equal to the SOAP 1.2 action parameter / SOAPAction when those were sent). */
  readonly action: string;
  readonly messageId: string | undefined;
  readonly to: string | undefined;
  readonly replyTo: string | undefined;
  readonly envelope: Document;
  readonly header: Element | undefined;
  /** First element child of the SOAP Body. */
  readonly body: Element;
  /** Received MTOM parts by Content-ID (without angle brackets). Empty for plain SOAP. */
  readonly attachments: ReadonlyMap<string, Attachment>;
  /** Whether the request came as MTOM/XOP. */
  readonly mtom: boolean;
  /** The attachment an xop:Include (or the element holding one) refers to. */
  resolveInclude(el: Element): Attachment | undefined;
}

/** What a handler returns: the Body's content, optional attachments and extra header blocks. */
export interface SoapReply {
  /** XML of the Body's child element(s); may use xop:Include (see `xopInclude`) for attachments. */
  readonly body: string;
  readonly attachments?: readonly OutgoingAttachment[];
  /** Extra header blocks (serialized XML, namespaces declared), after the WS-Addressing ones. */
  readonly headers?: readonly string[];
}

/** One operation of an endpoint, selected by its request action. */
export interface SoapOperation {
  readonly transaction: TransactionId;
  /** Request wsa:Action (= SOAP 1.2 action parameter), e.g. 'urn:ihe:iti:2007:RegisterDocumentSet-b'. */
  readonly action: string;
  readonly responseAction: string;
  /** Answer as MTOM even without attachments (ITI-43 and other transactions with mtom 'response'/'both'). */
  readonly mtomResponse?: boolean;
  /**
   * Serves the request. Throw a MeshError for a fault (its `fault` kind picks Sender, Receiver
   * or busy/503); anything else becomes a generic Receiver fault and is reported to `onError`.
   */
  handler(req: SoapRequest, ctx: RequestContext): Promise<SoapReply>;
}

export interface SoapEndpointOptions {
  /** Route path, e.g. '/xds/repository'. */
  readonly path: string;
  readonly operations: readonly SoapOperation[];
  /** SOAP versions accepted; default ['1.2']. Add '1.1' only where the profile allows it. */
  readonly soapVersions?: readonly SoapVersion[];
  readonly limits?: Partial<SoapLimits>;
  /** Directory for spooled attachments; must exist and be private to the service. */
  readonly spoolDir: string;
  /** The calling principal; default anonymous with the client certificate subject or the peer address. */
  principal?(request: FastifyRequest): Principal;
  /** Called once for every unexpected error (not for faults the SOAP layer or a MeshError produced). */
  onError?(
    err: unknown,
    info: { request: FastifyRequest; transaction?: TransactionId; messageId?: string },
  ): void;
  /** Header blocks understood besides WS-Addressing, in Clark notation: '{ns}local' (e.g. wsse:Security once XUA is enforced). */
  readonly understoodHeaders?: readonly string[];
  /** Namespace of the subcode QName made from a MeshError's first issue code; default ebRS rs (XDS error codes). */
  readonly faultSubcodeNamespace?: string;
  /** Retry-After (seconds) sent with a busy fault; default 10. */
  readonly retryAfterSeconds?: number;
  /**
   * The request's W3C trace id, when the host app already tracks one (e.g. the observability
   * plugin's `request.traceId`); default: from the `traceparent` header, else a new one.
   */
  traceId?(request: FastifyRequest): string | undefined;
  /**
   * Called once the action has been matched to an operation, before its handler runs: the
   * host labels logs, metrics and spans with the transaction and the wsa:MessageID.
   */
  onDispatch?(
    request: FastifyRequest,
    info: { transaction: TransactionId; messageId: string | undefined },
  ): void;
}

/** Fastify plugin serving one SOAP endpoint. */
export const soapEndpoint: FastifyPluginAsync<SoapEndpointOptions> = (app, opts) => {
  try {
    register(app, opts);
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
};

function register(app: FastifyInstance, opts: SoapEndpointOptions): void {
  const versions: readonly SoapVersion[] = opts.soapVersions?.length ? opts.soapVersions : ['1.2'];
  const limits = soapLimits(opts.limits);
  const understood = new Set(opts.understoodHeaders ?? []);
  const subcodeNs = opts.faultSubcodeNamespace ?? NS.rs;
  const byAction = new Map<string, SoapOperation>();
  for (const op of opts.operations) {
    if (byAction.has(op.action)) throw new Error(`Two operations for action ${op.action} at ${opts.path}`);
    byAction.set(op.action, op);
  }

  // Bodies are read by readSoapMessage as streams, whatever their media type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.post(opts.path, async (request, reply) => {
    const spool = new Spool(opts.spoolDir);
    const abort = new AbortController();
    // 'close' fires once the response is fully sent or the connection is gone: the end of
    // the exchange, when the temp files of unclaimed attachments are deleted.
    let finished = false;
    reply.raw.once('finish', () => {
      finished = true;
    });
    reply.raw.once('close', () => {
      if (!finished) abort.abort();
      void spool.dispose();
    });
    const ct = request.headers['content-type'];
    const hint = versionHint(ct);
    let version: SoapVersion =
      hint !== undefined && versions.includes(hint) ? hint : (versions[0] as SoapVersion);
    let requestMessageId: string | undefined;
    let transaction: TransactionId | undefined;
    try {
      const body = request.body as Readable | undefined;
      const stream = body && typeof body.iterator === 'function' ? body : request.raw;
      // The parsed message lives only in `dispatch` (synchronous): the request's DOM is held by
      // the operation for as long as the operation needs it, not by this function while it waits
      // for the answer (an async function keeps what its frame held until it resumes).
      const dispatch = (
        msg: ReceivedMessage,
      ): Promise<{ op: SoapOperation; relatesTo: string | undefined; result: SoapReply }> => {
        version = msg.version;
        // Known early so that even a MustUnderstand fault can carry wsa:RelatesTo.
        requestMessageId = peekMessageId(msg.header);
        // SOAP 1.2 Part 1 2.6: mustUnderstand is checked before anything is processed.
        const notUnderstood = notUnderstoodHeaders(msg, understood);
        if (notUnderstood.length > 0) throw new SoapFaultError(faults.mustUnderstand(notUnderstood));
        const addressing = readAddressing(msg.header);
        requestMessageId = addressing.messageId;
        if (addressing.action === undefined || addressing.action === '')
          throw new SoapFaultError(faults.addressingHeaderRequired('Action'));
        checkActionAgreement(addressing.action, msg.mediaAction, version, request);
        // The mesh answers synchronously on the same connection (ITI TF-2x Appendix V, synchronous
        // exchange): a reply or fault endpoint elsewhere cannot be honoured.
        for (const [name, addr] of [
          ['ReplyTo', addressing.replyTo],
          ['FaultTo', addressing.faultTo],
        ] as const) {
          if (addr !== undefined && addr !== WSA_ANONYMOUS)
            throw new SoapFaultError(
              faults.invalidAddressingHeader(
                'OnlyAnonymousAddressSupported',
                name,
                `Only the anonymous address is supported in wsa:${name}`,
              ),
            );
        }
        const found = byAction.get(addressing.action);
        if (!found) throw new SoapFaultError(faults.actionNotSupported(addressing.action));
        transaction = found.transaction;
        opts.onDispatch?.(request, { transaction: found.transaction, messageId: addressing.messageId });
        const ctx: RequestContext = {
          transaction: found.transaction,
          principal: opts.principal ? opts.principal(request) : defaultPrincipal(request),
          traceId: opts.traceId?.(request) ?? traceIdOf(request.headers.traceparent),
          messageId: addressing.messageId ?? newMessageId(),
          remoteAddress: request.ip,
          endpoint: `${request.protocol}://${request.host}${request.url}`,
          signal: abort.signal,
        };
        const { attachments } = msg;
        const req: SoapRequest = {
          version: msg.version,
          action: addressing.action,
          messageId: addressing.messageId,
          to: addressing.to,
          replyTo: addressing.replyTo,
          envelope: msg.document,
          header: msg.header,
          body: msg.body,
          attachments,
          mtom: msg.mtom,
          resolveInclude: (el) => resolveInclude(el, attachments),
        };
        // No closure here may capture `req` or `msg`: the callbacks below live until the handler
        // settles, and would keep the request's DOM alive with them.
        let handled: Promise<SoapReply>;
        try {
          handled = found.handler(req, ctx);
        } catch (e) {
          // A handler that throws before returning its promise is answered like one that rejects.
          handled = Promise.reject(e instanceof Error ? e : new Error(String(e)));
        }
        const relatesTo = addressing.messageId;
        return handled.then(
          (result) => ({ op: found, relatesTo, result }),
          (e: unknown) => {
            if (isMeshError(e))
              throw new SoapFaultError(faultFromMeshError(e, subcodeNs, opts.retryAfterSeconds));
            throw e;
          },
        );
      };
      const { op, relatesTo, result } = await readSoapMessage(
        // destroyOnReturn false: a fault raised mid-body must not destroy the socket it is answered on.
        stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>,
        ct,
        {
          limits,
          spool,
          versions,
        },
      ).then(dispatch);
      const headers = [
        ...addressingHeaders(version, {
          action: op.responseAction,
          messageId: newMessageId(),
          ...(relatesTo !== undefined ? { relatesTo } : {}),
        }),
        ...(result.headers ?? []),
      ];
      const envelope = buildEnvelope(version, headers, result.body);
      if (op.mtomResponse || (result.attachments?.length ?? 0) > 0) {
        const m = buildMtom({
          version,
          envelope,
          attachments: result.attachments ?? [],
          action: op.responseAction,
        });
        return reply.code(200).header('content-type', m.contentType).send(m.stream);
      }
      return reply
        .code(200)
        .header('content-type', plainContentType(version, op.responseAction))
        .send(envelope);
    } catch (e) {
      let fault: SoapFault;
      if (e instanceof SoapFaultError) {
        fault = e.fault;
        // SOAP 1.2 Part 1 A: a SOAP 1.1 message gets its VersionMismatch in SOAP 1.1.
        if (fault.code === 'VersionMismatch' && hint !== undefined) version = hint;
      } else if (abort.signal.aborted || request.raw.destroyed) {
        // The caller went away mid-request (the body stream failed with 'aborted' / ECONNRESET):
        // nobody is left to answer and nothing failed on our side.
        await spool.dispose();
        request.log.debug({ err: e }, 'SOAP request aborted by the client');
        return reply;
      } else {
        report(opts, e, {
          request,
          ...(transaction ? { transaction } : {}),
          ...(requestMessageId ? { messageId: requestMessageId } : {}),
        });
        fault = faults.receiver('Internal error while processing the request');
      }
      // Nothing received is needed to answer a fault: delete the temp files now, not after the reply.
      await spool.dispose();
      // A fault raised before the body was read to its end: do not keep reading it.
      if (!request.raw.complete) reply.header('connection', 'close');
      return sendFault(reply, fault, version, versions, requestMessageId);
    }
  });
}

/** The first wsa:MessageID, read leniently (cardinality is checked later by readAddressing). */
function peekMessageId(header: Element | undefined): string | undefined {
  const el = header ? child(header, NS.wsa, 'MessageID') : undefined;
  const v = el ? text(el)?.trim() : undefined;
  return v ? v : undefined;
}

function report(
  opts: SoapEndpointOptions,
  err: unknown,
  info: { request: FastifyRequest; transaction?: TransactionId; messageId?: string },
): void {
  if (opts.onError) {
    try {
      opts.onError(err, info);
    } catch {
      // A failing error reporter must not turn a fault into a crash.
    }
  } else {
    info.request.log.error(
      { err, transaction: info.transaction, wsaMessageId: info.messageId },
      'SOAP handler failed',
    );
  }
}

/**
 * WS-Addressing 1.0 SOAP Binding 3.x / RFC 3902: the SOAP 1.2 action parameter and (SOAP 1.1)
 * a non-empty SOAPAction must equal wsa:Action; otherwise an ActionMismatch fault.
 */
function checkActionAgreement(
  action: string,
  mediaAction: string | undefined,
  version: SoapVersion,
  request: FastifyRequest,
): void {
  let other = mediaAction;
  if (version === '1.1') {
    const raw = request.headers.soapaction;
    const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    other = v && v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
    if (other === '') other = undefined;
  }
  if (other !== undefined && other !== action)
    throw new SoapFaultError(
      faults.invalidAddressingHeader(
        'ActionMismatch',
        'Action',
        'The action in the HTTP headers does not match wsa:Action',
      ),
    );
}

function plainContentType(version: SoapVersion, action: string): string {
  return version === '1.2'
    ? `${soapMediaType(version)}; charset=UTF-8; action=${quote(action)}`
    : `${soapMediaType(version)}; charset=UTF-8`;
}

function sendFault(
  reply: FastifyReply,
  fault: SoapFault,
  version: SoapVersion,
  versions: readonly SoapVersion[],
  relatesTo: string | undefined,
): FastifyReply {
  const soapDefined = fault.code === 'VersionMismatch' || fault.code === 'MustUnderstand';
  const action = soapDefined ? WSA_SOAP_FAULT_ACTION : WSA_FAULT_ACTION;
  const headers = addressingHeaders(version, {
    action,
    messageId: newMessageId(),
    ...(relatesTo !== undefined ? { relatesTo } : {}),
  });
  if (version === '1.2') headers.push(...renderNotUnderstood(fault));
  if (fault.code === 'VersionMismatch') {
    // SOAP 1.2 Part 1 5.4.7: the Upgrade header lists the envelope versions supported, preferred first.
    headers.push(
      `<u:Upgrade xmlns:u="${NS.soap12}">` +
        versions.map((v) => `<u:SupportedEnvelope xmlns:s="${envelopeNs(v)}" qname="s:Envelope"/>`).join('') +
        `</u:Upgrade>`,
    );
  }
  const status = faultHttpStatus(fault, version);
  if (status === 503 && fault.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(fault.retryAfterSeconds));
  return reply
    .code(status)
    .header('content-type', plainContentType(version, action))
    .send(buildEnvelope(version, headers, renderFault(fault, version)));
}

function defaultPrincipal(request: FastifyRequest): Principal {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.encrypted && socket.authorized && typeof socket.getPeerCertificate === 'function') {
    const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
    if (subject) {
      const dn = Object.entries(subject)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
        .join(',');
      return { kind: 'anonymous', peer: dn };
    }
  }
  return request.ip ? { kind: 'anonymous', peer: request.ip } : { kind: 'anonymous' };
}

/** The trace id of a W3C traceparent header (Trace Context 3.2), or a fresh one. */
function traceIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  const m = v ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(v.trim()) : null;
  if (m?.[1] && m[1] !== '0'.repeat(32)) return m[1];
  // randomUUID draws from a cached entropy pool; randomBytes costs a system call per request.
  return randomUUID().replace(/-/g, '');
}
