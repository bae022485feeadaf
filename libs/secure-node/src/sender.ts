/**
 * ATNA Secure Node sender (ITI TF-1 9, ITI TF-2 3.20): every actor hands its audit
 * records here. A record is serialized as DICOM PS3.15 XML and given a UUID message id (the
 * audit repository's idempotency key). `send` resolves only when the record is durable:
 * JetStream acknowledged it, or it is fsynced in the local spool because the bus is down,
 * slow or failing. A drainer re-publishes spooled records in order when the bus is back,
 * and a new process drains what an earlier one left.
 *
 * Natural batching (ADR 0006, amendment): one publish is in flight at a time; records handed
 * over meanwhile wait, and the next publish carries all of them (up to `maxBatchRecords` and
 * about `maxBatchBytes`) as ONE `audit.records-submitted` message whose Nats-Msg-Id is
 * derived from its records' ids. A record alone goes out at once, as before, on
 * `audit.record-submitted` with its own id as Nats-Msg-Id. Each `send` resolves when its
 * batch is acknowledged (or spooled). No timer: batches form only under concurrency.
 */
import { createHash, randomUUID } from 'node:crypto';
import { toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { PayloadTooLargeError } from '@mesh/bus';
import type { AuditRecordSubmitted, Bus, PublishAck } from '@mesh/bus';
import type { Segment } from './spool.js';
import { Spool, SpoolFullError } from './spool.js';

/** pino-compatible logger subset. */
export interface SecureNodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuditSenderOptions {
  readonly bus: Bus;
  /** Directory of the spool; one per process (replicas must not share it). */
  readonly spoolDir: string;
  /** This node's AuditSourceID, carried next to the XML. */
  readonly sourceId: string;
  readonly logger?: SecureNodeLogger;
  /** How long a direct publish may wait for the JetStream ack before the record is spooled; default 2000 ms. */
  readonly publishTimeoutMs?: number;
  /** Spool size bound; past it `send` rejects with SpoolFullError. Default 256 MiB. */
  readonly maxSpoolBytes?: number;
  /** Segment file size at which appends move to a new file; default 4 MiB. */
  readonly segmentBytes?: number;
  /** Drainer retry back-off bounds; defaults 250 ms and 30 s. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Records in one bus message at most; default 256. 1 turns batching off. */
  readonly maxBatchRecords?: number;
  /**
   * Approximate payload bound of one batch (the records' XML length plus a fixed share per
   * record); default 512 KiB, half the NATS default max_payload, which leaves room for JSON
   * escaping. A batch the bus still refuses as too large is split in halves.
   */
  readonly maxBatchBytes?: number;
  readonly now?: () => Date;
}

/** Counters for metrics and readiness (exported by the service's metrics endpoint). */
export interface AuditSenderStats {
  /** Records in the spool, not yet acknowledged by the bus. */
  readonly pending: number;
  readonly spoolBytes: number;
  /** Records published directly (bus was up). */
  readonly published: number;
  /** Bus messages acknowledged (direct and drain; a batch counts once): (published + drained) / publishes is the mean batch size. */
  readonly publishes: number;
  /** Written to the spool. */
  readonly spooled: number;
  /** Records published from the spool by the drainer. */
  readonly drained: number;
  /** Records in publishes the stream recognised as duplicates (a re-send of records already stored). */
  readonly duplicates: number;
  /** Spool lines skipped as corrupt (torn trailing write, CRC mismatch). */
  readonly corruptSkipped: number;
  /** Records refused because the spool was full. */
  readonly rejectedFull: number;
  /** Spooled records the bus refused for good (over the payload limit); logged with their message id. */
  readonly dropped: number;
}

export interface AuditSender {
  /**
   * Serializes, ids and hands over one audit message; resolves once it is durable (in a
   * batch the bus acknowledged, or fsynced in the spool). Rejects with PayloadTooLargeError
   * when the record alone is over the bus payload limit, SpoolFullError when it had to be
   * spooled and the spool is full.
   */
  send(message: AuditMessage): Promise<void>;
  /** Drains the spool now; resolves when it is empty, rejects after `timeoutMs` (default 10 s). */
  flush(opts?: { timeoutMs?: number }): Promise<void>;
  /** Stops the drainer and closes the spool; records not yet drained stay for the next process. */
  close(): Promise<void>;
  /** Records in the spool waiting for the bus. */
  pending(): number;
  stats(): AuditSenderStats;
}

type Counters = { -readonly [K in Exclude<keyof AuditSenderStats, 'pending' | 'spoolBytes'>]: number };

/** A record handed to `send`, waiting for its batch. */
interface Queued {
  readonly record: AuditRecordSubmitted;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** JSON keys, quotes, message id and timestamp of one record, on top of its XML and source id. */
const RECORD_OVERHEAD = 128;
const sizeOf = (r: AuditRecordSubmitted): number => r.xml.length + r.sourceId.length + RECORD_OVERHEAD;

/**
 * The Nats-Msg-Id of a batch: a digest of its records' ids. The same run of records sent
 * twice (a publish that timed out after JetStream stored it, then re-sent from the spool) is
 * stored once; any other grouping is a different id, and the repository's per-record
 * de-duplication makes it harmless.
 */
function batchId(records: readonly AuditRecordSubmitted[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(r.messageId);
  return `batch-${h.digest('hex')}`;
}

/**
 * Opens the spool (draining what an earlier process left, in the background) and returns
 * the sender. Rejects at start-up when the spool directory is unusable.
 */
export async function createAuditSender(opts: AuditSenderOptions): Promise<AuditSender> {
  const { bus, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const publishTimeoutMs = opts.publishTimeoutMs ?? 2_000;
  const retryMin = opts.retryMinMs ?? 250;
  const retryMax = opts.retryMaxMs ?? 30_000;
  const maxRecords = Math.max(1, Math.floor(opts.maxBatchRecords ?? 256));
  const maxBytes = Math.max(1, opts.maxBatchBytes ?? 512 * 1024);
  const { spool, corrupt } = await Spool.open({
    dir: opts.spoolDir,
    maxBytes: opts.maxSpoolBytes ?? 256 * 1024 * 1024,
    segmentBytes: opts.segmentBytes ?? 4 * 1024 * 1024,
  });
  const counters: Counters = {
    published: 0,
    publishes: 0,
    spooled: 0,
    drained: 0,
    duplicates: 0,
    corruptSkipped: corrupt,
    rejectedFull: 0,
    dropped: 0,
  };
  if (corrupt > 0) logger?.warn({ corrupt, spoolDir: opts.spoolDir }, 'corrupt audit spool records skipped');
  if (spool.pending() > 0)
    logger?.info({ pending: spool.pending() }, 'draining audit spool left by an earlier process');

  let closed = false;
  let drainer: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let emptyWaiters: (() => void)[] = [];
  /** Records handed to `send`, oldest first, not yet in a publish or the spool. */
  let queue: Queued[] = [];
  /** The loop that empties `queue` one batch at a time; undefined while idle. */
  let sending: Promise<void> | undefined;
  /** The batch that loop is handing over. */
  let current: readonly Queued[] = [];

  /** How many of `count` records, the i-th of `sizeAt(i)`, fit one bus message (at least one). */
  function runLength(count: number, sizeAt: (i: number) => number, limit: number): number {
    let bytes = 0;
    let n = 0;
    while (n < count && n < limit) {
      bytes += sizeAt(n);
      if (n > 0 && bytes > maxBytes) break;
      n++;
    }
    return n;
  }

  /** One bus message: a lone record as `audit.record-submitted`, several as `audit.records-submitted`. */
  async function publish(records: readonly AuditRecordSubmitted[]): Promise<PublishAck> {
    const ack =
      records.length === 1
        ? await bus.publish('audit.record-submitted', records[0]!, {
            msgId: records[0]!.messageId,
            timeoutMs: publishTimeoutMs,
          })
        : await bus.publish(
            'audit.records-submitted',
            { records },
            { msgId: batchId(records), timeoutMs: publishTimeoutMs },
          );
    counters.publishes++;
    if (ack.duplicate) counters.duplicates += records.length;
    return ack;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  function kick(): void {
    if (closed) return;
    if (drainer) {
      wake?.();
      return;
    }
    drainer = drain()
      .catch((err: unknown) => logger?.error({ err }, 'audit spool drainer failed'))
      .finally(() => {
        drainer = undefined;
        if (!closed && spool.pending() > 0) kick();
      });
  }

  /** Publishes spooled records oldest first; removes a segment once all its records are acked. */
  async function drain(): Promise<void> {
    let backoff = retryMin;
    while (!closed) {
      const seg: Segment | undefined = spool.segments[0];
      if (!seg || (seg.open && seg.records === seg.acked)) break;
      if (!bus.ready()) {
        // Keep appending to the current segment while there is nothing to do.
        await sleep(backoff);
        backoff = Math.min(backoff * 2, retryMax);
        continue;
      }
      if (seg.open) await spool.seal();
      const { records } = await spool.read(seg);
      // Runs of records share one publish; a run the bus refuses as too large is halved.
      let limit = maxRecords;
      while (!closed && seg.acked < records.length) {
        if (!bus.ready()) {
          await sleep(backoff);
          backoff = Math.min(backoff * 2, retryMax);
          continue;
        }
        const from = seg.acked;
        const n = runLength(records.length - from, (i) => sizeOf(records[from + i]!), limit);
        const run = records.slice(from, from + n);
        try {
          await publish(run);
          counters.drained += n;
          seg.acked += n;
          backoff = retryMin;
          limit = maxRecords;
        } catch (err) {
          if (err instanceof PayloadTooLargeError) {
            if (n > 1) {
              limit = Math.ceil(n / 2);
              continue;
            }
            // No retry can succeed; keep the id in the log so the loss is traceable.
            logger?.error(
              { err, messageId: run[0]!.messageId },
              'spooled audit record refused by the bus, dropped',
            );
            counters.dropped++;
            seg.acked++;
            limit = maxRecords;
            continue;
          }
          logger?.warn({ err, pending: spool.pending() }, 'audit spool drain paused: bus publish failed');
          await sleep(backoff);
          backoff = Math.min(backoff * 2, retryMax);
        }
      }
      if (closed) break;
      // Every record of the sealed segment is acknowledged (or was corrupt): remove it.
      seg.records = records.length;
      await spool.remove(seg);
    }
    if (spool.pending() === 0) {
      const waiters = emptyWaiters;
      emptyWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Publishes `items` as one message, in order; a batch the bus refuses as too large is
   * split in halves, and a lone record over the limit is refused to its caller (no retry can
   * help). Returns the items not published because the bus failed otherwise: the caller
   * spools them, in order.
   */
  async function publishDirect(items: readonly Queued[]): Promise<readonly Queued[]> {
    try {
      await publish(items.map((q) => q.record));
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        if (items.length === 1) {
          items[0]!.reject(err);
          return [];
        }
        const half = Math.ceil(items.length / 2);
        const left = await publishDirect(items.slice(0, half));
        return left.length > 0 ? [...left, ...items.slice(half)] : publishDirect(items.slice(half));
      }
      logger?.warn(
        { err, records: items.length, messageId: items[0]!.record.messageId },
        'audit publish failed; spooling',
      );
      return items;
    }
    counters.published += items.length;
    for (const q of items) q.resolve();
    return [];
  }

  /** Appends `items` to the spool in order (one group-committed fsync) and starts the drainer. */
  async function spoolAll(items: readonly Queued[]): Promise<void> {
    await Promise.all(
      items.map((q) =>
        spool.append(q.record).then(
          () => {
            counters.spooled++;
            q.resolve();
          },
          (err: unknown) => {
            if (err instanceof SpoolFullError) {
              counters.rejectedFull++;
              logger?.error({ err, messageId: q.record.messageId }, 'audit spool full, record refused');
            }
            q.reject(err);
          },
        ),
      ),
    );
    kick();
  }

  /**
   * Hands the queue over one batch at a time until it is empty; one publish in flight.
   * `sending` is cleared in the same turn the loop finds the queue empty, so a record queued
   * after that always starts a new loop.
   */
  async function sendQueued(): Promise<void> {
    try {
      while (queue.length > 0) {
        const n = runLength(queue.length, (i) => sizeOf(queue[i]!.record), maxRecords);
        const batch = n === queue.length ? queue : queue.slice(0, n);
        queue = n === queue.length ? [] : queue.slice(n);
        current = batch;
        // Straight to the bus only when nothing older waits in the spool (keeps the order).
        const toSpool = spool.pending() === 0 && !drainer && bus.ready() ? await publishDirect(batch) : batch;
        if (toSpool.length > 0) await spoolAll(toSpool);
        current = [];
      }
    } catch (err) {
      // Not expected (publishDirect and spoolAll settle every record); never leave a caller hanging.
      logger?.error({ err }, 'audit sender failed');
      const left = [...current, ...queue];
      current = [];
      queue = [];
      // Settling twice is a no-op: records of `current` already settled stay as they are.
      for (const q of left) q.reject(err);
    } finally {
      sending = undefined;
    }
  }

  async function send(message: AuditMessage): Promise<void> {
    if (closed) throw new Error('audit sender is closed');
    const record: AuditRecordSubmitted = {
      messageId: randomUUID(),
      xml: toAuditXml(message),
      sourceId: opts.sourceId,
      receivedAt: now().toISOString(),
    };
    return new Promise<void>((resolve, reject) => {
      queue.push({ record, resolve, reject });
      // Started in a microtask, not at once: the sends of one synchronous burst (a caller's
      // loop) share the first batch. No timer: a lone record still goes out immediately.
      sending ??= Promise.resolve().then(sendQueued);
    });
  }

  return {
    send,
    async flush(fopts: { timeoutMs?: number } = {}): Promise<void> {
      if (spool.pending() === 0 && spool.segments.every((s) => s.open || s.records === s.acked)) return;
      const timeoutMs = fopts.timeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const empty = new Promise<void>((resolve) => emptyWaiters.push(resolve));
      kick();
      try {
        await Promise.race([
          empty,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new Error(`audit spool not drained within ${timeoutMs} ms (${spool.pending()} pending)`),
                ),
              timeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      while (sending) await sending;
      closed = true;
      wake?.();
      await drainer;
      await spool.close();
    },
    pending: () => spool.pending(),
    stats: () => ({ ...counters, pending: spool.pending(), spoolBytes: spool.bytes() }),
  };
}
