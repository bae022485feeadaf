/**
 * ITI-46 PIXV3 Update Notification: PIX Manager -> PIX Consumer (ITI TF-2 3.46, HL7 V3
 * PRPA_IN201302UV02 over SOAP 1.2). After a feed or a vigilance decision changes the
 * cross-references of an enterprise identity, each configured consumer receives the full list
 * of the identity's identifiers (the national one first) with the name as nullFlavor NA
 * (ITI TF-2 3.46.4.1.2). Sends are sequential per consumer and retried with back-off; a consumer
 * that stays down delays only its own queue (bounded). The consumer's MCCI acknowledgement is
 * read; an AE/AR is logged.
 */
import { randomUUID } from 'node:crypto';
import { buildIti46Notification, HL7V3_ACTIONS, parseAck } from '@mesh/hl7v3';
import type { II } from '@mesh/hl7v3';
import type { ServiceLogger } from '@mesh/runtime';
import { soapCall } from '@mesh/soap';
import type { Mpi } from './mpi.js';

/** One PIX Consumer that subscribed to ITI-46: its endpoint and its device id (an OID). */
export interface Iti46Subscriber {
  readonly url: string;
  readonly deviceId: string;
}

/**
 * `MPI_ITI46_SUBSCRIBERS`: comma-separated `url=deviceOid` entries, e.g.
 * `https://ehr.example/pixv3-consumer=1.2.3.4.5`. Empty or unset: no notifications.
 */
export function parseIti46Subscribers(value: string | undefined): Iti46Subscriber[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((entry) => {
    const at = entry.lastIndexOf('=');
    const url = entry.slice(0, at).trim();
    const deviceId = entry.slice(at + 1).trim();
    if (at < 0 || !/^https?:\/\//.test(url) || !/^[0-2](\.(0|[1-9]\d*))+$/.test(deviceId))
      throw new Error(`MPI_ITI46_SUBSCRIBERS: '${entry}' is not url=deviceOid`);
    return { url, deviceId };
  });
}

export interface Iti46Notifier {
  /** Queues notifications for these enterprise identities. */
  notify(enterpriseIds: readonly number[]): void;
  /** Waits for queued notifications (bounded), then stops. */
  close(): Promise<void>;
}

const MAX_QUEUE = 10_000;
const ACTION = HL7V3_ACTIONS.find((a) => a.transaction === 'ITI-46');

export function createIti46Notifier(o: {
  subscribers: readonly Iti46Subscriber[];
  mpi: () => Mpi;
  /** Our device id (the PIX Manager) and the custodian of the records. */
  deviceId: string;
  custodianId: string;
  clock: () => Date;
  logger: ServiceLogger;
}): Iti46Notifier {
  if (!ACTION) throw new Error('ITI-46 action missing from @mesh/hl7v3');
  const action = ACTION.request;
  const queues = o.subscribers.map((s) => ({
    s,
    pending: [] as number[],
    running: undefined as Promise<unknown> | undefined,
  }));
  let closed = false;
  const toII = (p: { id: string; assigningAuthority: string }): II => ({
    root: p.assigningAuthority,
    extension: p.id,
  });

  async function send(q: (typeof queues)[number]): Promise<void> {
    while (q.pending.length > 0 && !closed) {
      const ids = [...new Set(q.pending.splice(0, 100))];
      const refs = await o.mpi().crossReferences(ids);
      for (const [, x] of refs) {
        if (x.sources.length === 0) continue; // retired by a merge: the survivor's notice carries its ids
        const body = buildIti46Notification(
          { patientIds: [x.national, ...x.sources].map(toII) },
          {
            messageId: { root: randomUUID() },
            creationTime: o.clock(),
            sender: { id: { root: o.deviceId } },
            receiver: { id: { root: q.s.deviceId } },
            custodianId: { root: o.custodianId },
          },
        );
        for (let attempt = 1; !closed; attempt++) {
          try {
            const res = await soapCall(q.s.url, { action, body, timeoutMs: 10_000 });
            const ack = parseAck(res.body);
            if (
              ack.ok &&
              ack.value.acknowledgement.typeCode !== 'AA' &&
              ack.value.acknowledgement.typeCode !== 'CA'
            )
              o.logger.warn(
                { subscriber: q.s.url, typeCode: ack.value.acknowledgement.typeCode },
                'ITI-46 notification not accepted by the consumer',
              );
            break;
          } catch (err) {
            if (attempt >= 5) {
              o.logger.error({ err, subscriber: q.s.url }, 'ITI-46 notification dropped after retries');
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
          o.logger.warn({ subscriber: q.s.url }, 'ITI-46 queue full; notifications dropped');
          continue;
        }
        q.pending.push(...ids);
        q.running ??= send(q)
          .catch((err: unknown) => o.logger.error({ err }, 'ITI-46 notifier failed'))
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
    },
  };
}
