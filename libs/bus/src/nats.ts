/**
 * The production bus: NATS core request/reply with queue groups, JetStream streams and
 * durable pull consumers for events. Secrets (user/password/token) are read from files,
 * never from the environment's values directly (MESH_BRIEF "secrets from files").
 */
import { readFile } from 'node:fs/promises';
import {
  ClosedConnectionError,
  headers as natsHeaders,
  NoRespondersError as NatsNoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamManager, JsMsg, StreamConfig } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type {
  Bus,
  BusLogger,
  ConsumeOptions,
  EventHandler,
  EventMeta,
  PublishAck,
  PublishOptions,
  RequestHandler,
  RequestOptions,
  ServeOptions,
  Subscription,
} from './bus.js';
import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_DELAY_MS,
} from './bus.js';
import type { WireMessage } from './envelope.js';
import {
  decodeJson,
  decodeReply,
  encodeErrorReply,
  encodeJson,
  HEADER_MSG_ID,
  messageMeta,
  Names,
  runInTrace,
  withTraceHeaders,
} from './envelope.js';
import {
  BusError,
  BusTimeoutError,
  BusUnavailableError,
  NoRespondersError,
  StreamNotFoundError,
} from './errors.js';
import { settleWithin } from './in-process.js';
import type { EventOf, EventSubject, ReplyOf, RequestOf, RequestSubject } from './subjects.js';
import { STREAMS, subjectsOfStream } from './subjects.js';

export interface NatsBusOptions {
  /** One URL or a comma-separated list / array, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (`connz`), e.g. the service name and pod. */
  readonly name: string;
  /** Namespaces subjects and stream names, e.g. `test_abc.`. */
  readonly subjectPrefix?: string;
  /** TLS with files (CA, client certificate and key for mutual TLS). */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly user?: string;
  /** File holding the password. */
  readonly passwordFile?: string;
  /** File holding the token (alternative to user/password). */
  readonly tokenFile?: string;
  /** JetStream replicas for the streams `ensureStreams` creates; 3 in a production cluster. Default 1. */
  readonly replicas?: number;
  /** Overrides every stream's de-duplication window (default: the catalogue's per stream). */
  readonly duplicateWindowMs?: number;
  /** Keep retrying the first connection instead of failing (default false: fail fast at start-up). */
  readonly waitOnFirstConnect?: boolean;
  readonly logger?: BusLogger;
}

/** The NATS bus, with an administrative extra used by tests and operations tooling. */
export interface NatsBus extends Bus {
  /** Deletes the catalogue's streams under this bus's prefix (test clean-up; destroys events). */
  deleteStreams(): Promise<void>;
}

async function secret(file: string | undefined): Promise<string | undefined> {
  return file === undefined ? undefined : (await readFile(file, 'utf8')).trim();
}

function toHdrs(h: Record<string, string>): MsgHdrs {
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

function fromHdrs(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

/** Connects to NATS and returns the bus. Call `ensureStreams()` before publishing or consuming. */
export async function connectNats(opts: NatsBusOptions): Promise<NatsBus> {
  const names = new Names(opts.subjectPrefix);
  const logger = opts.logger;
  const servers =
    typeof opts.servers === 'string' ? opts.servers.split(',').map((s) => s.trim()) : [...opts.servers];
  const pass = await secret(opts.passwordFile);
  const token = await secret(opts.tokenFile);
  const nc: NatsConnection = await connect({
    servers,
    name: opts.name,
    // A service keeps trying to reach the cluster for as long as it lives; readiness reports it.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
    // Otherwise every request and JetStream publish builds an Error up front (a stack capture, a
    // few percent of a busy service's CPU) in case it times out; callers log their own context.
    noAsyncTraces: true,
    ...(opts.tls ? { tls: { ...opts.tls } } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
  });
  const js = jetstream(nc);
  let jsmPromise: Promise<JetStreamManager> | undefined;
  const jsm = (): Promise<JetStreamManager> => (jsmPromise ??= jetstreamManager(nc));
  const subscriptions = new Set<Subscription>();
  let connected = true;
  let closing = false;

  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        logger?.warn({ server: s.server }, 'NATS disconnected');
      } else if (s.type === 'reconnect') {
        connected = true;
        logger?.warn({ server: s.server }, 'NATS reconnected');
      }
    }
  })();

  const maxPayload = (): number => nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;

  function assertOpen(subject: string): void {
    if (closing || nc.isClosed()) throw new BusUnavailableError('bus is closed', { subject });
  }

  /** Maps nats.js failures of a request-like call to the bus's named errors. */
  function mapError(subject: string, timeoutMs: number, err: unknown, noResponders: () => BusError): unknown {
    if (err instanceof BusError) return err;
    if (err instanceof TimeoutError) return new BusTimeoutError(subject, timeoutMs, err);
    if (err instanceof RequestError) {
      if (err.isNoResponders()) return noResponders();
      if (err.cause instanceof TimeoutError) return new BusTimeoutError(subject, timeoutMs, err);
    }
    if (err instanceof NatsNoRespondersError) return noResponders();
    // js.publish reports "no responders" (no stream captures the subject) as JetStreamNotEnabled,
    // a class the package does not export: recognise it by its cause.
    if (err instanceof Error && err.cause instanceof RequestError && err.cause.isNoResponders())
      return noResponders();
    if (err instanceof ClosedConnectionError)
      return new BusUnavailableError('connection closed', { subject, cause: err });
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)
      return new StreamNotFoundError(`no stream for '${subject}'`, { subject, cause: err });
    return err;
  }

  async function request<S extends RequestSubject>(
    subject: S,
    payload: RequestOf<S>,
    ropts: RequestOptions = {},
  ): Promise<ReplyOf<S>> {
    assertOpen(subject);
    const timeout = ropts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const data = encodeJson(subject, payload, maxPayload());
    let reply: Msg;
    try {
      reply = await nc.request(names.subject(subject), data, {
        timeout,
        headers: toHdrs(withTraceHeaders(ropts.headers)),
      });
    } catch (err) {
      throw mapError(subject, timeout, err, () => new NoRespondersError(subject, err));
    }
    return decodeReply<ReplyOf<S>>(subject, { headers: fromHdrs(reply.headers), data: reply.data });
  }

  function serve<S extends RequestSubject>(
    subject: S,
    handler: RequestHandler<S>,
    sopts: ServeOptions = {},
  ): Subscription {
    assertOpen(subject);
    const inFlight = new Set<Promise<void>>();
    const handle = async (msg: Msg): Promise<void> => {
      const headers = fromHdrs(msg.headers);
      let reply: WireMessage;
      try {
        const payload = decodeJson<RequestOf<S>>(msg.data);
        const value = await runInTrace(headers, () => handler(payload, messageMeta(subject, headers)));
        reply = { headers: {}, data: encodeJson(subject, value, maxPayload()) };
      } catch (err) {
        reply = encodeErrorReply(subject, err, logger);
      }
      try {
        msg.respond(reply.data, { headers: toHdrs(reply.headers) });
      } catch (err) {
        logger?.warn({ err, subject }, 'could not send reply');
      }
    };
    const sub = nc.subscribe(names.subject(subject), {
      queue: sopts.queue ?? subject,
      callback: (err, msg) => {
        if (err) {
          logger?.error({ err, subject }, 'subscription failed');
          return;
        }
        const p = handle(msg);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      },
    });
    // The server has registered the subscription once a flush round trip completed.
    const ready = nc.flush();
    ready.catch(() => undefined);
    const s: Subscription = {
      ready,
      async close(copts: { timeoutMs?: number } = {}): Promise<void> {
        subscriptions.delete(s);
        if (!sub.isClosed()) {
          try {
            await sub.drain();
          } catch {
            // already closed with the connection
          }
        }
        await settleWithin([...inFlight], copts.timeoutMs);
      },
    };
    subscriptions.add(s);
    return s;
  }

  async function publish<S extends EventSubject>(
    subject: S,
    payload: EventOf<S>,
    popts: PublishOptions,
  ): Promise<PublishAck> {
    assertOpen(subject);
    const timeout = popts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const data = encodeJson(subject, payload, maxPayload());
    try {
      const ack = await js.publish(names.subject(subject), data, {
        msgID: popts.msgId,
        timeout,
        headers: toHdrs(withTraceHeaders(popts.headers)),
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      // No responders on a JetStream publish means no stream captures the subject.
      throw mapError(
        subject,
        timeout,
        err,
        () =>
          new StreamNotFoundError(`no stream captures '${subject}' (ensureStreams not called?)`, {
            subject,
            cause: err,
          }),
      );
    }
  }

  async function ensureConsumer(stream: string, filter: string, copts: ConsumeOptions): Promise<void> {
    const m = await jsm();
    const config = {
      ack_policy: AckPolicy.Explicit,
      ack_wait: (copts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS) * 1_000_000,
      max_deliver: copts.maxDeliver ?? -1,
      ...(copts.inactiveThresholdMs === undefined
        ? {}
        : { inactive_threshold: copts.inactiveThresholdMs * 1_000_000 }),
    };
    try {
      const info = await m.consumers.info(stream, copts.durable);
      if (info.config.filter_subject !== filter)
        throw new Error(`durable '${copts.durable}' already consumes '${info.config.filter_subject ?? ''}'`);
      if (info.config.ack_wait !== config.ack_wait || info.config.max_deliver !== config.max_deliver)
        await m.consumers.update(stream, copts.durable, config);
      return;
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    }
    await m.consumers.add(stream, {
      ...config,
      durable_name: copts.durable,
      filter_subject: filter,
      deliver_policy: DeliverPolicy.All,
    });
  }

  function consume<S extends EventSubject>(
    subject: S,
    copts: ConsumeOptions,
    handler: EventHandler<S>,
  ): Subscription {
    assertOpen(subject);
    const stream = names.streamOf(subject);
    const filter = names.subject(subject);
    const retryDelay = copts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    let stopping = false;
    let messages: ConsumerMessages | undefined;
    const concurrency = Math.max(1, Math.floor(copts.concurrency ?? 1));
    const inFlight = new Set<Promise<void>>();
    /** The loop's wait for a free slot, when all are taken (one waiter, not a race over every handler). */
    let slotFreed: (() => void) | undefined;

    const handle = async (m: JsMsg): Promise<void> => {
      const headers = fromHdrs(m.headers);
      const msgId = headers[HEADER_MSG_ID];
      const meta: EventMeta = {
        ...messageMeta(subject, headers),
        ...(msgId === undefined ? {} : { msgId }),
        redelivered: m.redelivered,
        deliveryCount: m.info.deliveryCount,
        seq: m.seq,
      };
      let payload: EventOf<S>;
      try {
        payload = decodeJson<EventOf<S>>(m.data);
      } catch (err) {
        // Not JSON: no retry can help; terminate so it does not block the consumer.
        logger?.error({ err, subject, seq: m.seq }, 'undecodable event terminated');
        m.term('undecodable payload');
        return;
      }
      try {
        await runInTrace(headers, () => handler(payload, meta));
        m.ack();
      } catch (err) {
        const last =
          copts.maxDeliver !== undefined && copts.maxDeliver > 0 && meta.deliveryCount >= copts.maxDeliver;
        logger?.[last ? 'error' : 'warn'](
          { err, subject, durable: copts.durable, seq: m.seq, deliveryCount: meta.deliveryCount },
          last ? 'event not acked after maxDeliver attempts' : 'event handler failed',
        );
        m.nak(retryDelay);
      }
    };

    const ready = (async () => {
      try {
        await ensureConsumer(stream, filter, copts);
      } catch (err) {
        throw mapError(
          subject,
          0,
          err,
          () => new StreamNotFoundError(`no stream for '${subject}'`, { subject }),
        );
      }
      const consumer = await js.consumers.get(stream, copts.durable);
      // A small pull batch: buffered events count against ack wait while earlier ones run.
      messages = await consumer.consume({ max_messages: Math.max(16, concurrency * 2) });
      if (stopping) await messages.close();
    })();
    const loop = (async () => {
      await ready;
      if (!messages) return;
      for await (const m of messages) {
        if (stopping) {
          // Buffered but not started: hand back at once instead of waiting out the ack wait.
          safely(() => m.nak());
          continue;
        }
        const p: Promise<void> = handle(m)
          .catch((err: unknown) => logger?.error({ err, subject }, 'event ack failed'))
          .finally(() => {
            inFlight.delete(p);
            const wake = slotFreed;
            slotFreed = undefined;
            wake?.();
          });
        inFlight.add(p);
        if (inFlight.size >= concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
      }
      await Promise.all(inFlight);
    })();
    loop.catch((err: unknown) => logger?.error({ err, subject, durable: copts.durable }, 'consumer stopped'));

    const s: Subscription = {
      ready,
      async close(opts: { timeoutMs?: number } = {}): Promise<void> {
        subscriptions.delete(s);
        stopping = true;
        messages?.stop();
        await settleWithin([loop, ...inFlight], opts.timeoutMs);
      },
    };
    subscriptions.add(s);
    return s;
  }

  async function ensureStreams(): Promise<void> {
    const m = await jsm();
    for (const { name, wire } of names.streams()) {
      const spec = STREAMS[name];
      const config: Partial<StreamConfig> & { name: string } = {
        name: wire,
        subjects: subjectsOfStream(name).map((s) => names.subject(s)),
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: spec.maxAgeMs * 1_000_000,
        duplicate_window: (opts.duplicateWindowMs ?? spec.duplicateWindowMs) * 1_000_000,
        num_replicas: opts.replicas ?? 1,
      };
      try {
        await m.streams.info(wire);
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
          await m.streams.add(config);
          continue;
        }
        throw err;
      }
      await m.streams.update(wire, config);
    }
  }

  return {
    request,
    serve,
    publish,
    consume,
    ensureStreams,
    ready: () => connected && !closing && !nc.isClosed(),
    async close(copts: { timeoutMs?: number } = {}): Promise<void> {
      if (closing) return;
      await Promise.all([...subscriptions].map((s) => s.close(copts)));
      closing = true;
      if (!nc.isClosed()) {
        try {
          await nc.drain();
        } catch {
          await nc.close();
        }
      }
    },
    async deleteStreams(): Promise<void> {
      const m = await jsm();
      for (const { wire } of names.streams()) {
        try {
          await m.streams.delete(wire);
        } catch (err) {
          if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
        }
      }
    },
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the connection is gone; the server redelivers after the ack wait
  }
}
