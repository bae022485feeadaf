/**
 * What travels on the wire, shared by both implementations so they behave alike: JSON
 * bodies, string headers, W3C trace context, and the reply envelope that carries a
 * handler's MeshError back to the requester.
 *
 * Error replies follow the NATS service convention (`Nats-Service-Error`,
 * `Nats-Service-Error-Code` headers, as the NATS micro protocol defines them) so generic NATS
 * tooling shows them as errors; `Mesh-Error` tells which kind, and the body carries the
 * Outcome for MeshErrors.
 */
import { MeshError } from '@mesh/core';
import type { FaultKind, Outcome } from '@mesh/core';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { BusHeaders, BusLogger, MessageMeta } from './bus.js';
import { PayloadTooLargeError, RemoteHandlerError } from './errors.js';
import type { EventSubject, StreamName } from './subjects.js';
import { STREAMS, SUBJECTS } from './subjects.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface WireMessage {
  readonly headers: Record<string, string>;
  readonly data: Uint8Array;
}

/** JSON-encodes a payload, enforcing the payload size limit the server would enforce. */
export function encodeJson(subject: string, value: unknown, maxPayload: number): Uint8Array {
  const data = encoder.encode(JSON.stringify(value));
  if (data.byteLength > maxPayload) throw new PayloadTooLargeError(subject, data.byteLength, maxPayload);
  return data;
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

export const HEADER_ERROR = 'Nats-Service-Error';
export const HEADER_ERROR_CODE = 'Nats-Service-Error-Code';
export const HEADER_MESH_ERROR = 'Mesh-Error';
export const HEADER_MSG_ID = 'Nats-Msg-Id';

interface MeshErrorBody {
  readonly outcome: Outcome;
  readonly fault: FaultKind;
}

const faultCode: Record<FaultKind, string> = { sender: '400', receiver: '500', busy: '503' };

/** The reply for a handler that threw: a MeshError keeps its Outcome, anything else only its name. */
export function encodeErrorReply(subject: string, err: unknown, logger: BusLogger | undefined): WireMessage {
  if (err instanceof MeshError) {
    const body: MeshErrorBody = { outcome: err.outcome, fault: err.fault };
    return {
      headers: {
        [HEADER_ERROR]: oneLine(err.message),
        [HEADER_ERROR_CODE]: faultCode[err.fault],
        [HEADER_MESH_ERROR]: 'mesh',
      },
      data: encoder.encode(JSON.stringify(body)),
    };
  }
  // Logged once here with its stack, where it happened; the requester gets the name only.
  logger?.error({ err, subject }, 'bus request handler failed');
  const name = err instanceof Error ? err.name : typeof err;
  return {
    headers: { [HEADER_ERROR]: 'handler failed', [HEADER_ERROR_CODE]: '500', [HEADER_MESH_ERROR]: 'remote' },
    data: encoder.encode(JSON.stringify({ name })),
  };
}

/** Decodes a reply, re-throwing the remote error as the requester's error. */
export function decodeReply<T>(subject: string, msg: WireMessage): T {
  const kind = msg.headers[HEADER_MESH_ERROR];
  if (kind === undefined && msg.headers[HEADER_ERROR] === undefined) return decodeJson<T>(msg.data);
  if (kind === 'mesh') {
    const body = decodeJson<MeshErrorBody>(msg.data);
    throw new MeshError(body.outcome, { fault: body.fault });
  }
  let name = 'Error';
  try {
    name = decodeJson<{ name?: string }>(msg.data).name ?? name;
  } catch {
    // A foreign service error (e.g. NATS micro) without our body: keep the generic name.
  }
  throw new RemoteHandlerError(subject, name);
}

function oneLine(s: string): string {
  // NATS headers cannot carry CR/LF.
  return s.replace(/[\r\n]+/g, ' ').slice(0, 512);
}

/** Adds `traceparent`/`tracestate` of the active OpenTelemetry context (no-op without a propagator). */
export function withTraceHeaders(headers: BusHeaders | undefined): Record<string, string> {
  const carrier: Record<string, string> = { ...headers };
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a handler runs in: the requester's/publisher's trace context. */
export function extractTrace(headers: Record<string, string>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Runs a handler inside the trace context extracted from its message headers. */
export function runInTrace<T>(headers: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return context.with(extractTrace(headers), fn);
}

export function messageMeta(subject: string, headers: Record<string, string>): MessageMeta {
  const { traceparent, tracestate } = headers;
  return {
    subject,
    headers,
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
  };
}

/**
 * Deployment names: `subjectPrefix` namespaces subjects and streams so several test files
 * (or environments) share one NATS server. Stream names may not contain '.', so the prefix
 * is sanitised for them.
 */
export class Names {
  readonly prefix: string;
  private readonly streamPrefix: string;

  constructor(prefix = '') {
    if (prefix !== '' && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.$/.test(prefix))
      throw new Error(`subjectPrefix must be dot-separated tokens ending with '.', got '${prefix}'`);
    this.prefix = prefix;
    this.streamPrefix = prefix.replace(/\./g, '_');
  }

  subject(s: string): string {
    return this.prefix + s;
  }

  stream(name: StreamName): string {
    return this.streamPrefix + name;
  }

  streamOf(subject: EventSubject): string {
    return this.stream(SUBJECTS[subject].stream);
  }

  /** All stream names of the catalogue under this prefix. */
  streams(): { name: StreamName; wire: string }[] {
    return (Object.keys(STREAMS) as StreamName[]).map((name) => ({ name, wire: this.stream(name) }));
  }
}
