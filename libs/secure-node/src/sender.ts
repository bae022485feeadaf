/**
 * ATNA Secure Node sender (ITI TF-1 9, ITI TF-2 3.20): every actor hands its audit
 * records here. A record is serialized as DICOM PS3.15 XML, given a UUID message id (the
 * JetStream Nats-Msg-Id, so re-sends are stored once) and published on
 * `audit.record-submitted`. `send` resolves only when the record is durable: JetStream
 * acknowledged it, or it is fsynced in the local spool because the bus is down, slow or
 * failing. A drainer re-publishes spooled records in order when the bus is back, and a
 * new process drains what an earlier one left.
 */
import { randomUUID } from 'node:crypto';
import { toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { PayloadTooLargeError } from '@mesh/bus';
import type { AuditRecordSubmitted, Bus } from '@mesh/bus';
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
  readonly now?: () => Date;
}

/** Counters for metrics and readiness (exported by the service's metrics endpoint). */
export interface AuditSenderStats {
  /** Records in the spool, not yet acknowledged by the bus. */
  readonly pending: number;
  readonly spoolBytes: number;
  /** Published directly (bus was up). */
  readonly published: number;
  /** Written to the spool. */
  readonly spooled: number;
  /** Published from the spool by the drainer. */
  readonly drained: number;
  /** Publishes the stream recognised as duplicates (a re-send of a record already stored). */
  readonly duplicates: number;
  /** Spool lines skipped as corrupt (torn trailing write, CRC mismatch). */
  readonly corruptSkipped: number;
  /** Records refused because the spool was full. */
  readonly rejectedFull: number;
  /** Spooled records the bus refused for good (over the payload limit); logged with their message id. */
  readonly dropped: number;
}

export interface AuditSender {
  /** Serializes, ids and hands over one audit message; resolves once it is durable. */
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
  const { spool, corrupt } = await Spool.open({
    dir: opts.spoolDir,
    maxBytes: opts.maxSpoolBytes ?? 256 * 1024 * 1024,
    segmentBytes: opts.segmentBytes ?? 4 * 1024 * 1024,
  });
  const counters: Counters = {
    published: 0,
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
  const inFlight = new Set<Promise<unknown>>();

  const publish = (r: AuditRecordSubmitted) =>
    bus.publish('audit.record-submitted', r, { msgId: r.messageId, timeoutMs: publishTimeoutMs });

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
      while (!closed && seg.acked < records.length) {
        const r = records[seg.acked]!;
        if (!bus.ready()) {
          await sleep(backoff);
          backoff = Math.min(backoff * 2, retryMax);
          continue;
        }
        try {
          const ack = await publish(r);
          if (ack.duplicate) counters.duplicates++;
          counters.drained++;
          seg.acked++;
          backoff = retryMin;
        } catch (err) {
          if (err instanceof PayloadTooLargeError) {
            // No retry can succeed; keep the id in the log so the loss is traceable.
            logger?.error(
              { err, messageId: r.messageId },
              'spooled audit record refused by the bus, dropped',
            );
            counters.dropped++;
            seg.acked++;
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

  async function send(message: AuditMessage): Promise<void> {
    if (closed) throw new Error('audit sender is closed');
    const record: AuditRecordSubmitted = {
      messageId: randomUUID(),
      xml: toAuditXml(message),
      sourceId: opts.sourceId,
      receivedAt: now().toISOString(),
    };
    const work = (async () => {
      // Straight to the bus only when nothing older waits in the spool (keeps the order).
      if (spool.pending() === 0 && !drainer && bus.ready()) {
        try {
          const ack = await publish(record);
          if (ack.duplicate) counters.duplicates++;
          counters.published++;
          return;
        } catch (err) {
          if (err instanceof PayloadTooLargeError) throw err;
          logger?.warn({ err, messageId: record.messageId }, 'audit publish failed; spooling');
        }
      }
      try {
        await spool.append(record);
      } catch (err) {
        if (err instanceof SpoolFullError) {
          counters.rejectedFull++;
          logger?.error({ err, messageId: record.messageId }, 'audit spool full, record refused');
        }
        throw err;
      }
      counters.spooled++;
      kick();
    })();
    inFlight.add(work);
    try {
      await work;
    } finally {
      inFlight.delete(work);
    }
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
      await Promise.allSettled([...inFlight]);
      closed = true;
      wake?.();
      await drainer;
      await spool.close();
    },
    pending: () => spool.pending(),
    stats: () => ({ ...counters, pending: spool.pending(), spoolBytes: spool.bytes() }),
  };
}
