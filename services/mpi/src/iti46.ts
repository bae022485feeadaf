/**
 * ITI-46 PIXV3 Update Notification: PIX Manager -> PIX Consumer (ITI TF-2 3.46, HL7 V3
 * PRPA_IN201302UV02 over SOAP 1.2). After a feed or a vigilance decision changes the
 * cross-references of an enterprise identity, each configured consumer receives the full list
 * of the identity's identifiers (the national one first) with the name as nullFlavor NA
 * (ITI TF-2 3.46.4.1.2). Queued and retried per consumer (notify-queue.ts); the consumer's
 * MCCI acknowledgement is read and an AE/AR is logged.
 */
import { randomUUID } from 'node:crypto';
import { buildIti46Notification, HL7V3_ACTIONS, parseAck } from '@mesh/hl7v3';
import type { II } from '@mesh/hl7v3';
import type { ServiceLogger } from '@mesh/runtime';
import { soapCall } from '@mesh/soap';
import { OID } from './hl7v3-soap.js';
import type { Mpi } from './mpi.js';
import { createNotifier } from './notify-queue.js';
import type { Notifier } from './notify-queue.js';

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
    if (at < 0 || !/^https?:\/\//.test(url) || !OID.test(deviceId))
      throw new Error(`MPI_ITI46_SUBSCRIBERS: '${entry}' is not url=deviceOid`);
    return { url, deviceId };
  });
}

export type Iti46Notifier = Notifier;

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
  const toII = (p: { id: string; assigningAuthority: string }): II => ({
    root: p.assigningAuthority,
    extension: p.id,
  });
  return createNotifier({
    transaction: 'ITI-46',
    subscribers: o.subscribers,
    label: (s) => s.url,
    mpi: o.mpi,
    logger: o.logger,
    async send(s, x) {
      const body = buildIti46Notification(
        { patientIds: [x.national, ...x.sources].map(toII) },
        {
          messageId: { root: randomUUID() },
          creationTime: o.clock(),
          sender: { id: { root: o.deviceId } },
          receiver: { id: { root: s.deviceId } },
          custodianId: { root: o.custodianId },
        },
      );
      const res = await soapCall(s.url, { action, body, timeoutMs: 10_000 });
      const ack = parseAck(res.body);
      const code = ack.ok ? ack.value.acknowledgement.typeCode : undefined;
      if (code !== 'AA' && code !== 'CA')
        o.logger.warn(
          { subscriber: s.url, typeCode: code },
          'ITI-46 notification not accepted by the consumer',
        );
    },
  });
}
