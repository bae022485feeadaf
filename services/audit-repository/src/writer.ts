/**
 * Group commit: every ingest path submits one record and waits; the writer appends what has
 * queued up for a chain as one batch in one transaction and resolves each submitter after the
 * COMMIT. One batch at a time per chain (the chain head row lock also serializes replicas),
 * chains in parallel. A submitter's promise resolving means the record is durable, so a bus
 * event is acknowledged and a TLS connection reads on only then.
 */
import { isConnectionError, isSerializationFailure, isUniqueViolation } from '@mesh/db';
import { chainOf } from './chain.js';
import type { PreparedRecord } from './record.js';
import { isMissingPartition } from './store.js';
import type { AppendResult, AuditStore } from './store.js';

export interface WriterLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AuditWriterOptions {
  readonly store: AuditStore;
  /** Number of hash chains (parallel append streams). */
  readonly chains: number;
  /** Records per transaction at most. */
  readonly maxBatch: number;
  readonly clock: () => Date;
  readonly logger: WriterLogger;
  /** Observes each committed batch (size, seconds). */
  readonly onBatch?: (size: number, seconds: number) => void;
}

export interface AuditWriter {
  /** Resolves once the record is committed ('stored') or known ('duplicate'); rejects if it cannot be stored. */
  submit(record: PreparedRecord): Promise<AppendResult>;
  /** Records queued or in a batch not yet committed. */
  pending(): number;
  /** Waits until everything submitted so far has settled. */
  drain(): Promise<void>;
}

interface Waiter {
  readonly record: PreparedRecord;
  resolve(r: AppendResult): void;
  reject(err: unknown): void;
}

const RETRIES = 6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Errors worth another attempt of the same batch. */
function transient(err: unknown): boolean {
  return (
    isMissingPartition(err) || isUniqueViolation(err) || isSerializationFailure(err) || isConnectionError(err)
  );
}

export function createAuditWriter(opts: AuditWriterOptions): AuditWriter {
  const queues: Waiter[][] = Array.from({ length: opts.chains }, () => []);
  const running: boolean[] = new Array<boolean>(opts.chains).fill(false);
  let inBatches = 0;
  let roundRobin = 0;
  let idle: (() => void)[] = [];

  async function append(chain: number, records: readonly PreparedRecord[]): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await opts.store.appendBatch(chain, records, opts.clock());
      } catch (err) {
        if (attempt >= RETRIES || !transient(err)) throw err;
        if (isMissingPartition(err)) await opts.store.ensurePartitions(opts.clock(), 1);
        else await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  }

  async function pump(chain: number): Promise<void> {
    const queue = queues[chain]!;
    if (running[chain]) return;
    running[chain] = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, opts.maxBatch);
        inBatches += batch.length;
        const started = process.hrtime.bigint();
        try {
          const results = await append(
            chain,
            batch.map((w) => w.record),
          );
          opts.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          if (batch.length === 1 || isConnectionError(err)) {
            for (const w of batch) w.reject(err);
          } else {
            // One record the database refuses must not take the others down: one by one.
            opts.logger.warn({ err, chain, size: batch.length }, 'audit batch failed; storing one by one');
            for (const w of batch) {
              try {
                const [r] = await append(chain, [w.record]);
                w.resolve(r!);
              } catch (e) {
                w.reject(e);
              }
            }
          }
        } finally {
          inBatches -= batch.length;
        }
      }
    } finally {
      running[chain] = false;
      if (pendingCount() === 0) {
        const waiters = idle;
        idle = [];
        for (const w of waiters) w();
      }
    }
  }

  function pendingCount(): number {
    return inBatches + queues.reduce((n, q) => n + q.length, 0);
  }

  return {
    submit(record) {
      const chain = chainOf(record.messageId, opts.chains, roundRobin++);
      return new Promise<AppendResult>((resolve, reject) => {
        queues[chain]!.push({ record, resolve, reject });
        // A running pump takes this record with its next batch.
        if (!running[chain])
          pump(chain).catch((err: unknown) => opts.logger.error({ err, chain }, 'audit writer failed'));
      });
    },
    pending: pendingCount,
    drain() {
      if (pendingCount() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
