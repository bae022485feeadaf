/**
 * Document Repository benchmark, distributed as in production: the registry (launcher,
 * MESH_SERVICE=registry) and the repository (bench/repository-process.ts) each in their own
 * process on PostgreSQL and NATS; this process is the 16 Document Sources / Consumers.
 *
 * - ITI-41 documents/s with CLIENTS concurrent clients at 100 KB and at 1 MB, registration
 *   (ITI-42 over the bus to the real registry) included;
 * - ITI-43 retrievals/s at 1 MB;
 * - the repository process's peak RSS during one 50 MB upload and one 50 MB download.
 * Each for the fs and the pg blob store (REPOSITORY_BLOB_STORE). Prints numbers; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test NATS_URL=nats://127.0.0.1:4222 pnpm bench repository
 *
 * DOCS_100K, DOCS_1M, RETRIEVES and CLIENTS change the counts; BLOB_STORES=fs (or pg) runs one
 * store; PHASES (default `100k,1m,iti43,50mb`) picks what runs (iti43 retrieves the 1m documents).
 *
 * The machine is shared, so throughput depends on what else runs: each phase also prints the CPU
 * milliseconds per operation of the repository, the registry, this client and everything else
 * (PostgreSQL, NATS, other work), from /proc. The clients are cheap on purpose: an ITI-41
 * request is a prebuilt MTOM message (only the ids of the metadata change per request) written
 * straight to the socket, and an ITI-43 response is read as bytes and its MTOM part measured
 * without spooling; the 50 MB exchanges use the streaming SOAP client.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connectNats } from '@mesh/bus';
import { publishPatientCreated } from '@mesh/test-support';
import { addressingHeaders, buildEnvelope, soapCall, WSA_ANONYMOUS } from '@mesh/soap';
import { NS, child } from '@mesh/xml';
import {
  ITI41_ACTION,
  ITI43_ACTION,
  NATIONAL,
  documentRequests,
  entry,
  iti41Request,
  submission,
} from '../src/test-fixtures.js';

const CLIENTS = Number(process.env.CLIENTS ?? 16);
const PHASES = new Set((process.env.PHASES ?? '100k,1m,iti43,50mb').split(','));
/** CPU_PROF_DIR=dir: both server processes write V8 CPU profiles there (where the time goes). */
const prof = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : [];
const root = fileURLToPath(new URL('../../../', import.meta.url));
const MB = 1024 * 1024;

if (!process.env.DATABASE_URL || !process.env.NATS_URL) {
  process.stdout.write(
    'repository bench: needs DATABASE_URL and NATS_URL (the distributed mesh: registry and repository processes); skipped\n',
  );
  process.exit(0);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready`);
}

function ask<T>(proc: ChildProcess, cmd: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>): void => {
      if (key in m) {
        proc.off('message', on);
        resolve(m as T);
      }
    };
    proc.on('message', on);
    proc.send({ cmd });
  });
}

const dataDir = await mkdtemp(join(tmpdir(), 'mesh-repo-bench-'));
const baseEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  REPOSITORY_MAX_CONCURRENT_SUBMISSIONS: '256',
};

// The real registry, as the launcher runs it in distributed mode.
const registryPort = await freePort();
const registry = spawn(process.execPath, [...prof, '--import', 'tsx', 'services/launcher/src/main.ts'], {
  cwd: root,
  env: { ...baseEnv, MESH_SERVICE: 'registry', PORT: String(registryPort) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
await waitReady(`http://127.0.0.1:${registryPort}`, registry);

// One patient, made known to the registry by an MPI event.
const bus = await connectNats({ servers: process.env.NATS_URL, name: 'repository-bench' });
const patientId = `bench-${randomUUID().slice(0, 8)}`;
const patient = `${patientId}^^^&${NATIONAL}&ISO`;
// The registries' durable consumer may be shared with other processes on this NATS server and
// one event reaches one of them: publish a few (the registry's upsert is idempotent).
for (let i = 0; i < 5; i++) await publishPatientCreated(bus, patientId, NATIONAL);

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
const spoolDir = join(dataDir, 'client-spool');
await mkdir(spoolDir, { recursive: true });

/** `total` bytes of base64 text (an application/xml body that is not a CDA). */
function content(total: number): Buffer {
  const chunk = Buffer.from(randomBytes(48 * 1024).toString('base64'), 'latin1');
  const out = Buffer.alloc(total);
  for (let off = 0; off < total; off += chunk.length)
    chunk.copy(out, off, 0, Math.min(chunk.length, total - off));
  return out;
}

function* pattern(total: number): Generator<Buffer> {
  const chunk = content(64 * 1024);
  for (let off = 0; off < total; off += chunk.length)
    yield chunk.subarray(0, Math.min(chunk.length, total - off));
}

const SUCCESS = Buffer.from('ResponseStatusType:Success"');
const BOUNDARY = 'MIMEBoundary_bench_0123456789abcdef';

/**
 * A prebuilt ITI-41 MTOM message of one `size`-byte document: the envelope is built once through
 * the fixtures with marker ids, and each request only puts fresh ids (document and submission set
 * uniqueIds, wsa:MessageID) in place of the markers; the document part is the same buffer every time.
 */
function iti41Template(
  url: string,
  size: number,
): () => { uniqueId: string; chunks: Buffer[]; length: number } {
  const marks = {
    doc: '1.3.6.1.4.1.99999.77.111111',
    set: '1.3.6.1.4.1.99999.77.222222',
    msg: 'urn:uuid:33333333',
  };
  const e = entry(patient, 'Document01', { mimeType: 'application/xml', uniqueId: marks.doc });
  const s = submission(patient, [e]);
  const set = { ...s, submissionSet: { ...s.submissionSet, uniqueId: marks.set } };
  const { body } = iti41Request(set, [{ id: 'Document01', contentId: 'doc@bench' }]);
  const envelope = buildEnvelope(
    '1.2',
    addressingHeaders('1.2', { action: ITI41_ACTION, messageId: marks.msg, replyTo: WSA_ANONYMOUS, to: url }),
    body,
  );
  const pieces = envelope.split(new RegExp(`(${Object.values(marks).join('|').replace(/\./g, '\\.')})`));
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n` +
      `Content-Transfer-Encoding: binary\r\nContent-ID: <root@bench>\r\n\r\n`,
  );
  const docHead = Buffer.from(
    `\r\n--${BOUNDARY}\r\nContent-Type: application/xml\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <doc@bench>\r\n\r\n`,
  );
  const doc = content(size);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  let n = 0;
  const stamp = `${Date.now()}.${process.pid}`;
  return () => {
    n++;
    const ids: Record<string, string> = {
      [marks.doc]: `1.3.6.1.4.1.99999.77.${stamp}.${n}`,
      [marks.set]: `1.3.6.1.4.1.99999.78.${stamp}.${n}`,
      [marks.msg]: `urn:uuid:${randomUUID()}`,
    };
    const env = Buffer.from(pieces.map((p) => ids[p] ?? p).join(''));
    const chunks = [head, env, docHead, doc, tail];
    return { uniqueId: ids[marks.doc]!, chunks, length: chunks.reduce((a, c) => a + c.length, 0) };
  };
}

/**
 * One POST to the repository endpoint; resolves with the status, Content-Type, the response's
 * first bytes (at least `headBytes` when that long), its last bytes and its size. The body is
 * not kept whole, so that reading a 1 MB response costs the client little.
 */
function post(
  url: string,
  contentType: string,
  chunks: readonly Buffer[],
  length: number,
  headBytes = 8192,
): Promise<{ status: number; contentType: string; head: Buffer; tail: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/xds/repository`,
      { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': length } },
      (res) => {
        let head: Buffer = Buffer.alloc(0);
        let tail: Buffer = Buffer.alloc(0);
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (head.length < headBytes) head = Buffer.concat([head, c]);
          tail = c.length >= 256 ? c : Buffer.concat([tail, c]).subarray(-256);
          size += c.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            head,
            tail,
            size,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const ITI41_TYPE =
  `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@bench>"; ` +
  `start-info="application/soap+xml"; action="${ITI41_ACTION}"`;

async function provide(
  url: string,
  next: () => { uniqueId: string; chunks: Buffer[]; length: number },
): Promise<{ uniqueId: string; ok: boolean }> {
  const m = next();
  const res = await post(url, ITI41_TYPE, m.chunks, m.length);
  return { uniqueId: m.uniqueId, ok: res.status === 200 && res.head.includes(SUCCESS) };
}

/** ITI-43 of one document; returns the size of the MTOM part that carries it (-1 if none). */
async function retrieve(url: string, uniqueId: string): Promise<number> {
  const body = buildEnvelope(
    '1.2',
    addressingHeaders('1.2', {
      action: ITI43_ACTION,
      messageId: `urn:uuid:${randomUUID()}`,
      replyTo: WSA_ANONYMOUS,
    }),
    documentRequests('RetrieveDocumentSetRequest', [{ uniqueId }]),
  );
  const b = Buffer.from(body);
  const res = await post(url, `application/soap+xml; charset=UTF-8; action="${ITI43_ACTION}"`, [b], b.length);
  const boundary = /boundary="?([^";]+)"?/.exec(res.contentType)?.[1];
  if (res.status !== 200 || !boundary || !res.head.includes(SUCCESS)) return -1;
  // Parts: the root (opened by the body's first line), then the document, from the end of the
  // headers that follow the next delimiter to the closing delimiter that ends the body.
  const delim = Buffer.from(`\r\n--${boundary}`);
  const second = res.head.indexOf(delim);
  const start = second < 0 ? -1 : res.head.indexOf('\r\n\r\n', second + delim.length);
  const close = Buffer.from(`\r\n--${boundary}--\r\n`);
  if (start < 0 || !res.tail.subarray(-close.length).equals(close)) return -1;
  return res.size - (start + 4) - close.length;
}

async function parallel<T>(
  count: number,
  fn: (i: number) => Promise<T>,
): Promise<{ results: T[]; seconds: number }> {
  const results: T[] = [];
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < count; i = next++) results.push(await fn(i));
    }),
  );
  return { results, seconds: (performance.now() - t) / 1000 };
}

const mb = (b: number): string => (b / MB).toFixed(1);

interface Usage {
  rss: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}
/** The repository's peak RSS and what it was made of then (V8 heap, memory held by Buffers). */
const peakRss = (p: { peak: number; atPeak: Usage }): string =>
  `repository peak RSS ${mb(p.peak)} MB (V8 heap ${mb(p.atPeak.heapTotal)}, buffers ${mb(p.atPeak.arrayBuffers)})`;

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux; undefined elsewhere). */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 after the command name; 100 ticks/s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has spent busy (all CPUs, /proc/stat: everything but idle and iowait). */
async function machineSeconds(): Promise<number | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of every process whose command name is `comm` (PostgreSQL backends, nats-server),
 * with the time of their children already reaped (cutime, cstime): a PostgreSQL backend that
 * ends during a phase moves its time into the postmaster's, so the sum never goes down.
 */
async function commandSeconds(comm: string): Promise<number | undefined> {
  try {
    let total = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (!stat.includes(`(${comm})`)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
    }
    return total;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` and reports CPU milliseconds per operation: the repository and registry processes,
 * this client, PostgreSQL, NATS, and the rest of the machine (kernel threads, other work: on a
 * shared machine this is where contention shows).
 */
async function withCpu<T>(
  pids: { repository: number | undefined; registry: number | undefined },
  ops: number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: string }> {
  const sample = async (): Promise<(number | undefined)[]> => {
    const u = process.cpuUsage();
    return [
      await cpuSeconds(pids.repository),
      await cpuSeconds(pids.registry),
      (u.user + u.system) / 1e6,
      await commandSeconds('postgres'),
      await commandSeconds('nats-server'),
      await machineSeconds(),
    ];
  };
  const before = await sample();
  const result = await fn();
  const after = await sample();
  const d = after.map((a, i) => {
    const b = before[i];
    return a === undefined || b === undefined ? undefined : ((a - b) * 1000) / ops;
  });
  const f = (v: number | undefined): string => (v === undefined ? '?' : v.toFixed(1));
  const [repo, reg, client, pg, nats, machine] = d;
  const parts = [repo, reg, client, pg, nats];
  const rest =
    machine === undefined || parts.some((v) => v === undefined)
      ? undefined
      : parts.reduce<number>((a, v) => a - (v ?? 0), machine);
  return {
    result,
    cpu: `CPU ms per op: repository ${f(repo)}, registry ${f(reg)}, client ${f(client)}, postgres ${f(pg)}, nats ${f(nats)}, rest of the machine ${f(rest)}`,
  };
}

for (const store of (process.env.BLOB_STORES ?? 'fs,pg').split(',')) {
  const port = await freePort();
  const repo = fork(join(root, 'services/repository/bench/repository-process.ts'), [], {
    cwd: root,
    execArgv: [...prof, '--expose-gc', '--import', 'tsx'],
    env: { ...baseEnv, MESH_SERVICE: 'repository', PORT: String(port), REPOSITORY_BLOB_STORE: store },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, repo);
  const small = iti41Template(url, 1000);
  // The MPI event is consumed asynchronously: wait until the registry accepts the patient.
  for (let i = 0; !(await provide(url, small)).ok; i++) {
    if (i > 100) throw new Error('registry never accepted the bench patient');
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(`\nblob store ${store} (${CLIENTS} clients)\n`);
  const pids = { repository: repo.pid, registry: registry.pid };

  let ids: string[] = [];
  for (const [phase, size, count] of [
    ['100k', 100 * 1024, Number(process.env.DOCS_100K ?? 1500)],
    ['1m', MB, Number(process.env.DOCS_1M ?? 600)],
  ] as const) {
    if (!PHASES.has(phase) && !(phase === '1m' && PHASES.has('iti43'))) continue;
    const next = iti41Template(url, size);
    await parallel(CLIENTS, () => provide(url, next)); // warm-up
    await ask(repo, 'mark', 'marked');
    const { result: r, cpu } = await withCpu(pids, count, () => parallel(count, () => provide(url, next)));
    const rss = await ask<{ peak: number; atPeak: Usage }>(repo, 'peak', 'peak');
    const failed = r.results.filter((x) => !x.ok).length;
    process.stdout.write(
      `  ITI-41 ${size === MB ? '1 MB' : '100 KB'}: ${(count / r.seconds).toFixed(1)} docs/s (${count} docs in ${r.seconds.toFixed(1)} s, ${failed} failed; load average ${loadavg()[0]!.toFixed(1)}; ${peakRss(rss)}; ${cpu})\n`,
    );
    if (size === MB) ids = r.results.filter((x) => x.ok).map((x) => x.uniqueId);
  }
  if (PHASES.has('iti43') && ids.length > 0) {
    const n = Number(process.env.RETRIEVES ?? 2000);
    await parallel(CLIENTS, (i) => retrieve(url, ids[i % ids.length]!)); // warm-up
    await ask(repo, 'mark', 'marked');
    const { result: g, cpu } = await withCpu(pids, n, () =>
      parallel(n, (i) => retrieve(url, ids[i % ids.length]!)),
    );
    const rss = await ask<{ peak: number; atPeak: Usage }>(repo, 'peak', 'peak');
    const bad = g.results.filter((s) => s !== MB).length;
    process.stdout.write(
      `  ITI-43 1 MB: ${(n / g.seconds).toFixed(1)} retrievals/s (${n} in ${g.seconds.toFixed(1)} s, ${bad} wrong; load average ${loadavg()[0]!.toFixed(1)}; ${peakRss(rss)}; ${cpu})\n`,
    );
  }

  if (PHASES.has('50mb')) {
    // 50 MB: the repository process's peak RSS above its resting RSS, upload then download,
    // through the streaming SOAP client (neither side holds the document).
    const e = entry(patient, 'Document01', { mimeType: 'application/xml' });
    const { body } = iti41Request(submission(patient, [e]), [{ id: 'Document01', contentId: 'big@bench' }]);
    await ask(repo, 'mark', 'marked');
    let t = performance.now();
    const up = await soapCall(`${url}/xds/repository`, {
      action: ITI41_ACTION,
      body,
      attachments: [
        {
          contentId: 'big@bench',
          contentType: 'application/xml',
          size: 50 * MB,
          open: () => Readable.from(pattern(50 * MB), { objectMode: false }),
        },
      ],
      agent,
      spoolDir,
      timeoutMs: 300_000,
    });
    const upOk = (up.body.getAttribute('status') ?? '').endsWith('Success');
    await up.dispose();
    const upSeconds = (performance.now() - t) / 1000;
    const upRss = await ask<{ base: number; peak: number }>(repo, 'peak', 'peak');
    await ask(repo, 'mark', 'marked');
    t = performance.now();
    const down = await soapCall(`${url}/xds/repository`, {
      action: ITI43_ACTION,
      body: documentRequests('RetrieveDocumentSetRequest', [{ uniqueId: e.uniqueId! }]),
      agent,
      spoolDir,
      timeoutMs: 300_000,
    });
    let size = -1;
    try {
      const dr = child(down.body, NS.xdsb, 'DocumentResponse');
      size = (dr ? down.resolveInclude(child(dr, NS.xdsb, 'Document') as Element) : undefined)?.size ?? -1;
    } finally {
      await down.dispose();
    }
    const downSeconds = (performance.now() - t) / 1000;
    const downRss = await ask<{ base: number; peak: number; overall: number }>(repo, 'peak', 'peak');
    process.stdout.write(
      `  50 MB upload: ${upOk ? 'Success' : 'FAILED'} in ${upSeconds.toFixed(1)} s, repository RSS ${mb(upRss.base)} -> peak ${mb(upRss.peak)} MB (+${mb(upRss.peak - upRss.base)})\n` +
        `  50 MB download: ${size === 50 * MB ? 'complete' : `WRONG SIZE ${size}`} in ${downSeconds.toFixed(1)} s, repository RSS ${mb(downRss.base)} -> peak ${mb(downRss.peak)} MB (+${mb(downRss.peak - downRss.base)})\n` +
        `  repository peak RSS over the whole run: ${mb(downRss.overall)} MB\n`,
    );
  }
  repo.send({ cmd: 'stop' });
  await new Promise((r) => repo.once('exit', r));
}

registry.kill('SIGTERM');
await new Promise((r) => registry.once('exit', r));
await bus.close();
agent.destroy();
await rm(dataDir, { recursive: true, force: true });
