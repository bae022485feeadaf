/**
 * ITI-10 PIX Update Notification: PIX Manager -> PIX Consumer (ITI TF-2 3.10, ADT^A31,
 * HL7 v2.5). After a feed or a vigilance decision changes the cross-references of an
 * enterprise identity, each configured subscriber receives an A31 whose PID-3 lists every
 * identifier of the identity (the national one first), PID-5 the empty name of type S
 * (ITI TF-2 3.10.4.1). Sends are sequential per subscriber and retried with back-off; a
 * subscriber that stays down delays only its own queue (bounded).
 */
import { message, msh, segment } from '@mesh/hl7v2';
import { createMllpClient } from '@mesh/mllp';
import type { ServiceLogger } from '@mesh/runtime';
import type { Iti10Subscriber } from './config.js';
import type { Mpi } from './mpi.js';
import { pidSegment } from './transactions/pid.js';

export interface Iti10Notifier {
  /** Queues notifications for these enterprise identities. */
  notify(enterpriseIds: readonly number[]): void;
  /** Waits for queued notifications (bounded), then closes the connections. */
  close(): Promise<void>;
}

const MAX_QUEUE = 10_000;

export function createIti10Notifier(o: {
  subscribers: readonly Iti10Subscriber[];
  mpi: () => Mpi;
  application: string;
  facility: string;
  namespaceOf: (oid: string) => string | undefined;
  clock: () => Date;
  logger: ServiceLogger;
  nextControlId: () => string;
}): Iti10Notifier {
  const queues = o.subscribers.map((s) => ({
    s,
    client: createMllpClient({ host: s.host, port: s.port, timeoutMs: 10_000 }),
    pending: [] as number[],
    running: undefined as Promise<unknown> | undefined,
  }));
  let closed = false;

  async function send(q: (typeof queues)[number]): Promise<void> {
    while (q.pending.length > 0 && !closed) {
      const ids = [...new Set(q.pending.splice(0, 100))];
      const refs = await o.mpi().crossReferences(ids);
      for (const [, x] of refs) {
        if (x.sources.length === 0) continue; // retired by a merge: the survivor's notice carries its ids
        const a31 = message(
          [
            msh({
              sendingApplication: o.application,
              sendingFacility: o.facility,
              receivingApplication: '',
              dateTime: o.clock(),
              messageType: ['ADT', 'A31', 'ADT_A05'],
              controlId: o.nextControlId(),
              version: '2.5',
              charset: 'UNICODE UTF-8',
            }),
            segment('EVN', undefined, [`${o.clock().toISOString().replace(/[-:T]/g, '').slice(0, 14)}`]),
            pidSegment(1, [x.national, ...x.sources], undefined, o.namespaceOf),
            segment('PV1', undefined, 'N'),
          ],
          'UNICODE UTF-8',
        );
        for (let attempt = 1; !closed; attempt++) {
          try {
            await q.client.request(Buffer.from(a31.toBytes()));
            break;
          } catch (err) {
            if (attempt >= 5) {
              o.logger.error(
                { err, subscriber: `${q.s.host}:${q.s.port}` },
                'ITI-10 notification dropped after retries',
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
          o.logger.warn(
            { subscriber: `${q.s.host}:${q.s.port}` },
            'ITI-10 queue full; notifications dropped',
          );
          continue;
        }
        q.pending.push(...ids);
        q.running ??= send(q)
          .catch((err: unknown) => o.logger.error({ err }, 'ITI-10 notifier failed'))
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
      await Promise.all(queues.map((q) => q.client.close().catch(() => undefined)));
    },
  };
}
