/**
 * ITI-20 transport throughput: RFC 5424 messages per second into a no-op `onMessage`, over
 * RFC 5425 TLS (1 and 8 connections) and RFC 5426 UDP (with how many arrived). Sender and
 * receiver share one event loop, so the numbers are the cost of both sides on one core.
 * Bounded: BENCH_COUNT messages per line (default 50,000), 127.0.0.1 only.
 *
 *   pnpm exec tsx libs/syslog/bench/syslog.bench.ts
 */
import {
  createSyslogTlsServer,
  createSyslogUdpServer,
  formatSyslog,
  sendSyslogTls,
  sendSyslogUdp,
} from '@mesh/syslog';
import type { SyslogServer } from '@mesh/syslog';
import { createTestPki } from '@mesh/test-support';

const COUNT = Number(process.env.BENCH_COUNT ?? 50_000);
const HOST = '127.0.0.1';

/** About the size of a DICOM audit message for an XDS query (2 kB). */
const message = formatSyslog({
  hostname: 'hospital-a.example.lu',
  appName: 'xds-consumer',
  procId: '4711',
  msgId: 'IHE+DICOM',
  msg: `<AuditMessage><EventIdentification EventActionCode="E"/>${'<ParticipantObjectIdentification/>'.repeat(55)}</AuditMessage>`,
});

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
}

function report(label: string, done: number, start: number, extra = ''): void {
  const secs = (performance.now() - start) / 1000;
  console.log(
    `${label.padEnd(34)} ${String(Math.round(done / secs)).padStart(8)} msg/s  (${done} in ${secs.toFixed(2)} s)${extra}`,
  );
}

async function tlsLine(connections: number, pki: ReturnType<typeof createTestPki>): Promise<void> {
  const server: SyslogServer = createSyslogTlsServer({
    tls: {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    onMessage: () => Promise.resolve(),
  });
  const { port } = await server.listen(0, HOST);
  const clientTls = { ca: pki.ca, key: pki.client.key, cert: pki.client.cert };
  await sendSyslogTls(HOST, port, [message], { tls: clientTls }); // warm-up
  const before = server.stats().accepted;
  const per = Math.ceil(COUNT / connections);
  const batch = Array.from({ length: per }, () => message);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, () => sendSyslogTls(HOST, port, batch, { tls: clientTls })),
  );
  await until(() => server.stats().accepted - before === per * connections, 60_000);
  report(`TLS (mutual), ${connections} connection(s)`, server.stats().accepted - before, start);
  await server.close();
}

/**
 * UDP has no flow control: a sender outrunning the receiver just loses datagrams in the
 * kernel. So the sender here is paced (batches of 50, then waits until they arrived, up to
 * 200 ms) and the line prints how many arrived.
 */
async function udpLine(): Promise<void> {
  const server = createSyslogUdpServer({ onMessage: () => Promise.resolve(), recvBufferSize: 4 << 20 });
  const { port } = await server.listen(0, HOST);
  const start = performance.now();
  const batch = Array.from({ length: 50 }, () => message);
  let sent = 0;
  for (; sent < COUNT; sent += batch.length) {
    await sendSyslogUdp(HOST, port, batch);
    await until(() => server.stats().accepted >= sent + batch.length, 200);
  }
  const got = server.stats().accepted;
  report('UDP, 1 paced sender', got, start, `  (received ${got} of ${sent} sent)`);
  await server.close();
}

console.log(`syslog benchmark: ${message.length}-byte messages, ${COUNT} per line; node ${process.version}`);
const pki = createTestPki();
await tlsLine(1, pki);
await tlsLine(8, pki);
await udpLine();
