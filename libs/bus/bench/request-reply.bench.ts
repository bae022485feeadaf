/**
 * Bus throughput: request/reply round trips per second (sequential and 32 in flight) and
 * JetStream publishes per second (each awaited until stored), NATS vs in-process, in one
 * run. Bounded: at most COUNT operations or SECONDS per measurement, 127.0.0.1 only.
 *
 *   pnpm exec tsx libs/bus/bench/request-reply.bench.ts            # NATS_URL or nats://127.0.0.1:4222
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecordSubmitted, Bus } from '@mesh/bus';
import { connectNats, createInProcessBus } from '@mesh/bus';

const COUNT = Number(process.env.BENCH_COUNT ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
if (!/^nats:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(url))
  throw new Error('the benchmark only talks to 127.0.0.1');

async function measure(label: string, op: (i: number) => Promise<unknown>, concurrency = 1): Promise<void> {
  for (let i = 0; i < 200; i++) await op(i); // warm-up
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < COUNT && performance.now() < deadline) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - start) / 1000;
  console.log(
    `${label.padEnd(48)} ${String(Math.round(next / secs)).padStart(9)} ops/s  (${next} ops, ${secs.toFixed(2)} s)`,
  );
}

const record = (i: number): AuditRecordSubmitted => ({
  messageId: randomUUID(),
  xml: `<AuditMessage n="${i}">${'x'.repeat(1500)}</AuditMessage>`,
  sourceId: 'bench',
  receivedAt: new Date().toISOString(),
});

async function run(name: string, bus: Bus): Promise<void> {
  await bus.ensureStreams();
  await bus.serve('mpi.resolve', (p) =>
    Promise.resolve({
      found: true as const,
      enterpriseId: { id: p.patientId, assigningAuthority: '1.2.3' },
      merged: false,
      crossReferences: [],
    }),
  ).ready;
  const req = (i: number) => bus.request('mpi.resolve', { patientId: `P${i}` });
  await measure(`${name}: request/reply, sequential`, req);
  await measure(`${name}: request/reply, 32 in flight`, req, 32);
  const pub = (i: number) => {
    const r = record(i);
    return bus.publish('audit.record-submitted', r, { msgId: r.messageId });
  };
  await measure(`${name}: publish (1.5 kB, acked), sequential`, pub);
  await measure(`${name}: publish (1.5 kB, acked), 32 in flight`, pub, 32);
}

console.log(`bus benchmark: up to ${COUNT} ops or ${SECONDS} s per line, node ${process.version}`);
const prefix = `bench${randomUUID().slice(0, 8)}.`;
const inProcess = createInProcessBus({ subjectPrefix: prefix });
await run('in-process', inProcess);
await inProcess.close();

const nats = await connectNats({ servers: url, name: 'bus-bench', subjectPrefix: prefix });
try {
  await run('NATS', nats);
} finally {
  await nats.deleteStreams();
  await nats.close();
}
