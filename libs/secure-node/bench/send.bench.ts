/**
 * Secure Node send throughput: records/s acknowledged (durable) straight through the bus
 * (one caller: a message per record; 64 callers: batches of the records waiting while a
 * publish is in flight), and into the fsynced spool while the bus is down (group commit under concurrency), then
 * the drain rate once it is back. In-process bus, so the numbers isolate the sender and
 * the disk. Bounded: COUNT records per line, temp directory removed at the end.
 *
 *   pnpm exec tsx libs/secure-node/bench/send.bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditMessage } from '@mesh/audit';
import { BusUnavailableError, createInProcessBus } from '@mesh/bus';
import type { Bus } from '@mesh/bus';
import { createAuditSender } from '@mesh/secure-node';
import type { AuditSender } from '@mesh/secure-node';

const COUNT = Number(process.env.BENCH_COUNT ?? 2_000);

const message: AuditMessage = {
  eventIdentification: {
    eventId: { csdCode: '110106', codeSystemName: 'DCM', originalText: 'Export' },
    eventActionCode: 'R',
    eventDateTime: '2026-11-25T20:00:00Z',
    eventOutcomeIndicator: 0,
    eventTypeCodes: [
      { csdCode: 'ITI-41', codeSystemName: 'IHE Transactions', originalText: 'Provide and Register' },
    ],
  },
  activeParticipants: [
    {
      userId: 'http://repository.example/xds',
      userIsRequestor: true,
      roleIdCodes: [{ csdCode: '110153', codeSystemName: 'DCM', originalText: 'Source Role ID' }],
      networkAccessPointId: '10.0.0.1',
      networkAccessPointTypeCode: 2,
    },
  ],
  auditSourceIdentification: { auditSourceId: 'repository' },
  participantObjects: [],
};

async function timed(label: string, n: number, fn: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await fn();
  const secs = (performance.now() - start) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(Math.round(n / secs)).padStart(8)} records/s  (${n} in ${secs.toFixed(2)} s)`,
  );
}

/** `n` records sent by `callers` concurrent callers, each one after another. */
async function concurrently(sender: AuditSender, callers: number, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next++ < n) await sender.send(message);
    }),
  );
}

const real = createInProcessBus({ subjectPrefix: 'bench.' });
await real.ensureStreams();
let down = false;
const bus: Bus = {
  ...real,
  ready: () => !down,
  publish: (s, p, o) =>
    down ? Promise.reject(new BusUnavailableError('down', { subject: s })) : real.publish(s, p, o),
};
const dir = await mkdtemp(join(tmpdir(), 'mesh-spool-bench-'));
try {
  const sender = await createAuditSender({ bus, spoolDir: dir, sourceId: 'bench', retryMinMs: 10 });
  console.log(`secure-node send benchmark: ${COUNT} records per line, node ${process.version}`);
  await timed('bus up, sequential', COUNT, async () => {
    for (let i = 0; i < COUNT; i++) await sender.send(message);
  });
  const before = sender.stats();
  await timed('bus up, 64 concurrent (batched)', COUNT, () => concurrently(sender, 64, COUNT));
  const after = sender.stats();
  console.log(
    `  ${after.publishes - before.publishes} bus messages, ${((after.published - before.published) / (after.publishes - before.publishes)).toFixed(1)} records each`,
  );
  down = true;
  await timed('bus down -> spool, sequential (fsync each)', COUNT, async () => {
    for (let i = 0; i < COUNT; i++) await sender.send(message);
  });
  await timed('bus down -> spool, 64 concurrent (group commit)', COUNT, () =>
    concurrently(sender, 64, COUNT),
  );
  const spooled = sender.pending();
  console.log(`spool: ${spooled} records, ${(sender.stats().spoolBytes / 1024 / 1024).toFixed(1)} MiB`);
  down = false;
  await timed('drain after the bus is back', spooled, () => sender.flush({ timeoutMs: 120_000 }));
  await sender.close();
} finally {
  await real.close();
  await rm(dir, { recursive: true, force: true });
}
