/**
 * Hands the MPI's ATNA records to the Secure Node sender without holding the reply for them.
 *
 * `AuditSender.send` resolves only when the record is durable (JetStream acknowledged it, or
 * it is fsynced in the sender's spool). Waiting for that before each HL7 reply put a bus round
 * trip on every response path, and one socket write per record. Instead the records of a few
 * milliseconds (`flushDelayMs`, or `maxBatch` records) are built and handed to the sender
 * together (the NATS client then writes them in one packet), and the reply goes out
 * meanwhile. What keeps every record:
 *
 * - the sender's own durability: a publish that fails or times out lands in its fsynced spool,
 *   drained to the bus later (and by the next process after a restart);
 * - graceful shutdown: {@link AuditHandoff.drain} (called by the service's close, before the
 *   process closes the sender) waits until every record handed over is durable;
 * - a bound: past `maxPending` records not yet durable, `record()` waits, so a stalled bus
 *   slows the MPI down instead of growing memory;
 * - failures (build error, spool full) are logged with the transaction and message id, and
 *   counted in `mesh_mpi_audit_failed_total`.
 *
 * The remaining window is a crash of the process in the few milliseconds between the reply
 * and the JetStream acknowledgement (ATNA over syslog, ITI TF-2 3.20, has the same window).
 */
import type { AuditMessage } from '@mesh/audit';
import type { MeshMetrics } from '@mesh/observability';
import type { ServiceLogger } from '@mesh/runtime';
import type { AuditSender } from '@mesh/secure-node';

/** Options of {@link createAuditHandoff}. */
export interface AuditHandoffOptions {
  readonly sender: Pick<AuditSender, 'send'>;
  readonly logger: Pick<ServiceLogger, 'error'>;
  readonly metrics?: MeshMetrics;
  /** Records handed over and not yet durable before `record()` makes its caller wait. Default 4096. */
  readonly maxPending?: number;
  /** How long a record may wait for others to go out with it. Default 5 ms. */
  readonly flushDelayMs?: number;
  /** Records that go out at once without waiting for the delay. Default 128. */
  readonly maxBatch?: number;
}

/** Counters of the hand-off (also exported as metrics when a registry is given). */
export interface AuditHandoffStats {
  readonly submitted: number;
  readonly durable: number;
  readonly failed: number;
  readonly pending: number;
}

export interface AuditHandoff {
  /**
   * Queues one record, built by `build` when the batch is handed to the sender. Resolves at
   * once unless `maxPending` records are still in flight (then when the sender has caught up).
   * Never rejects: a failure is logged and counted.
   */
  record(ctx: { transaction: string; messageId?: string }, build: () => AuditMessage): Promise<void>;
  /** Resolves when every record handed over so far is durable (or has failed and been logged). */
  drain(): Promise<void>;
  stats(): AuditHandoffStats;
}

interface Queued {
  readonly ctx: { transaction: string; messageId?: string };
  readonly build: () => AuditMessage;
}

/** Creates the hand-off over the process's Secure Node sender. */
export function createAuditHandoff(o: AuditHandoffOptions): AuditHandoff {
  const maxPending = o.maxPending ?? 4096;
  const flushDelayMs = o.flushDelayMs ?? 5;
  const maxBatch = o.maxBatch ?? 128;
  const failedTotal = o.metrics?.counter<'transaction'>({
    name: 'mesh_mpi_audit_failed_total',
    help: 'MPI audit records that could not be built or made durable (logged with their message id), by transaction.',
    labelNames: ['transaction'],
  });
  let queue: Queued[] = [];
  let timer: NodeJS.Timeout | undefined;
  let pending = 0;
  let submitted = 0;
  let durable = 0;
  let failed = 0;
  let waiters: (() => void)[] = [];
  let idle: (() => void)[] = [];

  function settled(): void {
    pending--;
    if (pending <= maxPending && waiters.length > 0) {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
    if (pending === 0 && idle.length > 0) {
      const w = idle;
      idle = [];
      for (const f of w) f();
    }
  }

  function fail(q: Queued, err: unknown): void {
    failed++;
    failedTotal?.inc({ transaction: q.ctx.transaction });
    o.logger.error(
      { err, transaction: q.ctx.transaction, 'MSH-10': q.ctx.messageId },
      'audit record could not be built or stored',
    );
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    // One synchronous loop: the bus client coalesces these publishes into one write.
    for (const q of batch) {
      // An async wrapper turns a throwing build into a rejection like a refused send.
      (async () => o.sender.send(q.build()))().then(
        () => {
          durable++;
          settled();
        },
        (err: unknown) => {
          fail(q, err);
          settled();
        },
      );
    }
  }

  return {
    record(ctx, build) {
      submitted++;
      pending++;
      queue.push({ ctx, build });
      if (queue.length >= maxBatch) flush();
      else timer ??= setTimeout(flush, flushDelayMs);
      if (pending <= maxPending) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    drain() {
      if (queue.length > 0) flush();
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    stats: () => ({ submitted, durable, failed, pending }),
  };
}
