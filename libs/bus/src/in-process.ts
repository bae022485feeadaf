/**
 * The in-process bus of the embedded mode: the same interface and semantics as NATS +
 * JetStream, inside one process.
 *
 * Emulated: queue groups (one member per group gets each request, round robin), no
 * responders, reply timeouts, MeshError propagation (through the same wire envelope as
 * NATS, so payloads are really JSON-copied and size-limited), streams that must exist
 * (`ensureStreams`), Nats-Msg-Id de-duplication inside a window, limits retention by age,
 * durable consumers that keep their position and unacked events across unsubscribe and
 * resubscribe, redelivery after a throw (after `retryDelayMs`) or an expired ack wait,
 * `maxDeliver`.
 *
 * Not emulated: persistence. Stored events live in memory, so a process restart loses
 * events no consumer acknowledged yet. For audit records the Secure Node's disk spool
 * (@mesh/secure-node) covers the time the bus is unavailable; once this bus has "stored" a
 * record, it is only in memory until the audit repository (same process, milliseconds
 * later) commits it, and a crash in that gap loses it.
 */
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
import { BusTimeoutError, BusUnavailableError, NoRespondersError, StreamNotFoundError } from './errors.js';
import type { EventOf, EventSubject, ReplyOf, RequestOf, RequestSubject, StreamName } from './subjects.js';
import { STREAMS } from './subjects.js';

export interface InProcessBusOptions {
  /** Namespaces subjects and streams, e.g. `test_abc.` (same rules as NATS). */
  readonly subjectPrefix?: string;
  /** Overrides every stream's de-duplication window (default: the catalogue's per stream). */
  readonly duplicateWindowMs?: number;
  /** Largest payload accepted; default 1 MiB like the NATS server's max_payload. */
  readonly maxPayload?: number;
  readonly logger?: BusLogger;
}

interface Server {
  readonly invoke: (msg: WireMessage) => Promise<WireMessage>;
}

interface Group {
  members: Server[];
  next: number;
}

interface StoredEvent {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Record<string, string>;
  readonly storedAt: number;
}

interface StreamState {
  readonly name: StreamName;
  maxAgeMs: number;
  duplicateWindowMs: number;
  /** Ordered by seq; pruned from the front by age. */
  events: StoredEvent[];
  lastSeq: number;
  /** msgId -> original seq and time; insertion order is time order. */
  readonly dedup: Map<string, { seq: number; at: number }>;
  readonly consumers: Map<string, ConsumerState>;
}

interface Pending {
  deliveries: number;
  /** Increments per delivery so a stale ack-wait timer or nak of an earlier delivery is ignored. */
  token: number;
  timer: NodeJS.Timeout | undefined;
}

interface ConsumerState {
  readonly durable: string;
  readonly filter: string;
  readonly subject: EventSubject;
  ackWaitMs: number;
  maxDeliver: number;
  retryDelayMs: number;
  /** Next stream sequence to look at for first deliveries. */
  nextSeq: number;
  readonly pending: Map<number, Pending>;
  /** Sequences waiting for redelivery, with the time they become due. */
  redeliver: { seq: number; dueAt: number }[];
  readonly subscribers: ConsumerSub[];
  wakeTimer: NodeJS.Timeout | undefined;
}

interface ConsumerSub {
  /** Handlers running; the subscriber takes more while below `concurrency`. */
  active: number;
  readonly concurrency: number;
  closed: boolean;
  readonly handler: (payload: unknown, meta: EventMeta) => Promise<void>;
  readonly inFlight: Set<Promise<void>>;
}

/** Creates the in-process bus. */
export function createInProcessBus(opts: InProcessBusOptions = {}): Bus {
  const names = new Names(opts.subjectPrefix);
  const maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const logger = opts.logger;
  const groups = new Map<string, Map<string, Group>>();
  const streams = new Map<string, StreamState>();
  const subscriptions = new Set<Subscription>();
  let closed = false;

  function assertOpen(subject: string): void {
    if (closed) throw new BusUnavailableError('bus is closed', { subject });
  }

  async function request<S extends RequestSubject>(
    subject: S,
    payload: RequestOf<S>,
    ropts: RequestOptions = {},
  ): Promise<ReplyOf<S>> {
    assertOpen(subject);
    const timeoutMs = ropts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const msg: WireMessage = {
      data: encodeJson(subject, payload, maxPayload),
      headers: withTraceHeaders(ropts.headers),
    };
    const chosen: Server[] = [];
    for (const g of groups.get(names.subject(subject))?.values() ?? []) {
      const member = g.members[g.next++ % g.members.length];
      if (member) chosen.push(member);
    }
    if (chosen.length === 0) throw new NoRespondersError(subject);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BusTimeoutError(subject, timeoutMs)), timeoutMs);
    });
    try {
      // Like NATS, the first reply wins when several groups serve the subject.
      const reply = await Promise.race([...chosen.map((s) => s.invoke(msg)), timeout]);
      return decodeReply<ReplyOf<S>>(subject, reply);
    } finally {
      clearTimeout(timer);
    }
  }

  function serve<S extends RequestSubject>(
    subject: S,
    handler: RequestHandler<S>,
    sopts: ServeOptions = {},
  ): Subscription {
    assertOpen(subject);
    const wire = names.subject(subject);
    const queue = sopts.queue ?? subject;
    const inFlight = new Set<Promise<WireMessage>>();
    const server: Server = {
      invoke(msg) {
        const p = (async (): Promise<WireMessage> => {
          // Handlers run on a later turn, as a network hop would make them.
          await new Promise<void>((resolve) => setImmediate(resolve));
          try {
            const payload = decodeJson<RequestOf<S>>(msg.data);
            const reply = await runInTrace(msg.headers, () =>
              handler(payload, messageMeta(subject, msg.headers)),
            );
            return { headers: {}, data: encodeJson(subject, reply, maxPayload) };
          } catch (err) {
            return encodeErrorReply(subject, err, logger);
          }
        })();
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        return p;
      },
    };
    const bySubject = groups.get(wire) ?? new Map<string, Group>();
    groups.set(wire, bySubject);
    const group = bySubject.get(queue) ?? { members: [], next: 0 };
    bySubject.set(queue, group);
    group.members.push(server);

    const sub = {
      ready: Promise.resolve(),
      async close(copts: { timeoutMs?: number } = {}): Promise<void> {
        subscriptions.delete(sub);
        const i = group.members.indexOf(server);
        if (i >= 0) group.members.splice(i, 1);
        if (group.members.length === 0) bySubject.delete(queue);
        await settleWithin([...inFlight], copts.timeoutMs);
      },
    };
    subscriptions.add(sub);
    return sub;
  }

  function streamFor(subject: EventSubject): StreamState {
    const s = streams.get(names.streamOf(subject));
    if (!s)
      throw new StreamNotFoundError(`no stream for '${subject}' (ensureStreams not called)`, { subject });
    return s;
  }

  function prune(s: StreamState, now: number): void {
    while (s.dedup.size > 0) {
      const [id, first] = s.dedup.entries().next().value as [string, { seq: number; at: number }];
      if (now - first.at < s.duplicateWindowMs) break;
      s.dedup.delete(id);
    }
    let drop = 0;
    while (drop < s.events.length && now - s.events[drop]!.storedAt >= s.maxAgeMs) drop++;
    if (drop > 0) s.events.splice(0, drop);
  }

  async function publish<S extends EventSubject>(
    subject: S,
    payload: EventOf<S>,
    popts: PublishOptions,
  ): Promise<PublishAck> {
    assertOpen(subject);
    const s = streamFor(subject);
    const data = encodeJson(subject, payload, maxPayload);
    const headers = { ...withTraceHeaders(popts.headers), [HEADER_MSG_ID]: popts.msgId };
    await Promise.resolve();
    const now = Date.now();
    prune(s, now);
    const dup = s.dedup.get(popts.msgId);
    if (dup) return { seq: dup.seq, duplicate: true };
    const seq = ++s.lastSeq;
    s.events.push({ seq, subject: names.subject(subject), data, headers, storedAt: now });
    s.dedup.set(popts.msgId, { seq, at: now });
    for (const c of s.consumers.values()) if (c.filter === names.subject(subject)) schedule(s, c);
    return { seq, duplicate: false };
  }

  function findEvent(s: StreamState, seq: number): StoredEvent | undefined {
    const first = s.events[0];
    if (!first) return undefined;
    const e = s.events[seq - first.seq];
    return e?.seq === seq ? e : undefined;
  }

  function schedule(s: StreamState, c: ConsumerState): void {
    setImmediate(() => dispatch(s, c));
  }

  /** Hands due events to idle subscribers: redeliveries first (lowest seq), then new events. */
  function dispatch(s: StreamState, c: ConsumerState): void {
    if (closed) return;
    const now = Date.now();
    outer: for (const sub of c.subscribers) {
      while (!sub.closed && sub.active < sub.concurrency) {
        const next = takeNext(s, c, now);
        if (!next) break outer;
        deliver(s, c, sub, next);
      }
    }
    if (c.wakeTimer) clearTimeout(c.wakeTimer);
    c.wakeTimer = undefined;
    const due = c.redeliver.reduce((m, r) => Math.min(m, r.dueAt), Infinity);
    if (due !== Infinity && c.subscribers.some((x) => !x.closed)) {
      c.wakeTimer = setTimeout(() => dispatch(s, c), Math.max(0, due - now));
    }
  }

  function takeNext(s: StreamState, c: ConsumerState, now: number): StoredEvent | undefined {
    c.redeliver.sort((a, b) => a.seq - b.seq);
    while (true) {
      const i = c.redeliver.findIndex((r) => r.dueAt <= now);
      if (i < 0) break;
      const [r] = c.redeliver.splice(i, 1);
      const e = findEvent(s, r!.seq);
      if (e) return e;
      c.pending.delete(r!.seq); // aged out of the stream meanwhile
    }
    const first = s.events[0];
    if (first && c.nextSeq < first.seq) c.nextSeq = first.seq;
    while (c.nextSeq <= s.lastSeq) {
      const e = findEvent(s, c.nextSeq++);
      if (e && e.subject === c.filter) return e;
    }
    return undefined;
  }

  function deliver(s: StreamState, c: ConsumerState, sub: ConsumerSub, e: StoredEvent): void {
    const p = c.pending.get(e.seq) ?? { deliveries: 0, token: 0, timer: undefined };
    c.pending.set(e.seq, p);
    p.deliveries++;
    const token = ++p.token;
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      // Ack wait expired: a crashed or stuck consumer does not keep the event forever.
      if (c.pending.get(e.seq) === p && p.token === token) retry(s, c, e.seq, p, 0);
    }, c.ackWaitMs);
    const headers = e.headers;
    const msgId = headers[HEADER_MSG_ID];
    const meta: EventMeta = {
      ...messageMeta(c.subject, headers),
      ...(msgId === undefined ? {} : { msgId }),
      redelivered: p.deliveries > 1,
      deliveryCount: p.deliveries,
      seq: e.seq,
    };
    sub.active++;
    const run: Promise<void> = (async () => {
      try {
        const payload = decodeJson<unknown>(e.data);
        await runInTrace(headers, () => sub.handler(payload, meta));
        // Ack (even from a delivery that was overtaken by a redelivery, as JetStream accepts it).
        if (c.pending.get(e.seq) === p) {
          clearTimeout(p.timer);
          c.pending.delete(e.seq);
          c.redeliver = c.redeliver.filter((r) => r.seq !== e.seq);
        }
      } catch (err) {
        logger?.warn({ err, subject: c.subject, durable: c.durable, seq: e.seq }, 'event handler failed');
        if (c.pending.get(e.seq) === p && p.token === token) retry(s, c, e.seq, p, c.retryDelayMs);
      } finally {
        sub.active--;
        if (!sub.closed) schedule(s, c);
      }
    })();
    sub.inFlight.add(run);
    void run.finally(() => sub.inFlight.delete(run));
  }

  function retry(s: StreamState, c: ConsumerState, seq: number, p: Pending, delayMs: number): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    p.token++;
    if (c.maxDeliver > 0 && p.deliveries >= c.maxDeliver) {
      logger?.error(
        { subject: c.subject, durable: c.durable, seq },
        'event not acked after maxDeliver attempts',
      );
      c.pending.delete(seq);
      return;
    }
    c.redeliver.push({ seq, dueAt: Date.now() + delayMs });
    schedule(s, c);
  }

  function consume<S extends EventSubject>(
    subject: S,
    copts: ConsumeOptions,
    handler: EventHandler<S>,
  ): Subscription {
    assertOpen(subject);
    const filter = names.subject(subject);
    const s = streams.get(names.streamOf(subject));
    let c = s?.consumers.get(copts.durable);
    // Set-up failures surface through `ready`, as they do on NATS (consumer creation is async there).
    const failed = !s
      ? new StreamNotFoundError(`no stream for '${subject}' (ensureStreams not called)`, { subject })
      : c && c.filter !== filter
        ? new Error(`durable '${copts.durable}' already consumes '${c.subject}', not '${subject}'`)
        : undefined;
    if (!s || failed) {
      const ready = Promise.reject(failed ?? new Error('unreachable'));
      ready.catch(() => undefined);
      return { ready, close: () => Promise.resolve() };
    }
    if (!c) {
      c = {
        durable: copts.durable,
        filter,
        subject,
        ackWaitMs: 0,
        maxDeliver: 0,
        retryDelayMs: 0,
        nextSeq: 1,
        pending: new Map(),
        redeliver: [],
        subscribers: [],
        wakeTimer: undefined,
      };
      s.consumers.set(copts.durable, c);
    }
    // Like a JetStream consumer update: the latest subscriber's settings apply.
    c.ackWaitMs = copts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    c.maxDeliver = copts.maxDeliver ?? -1;
    c.retryDelayMs = copts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    const consumer = c;
    const subState: ConsumerSub = {
      active: 0,
      concurrency: Math.max(1, Math.floor(copts.concurrency ?? 1)),
      closed: false,
      handler: handler as (payload: unknown, meta: EventMeta) => Promise<void>,
      inFlight: new Set(),
    };
    consumer.subscribers.push(subState);
    schedule(s, consumer);
    const sub = {
      ready: Promise.resolve(),
      async close(opts: { timeoutMs?: number } = {}): Promise<void> {
        subscriptions.delete(sub);
        subState.closed = true;
        const i = consumer.subscribers.indexOf(subState);
        if (i >= 0) consumer.subscribers.splice(i, 1);
        await settleWithin([...subState.inFlight], opts.timeoutMs);
      },
    };
    subscriptions.add(sub);
    return sub;
  }

  return {
    request,
    serve,
    publish,
    consume,
    ensureStreams(): Promise<void> {
      for (const { name, wire } of names.streams()) {
        const spec = STREAMS[name];
        const existing = streams.get(wire);
        const duplicateWindowMs = opts.duplicateWindowMs ?? spec.duplicateWindowMs;
        if (existing) {
          existing.maxAgeMs = spec.maxAgeMs;
          existing.duplicateWindowMs = duplicateWindowMs;
          continue;
        }
        streams.set(wire, {
          name,
          maxAgeMs: spec.maxAgeMs,
          duplicateWindowMs,
          events: [],
          lastSeq: 0,
          dedup: new Map(),
          consumers: new Map(),
        });
      }
      return Promise.resolve();
    },
    ready: () => !closed,
    async close(copts: { timeoutMs?: number } = {}): Promise<void> {
      if (closed) return;
      await Promise.all([...subscriptions].map((s) => s.close(copts)));
      closed = true;
      for (const s of streams.values())
        for (const c of s.consumers.values()) {
          clearTimeout(c.wakeTimer);
          for (const p of c.pending.values()) clearTimeout(p.timer);
        }
    },
  };
}

/** Waits for the promises to settle, or for `timeoutMs` if given. Never rejects. */
export async function settleWithin(promises: readonly Promise<unknown>[], timeoutMs?: number): Promise<void> {
  const all = Promise.allSettled(promises);
  if (timeoutMs === undefined) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
