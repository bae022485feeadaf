/**
 * MLLP round trips per second: an echo handler, N client connections each sending one
 * message and waiting for its reply before the next (HL7 original mode), over TCP and TLS.
 * Client and server share one event loop, so the numbers are the cost of both sides on one
 * core. Bounded: at most BENCH_COUNT round trips or BENCH_SECONDS per line; 127.0.0.1 only.
 *
 *   pnpm exec tsx libs/mllp/bench/mllp.bench.ts
 */
import { createMllpClient, createMllpServer } from '@mesh/mllp';
import type { MllpClient, MllpServerOptions } from '@mesh/mllp';
import { createTestPki } from '@mesh/test-support';

const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const HOST = '127.0.0.1';

/** An ADT^A01-sized message (about 1 kB), as PIX feeds send. */
const message = Buffer.from(
  [
    'MSH|^~\\&|HIS|HOSPITAL|MPI|AGENCY|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5|||||||UNICODE UTF-8',
    'EVN||20260101120000',
    'PID|||12345^^^HOSPITAL&1.2.3.4&ISO^PI||Dupont^Marie^^^^^L||19800101|F|||1 rue de la Gare^^Luxembourg^^1234^LU||+352123456',
    'PV1||I|WARD^101^1',
    'NK1|1|Dupont^Jean|SPO',
    'OBX|1|ST|' + 'x'.repeat(600),
  ].join('\r') + '\r',
);

async function measure(label: string, port: number, connections: number, tls?: MllpServerOptions['tls']) {
  const clients: MllpClient[] = Array.from({ length: connections }, () =>
    createMllpClient({ host: HOST, port, tls: tls === undefined ? undefined : { ca: tls.ca } }),
  );
  for (const c of clients) for (let i = 0; i < 20; i++) await c.request(message); // connect + warm up
  let done = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (done < COUNT && performance.now() < deadline) {
        await c.request(message);
        done++;
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(Math.round(done / secs)).padStart(8)} round trips/s  (${done} in ${secs.toFixed(2)} s)`,
  );
  await Promise.all(clients.map((c) => c.close()));
}

async function run(label: string, tls?: MllpServerOptions['tls']): Promise<void> {
  const server = createMllpServer({ handler: (m) => Promise.resolve(m), tls });
  const { port } = await server.listen(0, HOST);
  try {
    await measure(`${label}, 1 connection`, port, 1, tls);
    await measure(`${label}, 16 connections`, port, 16, tls);
  } finally {
    await server.close();
  }
}

console.log(
  `MLLP benchmark: echo of ${message.length} bytes; up to ${COUNT} round trips or ${SECONDS} s per line; node ${process.version}`,
);
await run('TCP');
const pki = createTestPki();
await run('TLS', { key: pki.server.key, cert: pki.server.cert, ca: pki.ca });
