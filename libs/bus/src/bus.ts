/**
 * The Bus port: request/reply for lookups, durable events for facts. Two implementations
 * with the same semantics: NATS + JetStream (`connectNats`) and in-process
 * (`createInProcessBus`) for the embedded single-process mode. `contract.ts` runs the same
 * tests against both.
 */
import type { EventOf, EventSubject, ReplyOf, RequestOf, RequestSubject } from './subjects.js';

/** Message headers as plain strings (W3C trace context, ids). Keys are case-sensitive as sent. */
export type BusHeaders = Readonly<Record<string, string>>;

/** What a request handler learns about the request besides its payload. */
export interface MessageMeta {
  /** Catalogue subject (without deployment prefix). */
  readonly subject: string;
  readonly headers: BusHeaders;
  /** W3C `traceparent` of the requester, also made the active OpenTelemetry context for the handler. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** What an event handler learns about the delivery. */
export interface EventMeta extends MessageMeta {
  /** The publisher's Nats-Msg-Id. */
  readonly msgId?: string;
  /** True from the second delivery on (after a throw, a crash or an expired ack wait). */
  readonly redelivered: boolean;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** Stream sequence of the event. */
  readonly seq: number;
}

export interface RequestOptions {
  /** Reply timeout; default 5000 ms. */
  readonly timeoutMs?: number;
  readonly headers?: BusHeaders;
}

export interface ServeOptions {
  /** Queue group; members share the requests, each request goes to one. Default: the subject. */
  readonly queue?: string;
}

export interface PublishOptions {
  /** JetStream Nats-Msg-Id: a second publish with the same id inside the stream's window is stored once. */
  readonly msgId: string;
  readonly headers?: BusHeaders;
  /** How long to wait for the store acknowledgement; default 5000 ms. */
  readonly timeoutMs?: number;
}

export interface PublishAck {
  /** Stream sequence; for a duplicate, the sequence of the stored original. */
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface ConsumeOptions {
  /**
   * Durable consumer name: it keeps its position and unacked messages while nobody is
   * subscribed. Several subscriptions with the same durable share the events.
   */
  readonly durable: string;
  /** How long a delivered event may stay unacked before it is delivered again; default 30000 ms. */
  readonly ackWaitMs?: number;
  /** Deliveries before the bus gives up on an event (it stays in the stream); default unlimited. */
  readonly maxDeliver?: number;
  /** Delay before an event whose handler threw is delivered again; default 1000 ms. */
  readonly retryDelayMs?: number;
  /**
   * NATS removes the durable consumer after this long without a subscriber (tools, tests);
   * default: kept forever, as services' consumers must be. The in-process bus keeps no
   * consumer state beyond the process, so it ignores this.
   */
  readonly inactiveThresholdMs?: number;
  /**
   * Events this subscription hands to its handler at once; default 1 (one at a time, in
   * stream order). Above 1, events run concurrently and complete out of order, each acked
   * when its own handler resolves: for consumers that batch their work (the audit
   * repository commits many records per transaction).
   */
  readonly concurrency?: number;
}

/** A live subscription. */
export interface Subscription {
  /**
   * Resolves once the subscription is active on the server (a request sent afterwards from
   * any connection reaches it); rejects if it could not be set up (e.g. missing stream).
   */
  readonly ready: Promise<void>;
  /**
   * Stops taking new messages and waits for handlers in flight (graceful shutdown drains
   * in-flight work). After `timeoutMs` it returns anyway; an event whose handler did not
   * finish stays unacked and is delivered again after its ack wait.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

export type RequestHandler<S extends RequestSubject> = (
  payload: RequestOf<S>,
  meta: MessageMeta,
) => Promise<ReplyOf<S>>;

export type EventHandler<S extends EventSubject> = (payload: EventOf<S>, meta: EventMeta) => Promise<void>;

/** Minimal logger (pino-compatible) for failures nobody awaits: a handler that threw, a lost ack. */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Bus {
  /**
   * Sends a request and waits for one reply. A MeshError thrown by the handler is re-thrown
   * here with the same Outcome; other handler failures become {@link RemoteHandlerError};
   * `BusTimeoutError` / `NoRespondersError` when nobody answers.
   */
  request<S extends RequestSubject>(
    subject: S,
    payload: RequestOf<S>,
    opts?: RequestOptions,
  ): Promise<ReplyOf<S>>;

  /** Serves a request subject in a queue group. */
  serve<S extends RequestSubject>(subject: S, handler: RequestHandler<S>, opts?: ServeOptions): Subscription;

  /** Publishes an event; resolves only once the stream stored it (or recognised it as a duplicate). */
  publish<S extends EventSubject>(subject: S, payload: EventOf<S>, opts: PublishOptions): Promise<PublishAck>;

  /**
   * Consumes an event subject through a durable consumer, one event at a time per
   * subscription (in stream order). The event is acked after the handler resolves and
   * delivered again (after `retryDelayMs`) if it throws.
   */
  consume<S extends EventSubject>(subject: S, opts: ConsumeOptions, handler: EventHandler<S>): Subscription;

  /** Creates or updates the catalogue's streams. Idempotent; call once at start-up. */
  ensureStreams(): Promise<void>;

  /** True while connected and not closed. */
  ready(): boolean;

  /**
   * Drains subscriptions (in-flight handlers finish, each bounded by `timeoutMs` when given)
   * and closes. Idempotent.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
/** NATS server default max_payload; the in-process bus enforces the same limit. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
