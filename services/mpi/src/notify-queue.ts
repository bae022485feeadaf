/**
 * The delivery queue of PIX update notifications (ITI-10 over MLLP, ITI-46 over SOAP): one
 * bounded queue per subscriber, drained sequentially, each notification retried with
 * exponential back-off, so a subscriber that stays down delays only its own queue. The
 * transaction modules supply how one notification is built and sent.
 */
import type { PatientIdentifier } from '@mesh/bus';
import type { ServiceLogger } from '@mesh/runtime';
import type { Demographics } from './matching.js';
import type { Mpi } from './mpi.js';

export interface Notifier {
  /** Queues notifications for these enterprise identities. */
  notify(enterpriseIds: readonly number[]): void;
  /** Waits for queued notifications (bounded), then stops. */
  close(): Promise<void>;
}

/** The current identifiers of one enterprise identity, as a notification carries them. */
export interface CrossReferences {
  readonly national: PatientIdentifier;
  readonly sources: readonly PatientIdentifier[];
  readonly demographics?: Demographics;
}

const MAX_QUEUE = 10_000;
const ATTEMPTS = 5;

/**
 * A notifier over `subscribers`. `send` delivers one identity's cross-references to one
 * subscriber and throws to be retried; `label` names a subscriber in logs.
 */
export function createNotifier<S>(o: {
  transaction: 'ITI-10' | 'ITI-46';
  subscribers: readonly S[];
  label: (s: S) => string;
  mpi: () => Mpi;
  logger: ServiceLogger;
  send: (subscriber: S, refs: CrossReferences) => Promise<void>;
  close?: () => Promise<void>;
}): Notifier {
  const queues = o.subscribers.map((s) => ({
    s,
    pending: [] as number[],
    running: undefined as Promise<unknown> | undefined,
  }));
  let closed = false;

  async function drain(q: (typeof queues)[number]): Promise<void> {
    while (q.pending.length > 0 && !closed) {
      const ids = [...new Set(q.pending.splice(0, 100))];
      const refs = await o.mpi().crossReferences(ids);
      for (const [, x] of refs) {
        if (x.sources.length === 0) continue; // retired by a merge: the survivor's notice carries its ids
        for (let attempt = 1; !closed; attempt++) {
          try {
            await o.send(q.s, x);
            break;
          } catch (err) {
            if (attempt >= ATTEMPTS) {
              o.logger.error(
                { err, subscriber: o.label(q.s) },
                `${o.transaction} notification dropped after retries`,
              );
              break;
            }
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          }
        }
      }
    }
  }

  return {
    notify(ids) {
      for (const q of queues) {
        if (q.pending.length + ids.length > MAX_QUEUE) {
          o.logger.warn({ subscriber: o.label(q.s) }, `${o.transaction} queue full; notifications dropped`);
          continue;
        }
        q.pending.push(...ids);
        q.running ??= drain(q)
          .catch((err: unknown) => o.logger.error({ err }, `${o.transaction} notifier failed`))
          .finally(() => {
            q.running = undefined;
          });
      }
    },
    async close() {
      await Promise.race([
        Promise.all(queues.map((q) => q.running ?? Promise.resolve())),
        new Promise((r) => setTimeout(r, 5_000)),
      ]);
      closed = true;
      await o.close?.();
    },
  };
}
