/**
 * ITI-10 PIX Update Notification: PIX Manager -> PIX Consumer (ITI TF-2 3.10, ADT^A31,
 * HL7 v2.5). After a feed or a vigilance decision changes the cross-references of an
 * enterprise identity, each configured subscriber receives an A31 whose PID-3 lists every
 * identifier of the identity (the national one first), PID-5 the empty name of type S
 * (ITI TF-2 3.10.4.1). Queued and retried per subscriber (notify-queue.ts).
 */
import { message, msh, segment } from '@mesh/hl7v2';
import { createMllpClient } from '@mesh/mllp';
import type { ServiceLogger } from '@mesh/runtime';
import type { Iti10Subscriber } from './config.js';
import type { Mpi } from './mpi.js';
import { createNotifier } from './notify-queue.js';
import type { Notifier } from './notify-queue.js';
import { pidSegment } from './transactions/pid.js';

export type Iti10Notifier = Notifier;

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
  const clients = new Map(
    o.subscribers.map((s) => [s, createMllpClient({ host: s.host, port: s.port, timeoutMs: 10_000 })]),
  );
  return createNotifier({
    transaction: 'ITI-10',
    subscribers: o.subscribers,
    label: (s) => `${s.host}:${s.port}`,
    mpi: o.mpi,
    logger: o.logger,
    async send(s, x) {
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
      await clients.get(s)?.request(Buffer.from(a31.toBytes()));
    },
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    },
  });
}
