/**
 * Sustained ITI-20 ingest into PostgreSQL, with a zero-loss count at the end:
 *  0. the PostgreSQL baseline: the same kind of records, parsed beforehand, appended directly
 *     through the store (same statement, batches of AUDIT_BATCH_MAX, AUDIT_CHAINS chains in
 *     parallel): what the database takes when no transport, parsing or queueing is involved.
 *  1. syslog over mutual TLS (RFC 5425): AUDIT_BENCH_CONNECTIONS senders in a child process,
 *     each writing its share of AUDIT_BENCH_TLS records as fast as the receiver's
 *     backpressure lets it; timed from the go signal to the last COMMIT.
 *  2. the bus ('bus'): AUDIT_BENCH_BUS records handed to a Secure Node sender in a child
 *     process by AUDIT_BENCH_BUS_CALLERS concurrent callers, as services send them (batch
 *     messages on the AUDIT stream, NATS, own subject prefix); then the repository's durable
 *     consumers drain them; timed from the consumers' start to the last COMMIT (acks only
 *     after commit). 'bus-single': the same with one message per record, published from
 *     this process (what older senders publish), to compare.
 * Each prints the CPU time per record of the repository process (this process; the TLS
 * senders run in their own), which survives a loaded machine better than events/s, and the
 * load average. All run the service's own code (store, writer, ingest, bus consumer, syslog
 * server) on a schema of their own. PostgreSQL from DATABASE_URL (PGlite in memory when
 * unset); the bus parts need NATS_URL. AUDIT_BENCH_PARTS=baseline,tls,bus,bus-single selects parts;
 * AUDIT_BENCH_PROFILE=<dir> writes a CPU and an allocation profile of each timed part.
 * Prints numbers; asserts nothing about speed.
 */
import { fork } from 'node:child_process';
import type { Serializable } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditSource, buildTransactionAudit, toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { connectNats } from '@mesh/bus';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { createAuditSender } from '@mesh/secure-node';
import type { AuditSenderStats } from '@mesh/secure-node';
import { createSyslogTlsServer, formatSyslog, sendSyslogTls } from '@mesh/syslog';
import { createTestPki } from '@mesh/test-support';
import { AUDIT_MIGRATIONS } from '../src/migrations.js';
import { consumeAuditRecords } from '../src/bus-ingest.js';
import { createIngest } from '../src/ingest.js';
import { createParsePool } from '../src/parse-pool.js';
import { prepareRecord } from '../src/record.js';
import { createAuditStore } from '../src/store.js';
import { physician } from '../src/testing/physician.js';
import { createAuditWriter } from '../src/writer.js';
import { verifyChains } from '../src/verify.js';

const env = process.env;
const TLS_N = Number(env['AUDIT_BENCH_TLS'] ?? 60_000);
const BUS_N = Number(env['AUDIT_BENCH_BUS'] ?? 60_000);
const CONNECTIONS = Number(env['AUDIT_BENCH_CONNECTIONS'] ?? 8);
const BASE_N = Number(env['AUDIT_BENCH_BASELINE'] ?? 60_000);
const CHAINS = Number(env['AUDIT_CHAINS'] ?? 2);
const BATCH = Number(env['AUDIT_BATCH_MAX'] ?? 500);
const IN_FLIGHT = Number(env['AUDIT_BUS_IN_FLIGHT'] ?? 1024);
const WORKERS = Number(env['AUDIT_PARSE_WORKERS'] ?? 0);
const SUBSCRIPTIONS = Number(env['AUDIT_BUS_SUBSCRIPTIONS'] ?? 2);
const BATCHES_IN_FLIGHT = Number(env['AUDIT_BUS_BATCHES_IN_FLIGHT'] ?? 8);
const CALLERS = Number(env['AUDIT_BENCH_BUS_CALLERS'] ?? 512);
const silent = { warn: () => undefined, error: (o: object) => console.error(o) };

function record(i: number): string {
  return toAuditXml(message(i));
}

/** The i-th audit message: an ITI-43 retrieve by one of 500 users for one of 100,000 patients. */
function message(i: number): AuditMessage {
  return buildTransactionAudit({
    transaction: 'ITI-43',
    side: 'responder',
    outcome: 'Success',
    eventDateTime: new Date(),
    initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.1.2.3' },
    responder: {
      userId: 'https://mesh.example/xds/repository',
      altUserId: '4242',
      networkAccessPoint: 'mesh.example',
    },
    principal: physician(`Dr User ${i % 500}`, `user${i % 500}@hospital.example`),
    auditSource: auditSource('mesh-repository', 'LU'),
    patientId: `P${i % 100_000}^^^&1.3.6.1.4.1.99999.1.1&ISO`,
    documents: [{ uniqueId: `1.2.3.4.${i}`, repositoryUniqueId: '1.3.6.1.4.1.99999.2.1' }],
  });
}

async function pipeline(db: Db) {
  await migrate(db, AUDIT_MIGRATIONS);
  const store = createAuditStore(db);
  await store.initChains(CHAINS);
  await store.ensurePartitions(new Date(), 1);
  let batches = 0;
  let batched = 0;
  const writer = createAuditWriter({
    store,
    chains: CHAINS,
    maxBatch: BATCH,
    clock: () => new Date(),
    logger: silent,
    onBatch: (n) => {
      batches++;
      batched += n;
    },
  });
  const counts = { stored: 0, rejected: 0, duplicate: 0 };
  const pool = WORKERS > 0 ? createParsePool(WORKERS) : undefined;
  const ingest = createIngest({
    writer,
    ...(pool ? { prepare: (input) => pool.prepare(input) } : {}),
    logger: silent,
    counters: {
      received: () => undefined,
      stored: () => void counts.stored++,
      duplicate: () => void counts.duplicate++,
      rejected: () => void counts.rejected++,
    },
  });
  const batchInfo = () => `${batches} batches, ${(batched / Math.max(1, batches)).toFixed(0)} records/batch`;
  return { store, writer, ingest, counts, batchInfo, close: () => pool?.close() };
}

/** CPU time of this process per record (user + system), in microseconds: comparable on a loaded machine. */
const cpuPer = (start: NodeJS.CpuUsage, n: number): number => {
  const u = process.cpuUsage(start);
  return Math.round((u.user + u.system) / n);
};
const load = (): string =>
  `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`;

const rate = (n: number, ms: number): string =>
  `${Math.round((n * 1000) / ms).toLocaleString('en')} events/s`;

/**
 * With AUDIT_BENCH_PROFILE=<dir>, a CPU profile and an allocation profile (sampled, garbage
 * included) of this process over exactly the timed part (`<dir>/<name>.cpuprofile` and
 * `.heapprofile`, for Chrome DevTools or a self-time summary); else nothing.
 */
async function startProfile(name: string): Promise<() => Promise<void>> {
  const dir = env['AUDIT_BENCH_PROFILE'];
  if (dir === undefined) return () => Promise.resolve();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(`${dir}/${name}.heapprofile`, JSON.stringify(heap));
    session.disconnect();
  };
}

/** This run's connections are tagged, so their server processes can be found (pgCpu). */
const APP = `auditbench-${process.pid}`;

/** Opens the database for one part of the run; PGlite when DATABASE_URL is unset. */
async function open(prefix: string): Promise<Db> {
  const url = env['DATABASE_URL'];
  if (url === undefined || url === '') return openTestDb({ prefix });
  const tagged = new URL(url);
  tagged.searchParams.set('application_name', APP);
  return openTestDb({ prefix, env: { ...env, DATABASE_URL: tagged.toString() } });
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving this run (from /proc: only when
 * the server runs on this host), by pid; undefined when that cannot be read.
 */
async function pgCpu(db: Db): Promise<Map<number, number> | undefined> {
  if (db.kind !== 'pg') return undefined;
  const r = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
    APP,
  ]);
  const out = new Map<number, number>();
  try {
    for (const { pid } of r.rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) / 100); // utime + stime, in USER_HZ ticks
    }
  } catch {
    return undefined;
  }
  return out.size > 0 ? out : undefined;
}

/** PostgreSQL backend CPU per record between two pgCpu readings, as text. */
function pgCpuPer(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
  n: number,
): string {
  if (before === undefined || after === undefined)
    return 'PostgreSQL CPU not measurable (remote server or PGlite)';
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return `PostgreSQL backends ${Math.round((s * 1e6) / n)} us CPU/record`;
}

/** The baseline, for the rows of one transport: TLS rows (no message id) or bus rows (with one). */
async function benchBaseline(transport: 'tls' | 'bus'): Promise<void> {
  const db = await open('auditbase');
  try {
    const p = await pipeline(db);
    const records = Array.from({ length: BASE_N }, (_, i) =>
      prepareRecord({
        xml: record(i),
        transport,
        peer: transport === 'tls' ? '127.0.0.1' : 'bench',
        ...(transport === 'bus' ? { messageId: randomUUID() } : {}),
      }),
    );
    const pg0 = await pgCpu(db);
    const stopProfile = await startProfile(`baseline-${transport}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CHAINS }, async (_, chain) => {
        for (let i = chain * BATCH; i < BASE_N; i += CHAINS * BATCH)
          await p.store.appendBatch(chain, records.slice(i, i + BATCH), new Date());
      }),
    );
    const ms = performance.now() - t0;
    const cpu = cpuPer(cpu0, BASE_N);
    await stopProfile();
    const pg = pgCpuPer(pg0, await pgCpu(db), BASE_N);
    const rows = await p.store.count();
    console.log(
      `PostgreSQL baseline, ${transport} rows${transport === 'bus' ? ' (with message ids)' : ''} (${db.kind}): ${BASE_N} records parsed beforehand, appended directly in batches of ${BATCH} on ${CHAINS} chains: ${(ms / 1000).toFixed(1)} s = ${rate(BASE_N, ms)}; ${rows} rows`,
    );
    console.log(`  ${cpu} us CPU/record in this process (hashing, encoding, driver); ${pg}; ${load()}`);
    await p.close();
  } finally {
    await db.close();
  }
}

interface SenderSetup {
  readonly port: number;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** The TLS senders' process: formats its records, says ready, sends on 'go', reports its CPU. */
async function senderProcess(): Promise<void> {
  const setup = await new Promise<SenderSetup>((r) => process.once('message', (m) => r(m as SenderSetup)));
  const lines = Array.from({ length: TLS_N }, (_, i) =>
    formatSyslog({ hostname: 'bench', appName: 'bench', procId: '1', msgId: 'IHE+DICOM', msg: record(i) }),
  );
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  process.send?.({ ready: true, bytes });
  await new Promise((r) => process.once('message', r));
  const cpu0 = process.cpuUsage();
  const per = Math.ceil(TLS_N / CONNECTIONS);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, c) =>
      sendSyslogTls('127.0.0.1', setup.port, lines.slice(c * per, (c + 1) * per), {
        tls: { ca: setup.ca, cert: setup.cert, key: setup.key, servername: 'localhost' },
        timeoutMs: 600_000,
      }),
    ),
  );
  process.send?.({ cpuUs: cpuPer(cpu0, TLS_N) }, () => process.exit(0));
}

async function benchTls(): Promise<void> {
  const db = await open('auditbench');
  try {
    const p = await pipeline(db);
    const pki = createTestPki();
    let done!: () => void;
    const allStored = new Promise<void>((r) => (done = r));
    const server = createSyslogTlsServer({
      tls: {
        key: pki.server.key,
        cert: pki.server.cert,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      maxInFlightPerConnection: Number(env['AUDIT_SYSLOG_MAX_IN_FLIGHT'] ?? 256),
      onMessage: async (m, info) => {
        await p.ingest.ingest({ xml: m.msg, transport: 'tls', peer: info.remoteAddress });
        if (p.counts.stored + p.counts.rejected >= TLS_N) done();
      },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    const senders = child('--tls-senders');
    const pem = (b: Buffer): string => b.toString('utf8');
    senders.send({
      port,
      ca: pem(pki.ca),
      cert: pem(pki.client.cert),
      key: pem(pki.client.key),
    } satisfies SenderSetup);
    const { bytes } = (await senders.next()) as { bytes: number };
    const pg0 = await pgCpu(db);
    const stopProfile = await startProfile('tls');
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    senders.send('go');
    await allStored;
    const ms = performance.now() - t0;
    const cpu = cpuPer(cpu0, TLS_N);
    await stopProfile();
    const pg = pgCpuPer(pg0, await pgCpu(db), TLS_N);
    const { cpuUs: senderCpu } = (await senders.next()) as { cpuUs: number };
    await server.close();
    await p.close();
    const rows = await p.store.count();
    console.log(
      `syslog TLS (mutual, ${CONNECTIONS} connections from another process, ${WORKERS} parse workers, ${db.kind}): ${TLS_N} records of ~${Math.round(bytes / TLS_N)} B in ${(ms / 1000).toFixed(1)} s = ${rate(TLS_N, ms)}; ${p.batchInfo()}`,
    );
    console.log(
      `  ${cpu} us CPU/record in the repository process (senders: ${senderCpu} us/record in theirs); ${pg}; ${load()}`,
    );
    console.log(
      `  zero-loss count: sent ${TLS_N}, stored rows ${rows}, rejected ${p.counts.rejected} -> ${rows === TLS_N ? 'OK' : 'LOSS'}`,
    );
    const v = await verifyChains(db);
    console.log(`  chains verify: ${v.ok ? 'OK' : 'FAILED'} (${v.records} records)`);
  } finally {
    await db.close();
  }
}

interface BusSenderSetup {
  readonly servers: string;
  readonly subjectPrefix: string;
}

/**
 * The bus senders' process, as a service runs them: one Secure Node sender (batching the
 * records handed over while a publish is in flight), AUDIT_BENCH_BUS_CALLERS concurrent
 * callers each sending one record after another. Says ready, sends on 'go', reports.
 */
async function busSenderProcess(): Promise<void> {
  const setup = await new Promise<BusSenderSetup>((r) =>
    process.once('message', (m) => r(m as BusSenderSetup)),
  );
  const messages = Array.from({ length: BUS_N }, (_, i) => message(i));
  const bus = await connectNats({
    servers: setup.servers,
    name: 'audit-bench-sender',
    subjectPrefix: setup.subjectPrefix,
  });
  const spoolDir = await mkdtemp(join(os.tmpdir(), 'audit-bench-spool-'));
  const sender = await createAuditSender({ bus, spoolDir, sourceId: 'bench', publishTimeoutMs: 10_000 });
  process.send?.({ ready: true });
  await new Promise((r) => process.once('message', r));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < BUS_N) await sender.send(messages[next++]!);
    }),
  );
  const ms = performance.now() - t0;
  const stats = sender.stats();
  const cpuUs = cpuPer(cpu0, BUS_N);
  await sender.close();
  await bus.close();
  await rm(spoolDir, { recursive: true, force: true });
  process.send?.({ ms, cpuUs, stats }, () => process.exit(0));
}

/** A child process of this file in `role`, with a message queue to read its reports from. */
function child(role: string): { send(m: unknown): void; next(): Promise<Record<string, unknown>> } {
  const c = fork(fileURLToPath(import.meta.url), [role], { execArgv: process.execArgv });
  const messages: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  c.on('message', (m) => {
    messages.push(m as Record<string, unknown>);
    wake?.();
  });
  return {
    send: (m) => c.send(m as Serializable),
    async next() {
      while (messages.length === 0) await new Promise<void>((r) => (wake = r));
      return messages.shift()!;
    },
  };
}

/**
 * The bus phase. 'sender': the records go through the Secure Node sender in another process
 * (batches on `audit.records-submitted`), as services send them. 'single': one JetStream
 * message per record on `audit.record-submitted`, published from this process before the
 * timed part (the path older senders use; kept to compare). Either way the stream holds the
 * backlog first, then the repository's consumers drain it: timed from their start to the
 * last COMMIT (acks only after commit).
 */
async function benchBus(mode: 'sender' | 'single'): Promise<void> {
  const url = env['DATABASE_URL'];
  const nats = env['NATS_URL'];
  if (url === undefined || nats === undefined) {
    console.log('bus: skipped (needs DATABASE_URL and NATS_URL)');
    return;
  }
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const subjectPrefix = `bench${id}.`;
  const db = await open('auditbus');
  const bus = await connectNats({ servers: nats, name: 'audit-bench', subjectPrefix });
  try {
    await bus.ensureStreams();
    const p = await pipeline(db);
    if (mode === 'single') {
      const xmls = Array.from({ length: 1000 }, (_, i) => record(i));
      const t0 = performance.now();
      for (let i = 0; i < BUS_N; i += 1000)
        await Promise.all(
          Array.from({ length: Math.min(1000, BUS_N - i) }, (_, j) => {
            const messageId = randomUUID();
            return bus.publish(
              'audit.record-submitted',
              { messageId, xml: xmls[j]!, sourceId: 'bench', receivedAt: new Date().toISOString() },
              { msgId: messageId, timeoutMs: 60_000 },
            );
          }),
        );
      const pubMs = performance.now() - t0;
      console.log(
        `bus publish, one message per record (JetStream acked, backlog): ${BUS_N} in ${(pubMs / 1000).toFixed(1)} s = ${rate(BUS_N, pubMs)}`,
      );
    } else {
      const c = child('--bus-senders');
      c.send({ servers: nats, subjectPrefix } satisfies BusSenderSetup);
      await c.next();
      c.send('go');
      const { ms, cpuUs, stats } = (await c.next()) as { ms: number; cpuUs: number; stats: AuditSenderStats };
      const failed = BUS_N - stats.published - stats.spooled;
      console.log(
        `bus publish through the Secure Node sender (${CALLERS} concurrent callers in another process, JetStream acked, backlog): ${BUS_N} in ${(ms / 1000).toFixed(1)} s = ${rate(BUS_N, ms)}; ${stats.publishes} messages, ${(stats.published / Math.max(1, stats.publishes)).toFixed(0)} records/message; ${stats.spooled} spooled${failed === 0 ? '' : `, ${failed} FAILED`}; ${cpuUs} us CPU/record in the sender process`,
      );
    }
    let done!: () => void;
    const allStored = new Promise<void>((r) => (done = r));
    const timer = setInterval(() => {
      if (p.counts.stored >= BUS_N) done();
    }, 5);
    const pg0 = await pgCpu(db);
    const stopProfile = await startProfile(`bus-${mode}`);
    const t1 = performance.now();
    const cpu1 = process.cpuUsage();
    const subs = consumeAuditRecords({
      bus,
      ingest: p.ingest,
      durable: 'audit-repository',
      subscriptions: SUBSCRIPTIONS,
      concurrency: Math.ceil(IN_FLIGHT / SUBSCRIPTIONS),
      batchConcurrency: Math.ceil(BATCHES_IN_FLIGHT / SUBSCRIPTIONS),
      onInvalid: () => undefined,
    });
    await allStored;
    const ms = performance.now() - t1;
    const cpu = cpuPer(cpu1, BUS_N);
    await stopProfile();
    const pg = pgCpuPer(pg0, await pgCpu(db), BUS_N);
    clearInterval(timer);
    await Promise.all(subs.map((s) => s.close({ timeoutMs: 5_000 })));
    await p.close();
    const rows = await p.store.count();
    const inFlight =
      mode === 'single' ? `${IN_FLIGHT} messages in flight` : `${BATCHES_IN_FLIGHT} batch messages in flight`;
    console.log(
      `bus -> PostgreSQL, ${mode === 'single' ? 'one message per record' : 'batched by the Secure Node'} (${WORKERS} parse workers, durable consumers, ${inFlight}, ack after commit): ${BUS_N} in ${(ms / 1000).toFixed(1)} s = ${rate(BUS_N, ms)}; ${p.batchInfo()}`,
    );
    console.log(`  ${cpu} us CPU/record in the repository process; ${pg}; ${load()}`);
    console.log(
      `  zero-loss count: sent ${BUS_N}, stored rows ${rows}, duplicates ${p.counts.duplicate} -> ${rows === BUS_N ? 'OK' : 'LOSS'}`,
    );
  } finally {
    await bus.deleteStreams().catch(() => undefined);
    await bus.close();
    await db.close();
  }
}

if (process.argv[2] === '--tls-senders') {
  await senderProcess();
} else if (process.argv[2] === '--bus-senders') {
  await busSenderProcess();
} else {
  const parts = (env['AUDIT_BENCH_PARTS'] ?? 'baseline,tls,bus,bus-single').split(',');
  if (parts.includes('baseline')) {
    await benchBaseline('tls');
    await benchBaseline('bus');
  }
  if (parts.includes('tls')) await benchTls();
  if (parts.includes('bus')) await benchBus('sender');
  if (parts.includes('bus-single')) await benchBus('single');
}
