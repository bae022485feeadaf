/**
 * Fastify plugin giving every request its correlation ids, a child logger carrying them,
 * a server span (when the OpenTelemetry SDK runs), RED metrics, and the probe/metrics
 * endpoints. Register it first, before any route: handlers registered earlier are not
 * wrapped in the span's context and their requests would not be measured the same way.
 *
 * ```ts
 * const app = Fastify({ loggerInstance: logger });
 * await app.register(observabilityPlugin, { service: 'registry', metrics, health });
 * app.post('/xds/registry', async (request) => {
 *   request.transaction = 'ITI-42';          // relabels logs, metrics, span
 *   request.messageId = wsa.messageId;       // logged as wsaMessageId
 *   // or both at once: request.label('ITI-42', wsa.messageId)
 *   ...
 * });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import type { TransactionId } from '@mesh/core';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Health } from './health.js';
import type { MeshMetrics } from './metrics.js';
import { TRACER_NAME, newTraceId, remoteContext, traceIdFrom } from './trace-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The IHE transaction this request carries; set it once known ('ITI-41'). Labels logs and metrics. */
    transaction: TransactionId | undefined;
    /** The WS-Addressing MessageID (or other message id) once parsed; logged as `wsaMessageId`. */
    messageId: string | undefined;
    /** Sets `transaction` and `messageId` together (one relabelling of the request's logger instead of two). */
    label(transaction: TransactionId, messageId: string | undefined): void;
    /** W3C trace id (32 hex): the caller's when a valid `traceparent` came in, else a new one. */
    readonly traceId: string;
    /** `x-request-id` from the caller when well-formed, else a generated UUID; echoed in the response. */
    readonly requestId: string;
    /** OpenTelemetry context holding this request's server span (active while the route handler runs). */
    readonly traceContext: Context;
  }
}

export interface ObservabilityRoutesOptions {
  readonly metrics: MeshMetrics;
  readonly health: Health;
}

export interface ObservabilityPluginOptions extends ObservabilityRoutesOptions {
  /** The service name for the `service` metric label and span attribute. */
  readonly service: string;
  /**
   * Serve `/healthz`, `/readyz` and `/metrics` on this app (default true). Set false when
   * they live on a separate admin listener registered with {@link observabilityRoutes}.
   */
  readonly routes?: boolean;
  /**
   * Log one `request completed` line per request (method, route pattern, status, duration)
   * from this plugin, with the host's Fastify request logging turned off (default false:
   * Fastify's own lines, relabelled, are kept).
   */
  readonly accessLog?: boolean;
}

interface RequestState {
  readonly requestId: string;
  readonly traceId: string;
  readonly span: Span;
  readonly ctx: Context;
  readonly baseLog: FastifyBaseLogger;
  transaction: TransactionId | undefined;
  messageId: string | undefined;
  finished: boolean;
}

const kState = Symbol('mesh.observability');
type WithState = FastifyRequest & { [kState]?: RequestState };

/** Accepts caller-chosen request ids that are short and plain, so they are safe to echo and log. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

const UNMATCHED = 'unmatched';
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function rebindLog(request: FastifyRequest, reply: FastifyReply | undefined, st: RequestState): void {
  const bindings: Record<string, string> = { requestId: st.requestId, traceId: st.traceId };
  if (st.transaction !== undefined) bindings['transaction'] = st.transaction;
  if (st.messageId !== undefined) bindings['wsaMessageId'] = st.messageId;
  const log = st.baseLog.child(bindings);
  request.log = log;
  if (reply) reply.log = log;
}

/**
 * `/healthz` (liveness), `/readyz` (readiness, JSON naming each check) and `/metrics`
 * (Prometheus text). Probe routes log at warn only, so kubelet polling does not flood logs.
 */
export const observabilityRoutes: FastifyPluginAsync<ObservabilityRoutesOptions> = fp(
  function observabilityRoutes(app: FastifyInstance, opts: ObservabilityRoutesOptions): Promise<void> {
    app.get('/healthz', { logLevel: 'warn' }, async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    });
    app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
      const report = await opts.health.readiness();
      void reply.code(report.status === 'ready' ? 200 : 503).header('cache-control', 'no-store');
      return report;
    });
    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
      const body = await opts.metrics.render();
      void reply.type(opts.metrics.contentType).header('cache-control', 'no-store');
      return body;
    });
    return Promise.resolve();
  },
  { name: '@mesh/observability-routes', fastify: '5.x' },
);

async function plugin(app: FastifyInstance, opts: ObservabilityPluginOptions): Promise<void> {
  const tracer = trace.getTracer(TRACER_NAME);

  app.decorateRequest('transaction', {
    getter(this: WithState) {
      return this[kState]?.transaction;
    },
    setter(this: WithState, value: TransactionId | undefined) {
      const st = this[kState];
      if (!st || st.transaction === value) return;
      st.transaction = value;
      rebindLog(this, replies.get(this), st);
    },
  });
  app.decorateRequest('messageId', {
    getter(this: WithState) {
      return this[kState]?.messageId;
    },
    setter(this: WithState, value: string | undefined) {
      const st = this[kState];
      if (!st || st.messageId === value) return;
      st.messageId = value;
      rebindLog(this, replies.get(this), st);
    },
  });
  app.decorateRequest(
    'label',
    function label(this: WithState, transaction: TransactionId, messageId: string | undefined): void {
      const st = this[kState];
      if (!st || (st.transaction === transaction && st.messageId === messageId)) return;
      st.transaction = transaction;
      st.messageId = messageId;
      rebindLog(this, replies.get(this), st);
    },
  );
  app.decorateRequest('traceId', {
    getter(this: WithState) {
      return this[kState]?.traceId ?? '';
    },
  });
  app.decorateRequest('requestId', {
    getter(this: WithState) {
      return this[kState]?.requestId ?? '';
    },
  });
  app.decorateRequest('traceContext', {
    getter(this: WithState) {
      return this[kState]?.ctx ?? context.active();
    },
  });

  // The setters above need the reply to relabel `reply.log` (Fastify's completion log line).
  const replies = new WeakMap<FastifyRequest, FastifyReply>();

  app.addHook('onRequest', (request: WithState, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const incomingId = header(request, 'x-request-id');
    const requestId = incomingId !== undefined && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const parent = remoteContext(request.headers.traceparent, request.headers.tracestate);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'mesh.service': opts.service,
        },
      },
      parent,
    );
    // With the SDK the span is a child in the caller's trace (or a new trace); without it
    // the span is a no-op carrying the caller's context, or invalid when none came in.
    const sc = span.spanContext();
    const traceId = isSpanContextValid(sc)
      ? sc.traceId
      : (traceIdFrom(request.headers.traceparent) ?? newTraceId());
    const st: RequestState = {
      requestId,
      traceId,
      span,
      ctx: trace.setSpan(parent, span),
      baseLog: request.log,
      transaction: undefined,
      messageId: undefined,
      finished: false,
    };
    request[kState] = st;
    replies.set(request, reply);
    rebindLog(request, reply, st);
    void reply.header('x-request-id', requestId);
    done();
  });

  function finish(request: WithState, reply: FastifyReply, status: string): void {
    const st = request[kState];
    if (!st || st.finished) return;
    st.finished = true;
    const route = request.routeOptions.url ?? UNMATCHED;
    opts.metrics.observeHttp(
      {
        service: opts.service,
        route,
        method: request.method,
        status,
        transaction: st.transaction ?? 'none',
      },
      reply.elapsedTime / 1000,
    );
    if (st.transaction !== undefined) st.span.setAttribute('mesh.transaction', st.transaction);
    st.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500 || status === '499') st.span.setStatus({ code: SpanStatusCode.ERROR });
    st.span.end();
    if (!opts.accessLog) return;
    // One access line per request, instead of Fastify's own request logging. The request's
    // child logger already carries requestId, traceId, transaction, wsaMessageId; no URL
    // query, headers or body, which may carry PHI. Probes log at debug only.
    const line = {
      method: request.method,
      route,
      status: Number(status),
      durationMs: Math.round(reply.elapsedTime),
    };
    if (PROBE_ROUTES.has(route)) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
  }

  app.addHook('onResponse', (request: WithState, reply, done) => {
    finish(request, reply, String(reply.statusCode));
    done();
  });
  // The client went away before the response: 499, nginx's "client closed request".
  app.addHook('onRequestAbort', (request: WithState, done) => {
    const reply = replies.get(request);
    if (reply) finish(request, reply, '499');
    done();
  });

  // Make the server span the active context while the handler runs, so spans it starts
  // and `currentTraceparent()` for outbound calls belong to this request's trace.
  app.addHook('onRoute', (routeOptions) => {
    const handler = routeOptions.handler;
    routeOptions.handler = function wrapped(
      this: FastifyInstance,
      request: FastifyRequest,
      reply: FastifyReply,
    ) {
      const st = (request as WithState)[kState];
      return st ? context.with(st.ctx, handler, this, request, reply) : handler.call(this, request, reply);
    };
  });

  if (opts.routes ?? true) await app.register(observabilityRoutes, opts);
}

/** See the module comment. Options: {@link ObservabilityPluginOptions}. */
export const observabilityPlugin: FastifyPluginAsync<ObservabilityPluginOptions> = fp(plugin, {
  name: '@mesh/observability',
  fastify: '5.x',
});
