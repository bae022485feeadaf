/**
 * A real network outage between a service and NATS: the service connects through a TCP
 * relay that the test cuts and restores. Needs a real server (NATS_URL); the embedded
 * variant of the same scenario is in sender.int.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { connectNats } from '@mesh/bus';
import type { NatsBus } from '@mesh/bus';
import { describe, expect, it } from 'vitest';
import { createAuditSender } from './index.js';
import { recordsOnStream } from './testing/records-on-stream.js';

const natsUrl = process.env.NATS_URL;

/** A TCP relay to the NATS server that can be cut (listener closed, connections reset) and restored. */
async function relay(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection({ host: target.hostname, port: Number(target.port || 4222) });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') port = addr.port;
        resolve();
      });
    });
  await listen();
  return {
    url: `nats://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    restore: listen,
  };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const msg = (n: number): AuditMessage => ({
  eventIdentification: {
    eventId: { csdCode: '110112', codeSystemName: 'DCM', originalText: 'Query' },
    eventActionCode: 'E',
    eventDateTime: '2026-11-25T20:00:00Z',
    eventOutcomeIndicator: 0,
    eventTypeCodes: [
      { csdCode: 'ITI-18', codeSystemName: 'IHE Transactions', originalText: 'Registry Stored Query' },
    ],
  },
  activeParticipants: [
    {
      userId: `consumer-${n}`,
      userIsRequestor: true,
      roleIdCodes: [{ csdCode: '110153', codeSystemName: 'DCM', originalText: 'Source Role ID' }],
    },
  ],
  auditSourceIdentification: { auditSourceId: 'registry' },
  participantObjects: [],
});

describe.runIf(natsUrl !== undefined)('Secure Node across a real NATS outage (NATS_URL)', () => {
  it('spools during the outage and delivers every record once after reconnection', async () => {
    const subjectPrefix = `so${randomUUID().replace(/-/g, '').slice(0, 10)}.`;
    const direct: NatsBus = await connectNats({ servers: natsUrl!, name: 'outage-check', subjectPrefix });
    const r = await relay(new URL(natsUrl!));
    const viaRelay = await connectNats({ servers: r.url, name: 'outage-service', subjectPrefix });
    const dir = await mkdtemp(join(tmpdir(), 'mesh-spool-'));
    try {
      await direct.ensureStreams();
      const sender = await createAuditSender({
        bus: viaRelay,
        spoolDir: dir,
        sourceId: 'registry',
        publishTimeoutMs: 500,
        retryMinMs: 50,
        retryMaxMs: 200,
      });
      await sender.send(msg(1));
      expect(sender.stats()).toMatchObject({ published: 1, pending: 0 });

      await r.cut();
      await until(() => !viaRelay.ready(), 5_000);
      await sender.send(msg(2));
      await sender.send(msg(3));
      expect(sender.stats()).toMatchObject({ spooled: 2, pending: 2 });

      await r.restore();
      await sender.flush({ timeoutMs: 20_000 });
      expect(sender.stats()).toMatchObject({ pending: 0, drained: 2 });
      await sender.close();
      expect((await readdir(dir)).filter((f) => f.endsWith('.spool'))).toEqual([]);

      const got = await recordsOnStream(direct);
      expect(got.map((g) => g.xml)).toEqual([1, 2, 3].map((n) => toAuditXml(msg(n))));
    } finally {
      await viaRelay.close();
      await direct.deleteStreams();
      await direct.close();
      await r.cut();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
