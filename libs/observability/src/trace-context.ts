/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) helpers over `@opentelemetry/api`
 * only, so they work whether or not the SDK was started: without it, spans are no-ops but
 * incoming trace ids are still parsed, logged and passed on.
 */
import { randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext } from '@opentelemetry/api';

/** The instrumentation scope name of every span the mesh creates through this library. */
export const TRACER_NAME = '@mesh/observability';

/** A parsed `traceparent` header. */
export interface Traceparent {
  readonly version: string;
  readonly traceId: string;
  readonly spanId: string;
  /** 8-bit trace-flags; bit 0 is `sampled`. */
  readonly traceFlags: number;
}

const HEX_ONLY = /^[0-9a-f]+$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Parses a `traceparent` header value (Trace Context 3.2). Returns undefined when it is
 * absent or invalid, in which case the receiver starts a new trace (3.2.2.1 "restart the
 * trace"). Versions above 00 are parsed by their 00 prefix as 3.2.4 asks; version ff and
 * all-zero ids are invalid.
 */
export function parseTraceparent(header: string | readonly string[] | undefined): Traceparent | undefined {
  // A repeated header is invalid unless there is exactly one value (Trace Context 3.2).
  const value: string | undefined =
    typeof header === 'string' ? header : header?.length === 1 ? header[0] : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v.length < 55) return undefined;
  const version = v.slice(0, 2);
  if (!HEX_ONLY.test(version) || version === 'ff') return undefined;
  // Version 00 is exactly 55 chars; a future version may append fields after a dash.
  if (version === '00' ? v.length !== 55 : v.length > 55 && v[55] !== '-') return undefined;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return undefined;
  const traceId = v.slice(3, 35);
  const spanId = v.slice(36, 52);
  const flags = v.slice(53, 55);
  if (!HEX_ONLY.test(traceId) || !HEX_ONLY.test(spanId) || !HEX_ONLY.test(flags)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { version, traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** The trace id (32 lowercase hex) of a `traceparent` header, or undefined when it is absent or invalid. */
export function traceIdFrom(traceparent: string | readonly string[] | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/** Formats a span context as a version-00 `traceparent` value. */
export function formatTraceparent(sc: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'>): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A fresh random trace id, for requests that arrive without one while no SDK is running. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The context to start a server span in: the caller's remote span when `traceparent` is
 * valid (with its `tracestate`), else the root context (a new trace).
 */
export function remoteContext(
  traceparent: string | readonly string[] | undefined,
  tracestate?: string | readonly string[],
): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return ROOT_CONTEXT;
  const state = Array.isArray(tracestate) ? tracestate.join(',') : tracestate;
  const sc: SpanContext = {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.traceFlags & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof state === 'string' && state !== '' ? { traceState: createTraceState(state) } : {}),
  };
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

/**
 * The `traceparent` to send on an outbound call (SOAP, HTTP, NATS headers) from the active
 * span, or undefined when there is none (no SDK started, or outside any span).
 */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? formatTraceparent(sc) : undefined;
}

/** Outbound trace headers (`traceparent`, plus `tracestate` when the trace has one). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !isSpanContextValid(sc)) return {};
  const state = sc.traceState?.serialize();
  return { traceparent: formatTraceparent(sc), ...(state ? { tracestate: state } : {}) };
}

/**
 * Runs `fn` inside a new active span (internal kind unless `kind` says otherwise), ending
 * it when `fn` settles and marking it failed when `fn` throws. Attributes are exported to
 * the tracing backend: never put PHI or assertions in them (ids of the transaction, the
 * repository, counts are fine; patient ids are not).
 */
export async function withSpan<T>(
  name: string,
  attrs: Attributes,
  fn: (span: Span) => Promise<T> | T,
  opts: { kind?: SpanKind } = {},
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    { attributes: attrs, kind: opts.kind ?? SpanKind.INTERNAL },
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.name : 'error' });
        if (e instanceof Error) span.recordException({ name: e.name, message: e.name });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}
