/**
 * ITI-42 over HTTP: single-document Register Document Set-b requests, SOAP 1.2 envelopes as a
 * Document Repository sends them, from CONCURRENCY keep-alive clients to the registry served
 * by startMeshProcess in a child process (validation against the affinity domain, patient check,
 * all-or-nothing store, registry-side ATNA audit, xds.document-registered event). In the same
 * run, the same rows (DocumentEntry, SubmissionSet, HasMember) go into an identical schema as
 * raw INSERTs through pg, one transaction per registration, CONCURRENCY clients. Prints
 * registrations/s of both, their ratio, and the server's peak RSS. REPLICAS=n starts n registry
 * processes (replicas behind one Service, as Kubernetes would run them) and spreads the client
 * connections over them; CPU is then summed over the replicas.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test NATS_URL=nats://127.0.0.1:4222 \
 *     pnpm exec tsx services/registry/bench/register-http.bench.ts
 *
 * Both variables are required: the registry runs as it does in a cluster (PostgreSQL + NATS).
 * The timed requests go out over raw keep-alive connections (see Connection): the load
 * generator shares the machine's 2 cores with what it measures, so it is kept light.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectNats } from '@mesh/bus';
import { migrate, openDb } from '@mesh/db';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import { publishPatientCreated } from '@mesh/test-support';
import { writeSubmitObjectsRequest } from '@mesh/xds';
import { NS } from '@mesh/xml';
import { REGISTRY_MIGRATIONS, registryService } from '../src/index.js';
import { domainDocument, domainSubmission } from '../src/fixtures.js';

const REQUESTS = Number(process.env.REQUESTS ?? 12_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
/** Registry processes (replicas behind one Service); client connection i goes to replica i % REPLICAS. */
const REPLICAS = Math.max(1, Number(process.env.REPLICAS ?? 1));
const PATIENTS = 200;
const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const ACTION = 'urn:ihe:iti:2007:RegisterDocumentSet-b';
/** Shared by the driver and the server process it forks (patient ids of this run). */
const run = process.env.BENCH_RUN ?? randomUUID().slice(0, 8);
const patient = (i: number): string => `bench-${run}-${i % PATIENTS}^^^&${NATIONAL}&ISO`;
/**
 * The run's own streams and consumers: events other benches left on the shared NATS (the MPI
 * bench publishes patient events by the hundred thousand) are not consumed during the run.
 */
const subjectPrefix = `regbench${run}.`;

async function serve(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'registry-bench-'));
  const env = {
    DATA_DIR: dataDir,
    PORT: '0',
    DATABASE_URL: process.env.DATABASE_URL,
    NATS_URL: process.env.NATS_URL,
    MESH_SERVICE: 'registry',
    LOG_LEVEL: 'warn',
    NATS_SUBJECT_PREFIX: subjectPrefix,
    // Tuning under test: REGISTRY_WRITES_IN_FLIGHT, V8_HEAP_GROWING_PERCENT...
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(REGISTRY|V8|AUDIT)_/.test(k))),
  };
  const mesh = await startMeshProcess({
    config: loadRuntimeConfig(env),
    modules: { registry: registryService },
    env,
    logger: createLogger({ service: 'registry-bench', level: 'warn' }),
  });
  // One replica announces the patients; every replica's consumer learns them from the bus.
  if (process.env.BENCH_PUBLISH !== '0')
    for (let i = 0; i < PATIENTS; i++)
      await publishPatientCreated(mesh.bus, patient(i).split('^')[0] ?? '', NATIONAL);
  process.send?.({ url: mesh.url });
  process.on('message', () =>
    process.send?.({
      rss: Math.round(process.resourceUsage().maxRSS / 1024),
      now: Math.round(process.memoryUsage().rss / 2 ** 20),
      heap: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      cpu: process.cpuUsage(),
    }),
  );
  process.on('disconnect', () => {
    void mesh
      .close()
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  });
}

/**
 * CPU time (us) of this machine's PostgreSQL and NATS server processes, from /proc (Linux; 0
 * elsewhere): what a registration costs the database and the bus, beside the registry's own.
 */
async function peerCpu(): Promise<{ postgres: number; nats: number }> {
  const out = { postgres: 0, nats: 0 };
  const ticks = 1_000_000 / 100; // USER_HZ is 100 on Linux
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const kind = name.startsWith('postgres')
        ? 'postgres'
        : name.startsWith('nats-server')
          ? 'nats'
          : undefined;
      if (kind === undefined) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[kind] += (Number(fields[11]) + Number(fields[12])) * ticks;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function envelope(body: string): string {
  return `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action s:mustUnderstand="true">${ACTION}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(url: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${ACTION}"` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The timed load generator: one keep-alive HTTP/1.1 connection per client, requests written as
 * prepared bytes and responses read by their Content-Length, as wrk or autocannon do. It costs
 * the shared 2 cores a fraction of what node:http's client does (which parses and builds every
 * message in JavaScript), leaving them to the registry, PostgreSQL and NATS.
 */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting:
    { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.take();
    });
    const fail = (e: Error): void => {
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(url: URL): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.setNoDelay(true);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The request's bytes: POST `url` with `body` (HTTP/1.1, keep-alive, Content-Length). */
  static request(url: URL, body: string): Buffer {
    const payload = Buffer.from(body, 'utf8');
    const head =
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Content-Type: application/soap+xml; charset=UTF-8; action="${ACTION}"\r\nContent-Length: ${payload.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
  }

  send(request: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private take(): void {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0 || this.waiting === undefined) return;
    const head = this.buffered.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (length === undefined) {
      this.waiting.reject(new Error(`response without Content-Length: ${head}`));
      this.waiting = undefined;
      return;
    }
    const total = end + 4 + Number(length);
    if (this.buffered.length < total) return;
    const body = this.buffered.subarray(end + 4, total).toString('utf8');
    this.buffered = this.buffered.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status: Number(head.slice(9, 12)), body });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Group-commit statements and the submissions they wrote so far, from a replica's /metrics. */
async function statements(registry: URL): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(new URL('/metrics', registry))).text();
  const read = (name: string): number =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    count: read('mesh_registry_submissions_per_statement_count'),
    sum: read('mesh_registry_submissions_per_statement_sum'),
  };
}

async function concurrently(
  count: number,
  fn: (i: number, client: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      while (next < count) await fn(next++, client);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL || !process.env.NATS_URL) {
    console.log('register-http: set DATABASE_URL and NATS_URL (the registry runs on PostgreSQL + NATS)');
    return;
  }
  const children = Array.from({ length: REPLICAS }, (_, r) =>
    fork(new URL(import.meta.url).pathname, ['--serve'], {
      execArgv: [
        ...process.execArgv,
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      ],
      env: { ...process.env, BENCH_RUN: run, BENCH_PUBLISH: r === 0 ? '1' : '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const ask = <T>(child: ChildProcess, pred: (m: Record<string, unknown>) => boolean): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (pred(m)) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
    });
  /** Asks every replica; sums CPU, keeps the largest memory figures. */
  const askAll = async (
    q: string,
  ): Promise<{ cpu: NodeJS.CpuUsage; now: number; heap: number; rss: number }> => {
    const all = await Promise.all(
      children.map((c) => {
        const answer = ask<{ cpu: NodeJS.CpuUsage; now: number; heap: number; rss: number }>(
          c,
          (m) => 'cpu' in m,
        );
        c.send(q);
        return answer;
      }),
    );
    return {
      cpu: {
        user: all.reduce((a, m) => a + m.cpu.user, 0),
        system: all.reduce((a, m) => a + m.cpu.system, 0),
      },
      now: Math.max(...all.map((m) => m.now)),
      heap: Math.max(...all.map((m) => m.heap)),
      rss: Math.max(...all.map((m) => m.rss)),
    };
  };
  const endpoints = await Promise.all(
    children.map(
      async (c) => new URL('/xds/registry', (await ask<{ url: string }>(c, (m) => 'url' in m)).url),
    ),
  );
  const endpoint = endpoints[0] as URL;
  const endpointOf = (client: number): URL => endpoints[client % REPLICAS] as URL;

  // Bodies built before timing: the client's XML writing is not the server's cost.
  const bodies = Array.from({ length: REQUESTS + PATIENTS }, (_, i) => {
    const p = patient(i);
    return envelope(writeSubmitObjectsRequest(domainSubmission(p, [domainDocument(p)])));
  });
  // Wait until the registry has consumed every patient event (ITI-42 then succeeds for each).
  for (let i = 0; i < PATIENTS; i++) {
    for (let tries = 0; ; tries++) {
      const r = await post(endpoint, bodies[REQUESTS + i]!);
      if (r.includes('ResponseStatusType:Success')) break;
      if (tries > 200)
        throw new Error(
          `patient ${patient(i)} never became known: ${r.slice(r.indexOf('<env:Body>'), r.indexOf('<env:Body>') + 600)}`,
        );
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  // Every replica has learnt every patient before the clock starts.
  for (const e of endpoints.slice(1))
    for (let i = 0; i < PATIENTS; i++) {
      for (let tries = 0; ; tries++) {
        const body = envelope(
          writeSubmitObjectsRequest(domainSubmission(patient(i), [domainDocument(patient(i))])),
        );
        if ((await post(e, body)).includes('ResponseStatusType:Success')) break;
        if (tries > 200) throw new Error(`patient ${patient(i)} never became known to a replica`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  const connections = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, client) => Connection.open(endpointOf(client))),
  );
  const requests = bodies.slice(0, REQUESTS).map((b) => Connection.request(endpoint, b));
  const statementsBefore = await Promise.all(endpoints.map(statements));
  const before = await askAll('cpu?');
  const peersBefore = await peerCpu();
  const rawBefore = process.cpuUsage();
  let failures = 0;
  const httpRate = await concurrently(REQUESTS, async (i, client) => {
    const r = await (connections[client] as Connection).send(requests[i] as Buffer);
    if (r.status !== 200 || !r.body.includes('ResponseStatusType:Success')) failures++;
  });
  for (const c of connections) c.close();
  const clientCpu = process.cpuUsage(rawBefore);
  const peersAfter = await peerCpu();
  const { rss, cpu } = await askAll('rss?');
  const statementsAfter = await Promise.all(endpoints.map(statements));
  const written = statementsAfter.reduce(
    (a, s, k) => ({
      count: a.count + s.count - (statementsBefore[k]?.count ?? 0),
      sum: a.sum + s.sum - (statementsBefore[k]?.sum ?? 0),
    }),
    { count: 0, sum: 0 },
  );
  const cpuPerRequest = (cpu.user + cpu.system - before.cpu.user - before.cpu.system) / REQUESTS;

  // The same rows as raw INSERTs, one transaction per registration.
  const schema = `registry_raw_${run}`;
  const db = await openDb({ schema, url: process.env.DATABASE_URL, poolSize: CONCURRENCY + 2 });
  await migrate(db, REGISTRY_MIGRATIONS);
  const now = new Date();
  const rawPeersBefore = await peerCpu();
  const rawRate = await concurrently(REQUESTS, async (i) => {
    const p = patient(i);
    const s = domainSubmission(p, [domainDocument(p)]);
    const d = s.documentEntries[0]!;
    const ssId = randomUUID();
    const docId = randomUUID();
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO document_entries (entry_uuid, logical_id, unique_id, patient_id, status, object_type, class_code,
           class_code_scheme, creation_time, creation_time_n, hash, size, submission_set_uuid, registered_at, metadata)
         VALUES ($1, $1, $2, $3, 'Approved', 'stable', $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)`,
        [
          docId,
          d.uniqueId,
          p,
          d.classCode?.code,
          d.classCode?.codingScheme,
          d.creationTime,
          d.creationTime?.padEnd(14, '0'),
          d.hash,
          d.size,
          ssId,
          now,
          JSON.stringify(d),
        ],
      );
      await tx.query(
        `INSERT INTO submission_sets (entry_uuid, unique_id, patient_id, status, source_id, submission_time, registered_at, metadata)
         VALUES ($1, $2, $3, 'Approved', $4, $5, $6, $7::jsonb)`,
        [
          ssId,
          s.submissionSet.uniqueId,
          p,
          s.submissionSet.sourceId,
          s.submissionSet.submissionTime,
          now,
          JSON.stringify(s.submissionSet),
        ],
      );
      await tx.query(
        `INSERT INTO associations (id, type, source_id, target_id, status, submission_set_status, metadata)
         VALUES ($1, 'HasMember', $2, $3, 'Approved', 'Original', $4::jsonb)`,
        [randomUUID(), ssId, docId, JSON.stringify(s.associations[0])],
      );
    });
  });
  const rawPeers = await peerCpu();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();

  console.log(
    `ITI-42 over HTTP (SOAP 1.2, 1 DocumentEntry, validation + store + audit + event), ${CONCURRENCY} clients: ${Math.round(httpRate)} registrations/s (${failures} not Success of ${REQUESTS})`,
  );
  console.log(
    `raw INSERTs of the same 3 rows through pg, 1 transaction each, ${CONCURRENCY} clients: ${Math.round(rawRate)} registrations/s`,
  );
  console.log(`ratio HTTP ITI-42 / raw INSERT: ${(httpRate / rawRate).toFixed(2)}`);
  const procs = REPLICAS === 1 ? 'registry process' : `${REPLICAS} registry processes (replicas)`;
  console.log(`${procs} CPU per registration: ${Math.round(cpuPerRequest)} us`);
  console.log(
    `${procs} peak RSS${REPLICAS === 1 ? '' : ' (largest)'}: ${rss} MB (RSS ${before.now} MB, heap ${before.heap} MB before the run)`,
  );
  console.log(
    `group commit: ${written.count} statements for ${written.sum} submissions (${(written.sum / Math.max(1, written.count)).toFixed(1)} per statement)`,
  );
  const per = (us: number): number => Math.round(us / REQUESTS);
  console.log(
    `other CPU per registration: PostgreSQL ${per(peersAfter.postgres - peersBefore.postgres)} us (raw INSERTs: ${per(rawPeers.postgres - rawPeersBefore.postgres)} us), NATS ${per(peersAfter.nats - peersBefore.nats)} us, bench client ${per(clientCpu.user + clientCpu.system)} us`,
  );
  agent.destroy();
  for (const c of children) c.disconnect();
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
  const bus = await connectNats({ servers: process.env.NATS_URL, name: 'registry-bench', subjectPrefix });
  await bus.deleteStreams();
  await bus.close();
}

if (process.argv.includes('--serve')) await serve();
else await main();
