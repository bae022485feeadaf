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
 * DOCS_100K, DOCS_1M, RETRIEVES and CLIENTS change the counts; BLOB_STORES=fs (or pg) runs one store.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connectNats } from '@mesh/bus';
import { publishPatientCreated } from '@mesh/test-support';
import { soapCall } from '@mesh/soap';
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
await (await import('node:fs/promises')).mkdir(spoolDir, { recursive: true });

function* pattern(total: number): Generator<Buffer> {
  const chunk = Buffer.from(
    randomBytes(64 * 1024)
      .toString('base64')
      .slice(0, 64 * 1024),
  );
  for (let off = 0; off < total; off += chunk.length)
    yield chunk.subarray(0, Math.min(chunk.length, total - off));
}

async function provide(url: string, size: number): Promise<{ uniqueId: string; ok: boolean }> {
  const e = entry(patient, 'Document01', { mimeType: 'application/xml' });
  const { body } = iti41Request(submission(patient, [e]), [{ id: 'Document01', contentId: 'doc@bench' }]);
  const res = await soapCall(`${url}/xds/repository`, {
    action: ITI41_ACTION,
    body,
    attachments: [
      {
        contentId: 'doc@bench',
        contentType: 'application/xml',
        size,
        open: () => Readable.from(pattern(size), { objectMode: false }),
      },
    ],
    agent,
    spoolDir,
    timeoutMs: 300_000,
  });
  await res.dispose();
  return { uniqueId: e.uniqueId!, ok: (res.body.getAttribute('status') ?? '').endsWith('Success') };
}

async function retrieve(url: string, uniqueId: string): Promise<number> {
  const res = await soapCall(`${url}/xds/repository`, {
    action: ITI43_ACTION,
    body: documentRequests('RetrieveDocumentSetRequest', [{ uniqueId }]),
    agent,
    spoolDir,
    timeoutMs: 300_000,
  });
  try {
    const dr = child(res.body, NS.xdsb, 'DocumentResponse');
    const a = dr ? res.resolveInclude(child(dr, NS.xdsb, 'Document') as Element) : undefined;
    return a?.size ?? -1;
  } finally {
    await res.dispose();
  }
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

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux; undefined elsewhere): on a
 * shared machine the CPU cost per document is the comparable number, throughput depends on load.
 */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await (await import('node:fs/promises')).readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 after the command name; 100 ticks/s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs `fn` and reports the CPU milliseconds per operation of the repository and registry processes. */
async function withCpu<T>(
  pids: { repository: number | undefined; registry: number | undefined },
  ops: number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: string }> {
  const before = [await cpuSeconds(pids.repository), await cpuSeconds(pids.registry)];
  const result = await fn();
  const after = [await cpuSeconds(pids.repository), await cpuSeconds(pids.registry)];
  const per = (i: number): string => {
    const a = after[i];
    const b = before[i];
    return a === undefined || b === undefined ? '?' : (((a - b) * 1000) / ops).toFixed(1);
  };
  return { result, cpu: `CPU per op: repository ${per(0)} ms, registry ${per(1)} ms` };
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
  // The MPI event is consumed asynchronously: wait until the registry accepts the patient.
  for (let i = 0; !(await provide(url, 1000)).ok; i++) {
    if (i > 100) throw new Error('registry never accepted the bench patient');
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(
    `\nblob store ${store} (${CLIENTS} clients; load average ${loadavg()[0]!.toFixed(1)})\n`,
  );

  for (const [size, count] of [
    [100 * 1024, Number(process.env.DOCS_100K ?? 1500)],
    [MB, Number(process.env.DOCS_1M ?? 600)],
  ] as const) {
    await parallel(CLIENTS, () => provide(url, size)); // warm-up
    const pids = { repository: repo.pid, registry: registry.pid };
    const { result: r, cpu } = await withCpu(pids, count, () => parallel(count, () => provide(url, size)));
    const failed = r.results.filter((x) => !x.ok).length;
    process.stdout.write(
      `  ITI-41 ${size === MB ? '1 MB' : '100 KB'}: ${(count / r.seconds).toFixed(1)} docs/s (${count} docs in ${r.seconds.toFixed(1)} s, ${failed} failed; ${cpu})\n`,
    );
    if (size === MB) {
      const ids = r.results.filter((x) => x.ok).map((x) => x.uniqueId);
      const n = Number(process.env.RETRIEVES ?? 2000);
      const { result: g, cpu: gcpu } = await withCpu(pids, n, () =>
        parallel(n, (i) => retrieve(url, ids[i % ids.length]!)),
      );
      const bad = g.results.filter((s) => s !== MB).length;
      process.stdout.write(
        `  ITI-43 1 MB: ${(n / g.seconds).toFixed(1)} retrievals/s (${n} in ${g.seconds.toFixed(1)} s, ${bad} wrong; ${gcpu})\n`,
      );
    }
  }

  // 50 MB: the repository process's peak RSS above its resting RSS, upload then download.
  await ask(repo, 'mark', 'marked');
  const big = await provide(url, 50 * MB);
  const up = await ask<{ base: number; peak: number }>(repo, 'peak', 'peak');
  await ask(repo, 'mark', 'marked');
  const size = await retrieve(url, big.uniqueId);
  const down = await ask<{ base: number; peak: number; overall: number }>(repo, 'peak', 'peak');
  process.stdout.write(
    `  50 MB upload: ${big.ok ? 'Success' : 'FAILED'}, repository RSS ${mb(up.base)} -> peak ${mb(up.peak)} MB (+${mb(up.peak - up.base)})\n` +
      `  50 MB download: ${size === 50 * MB ? 'complete' : `WRONG SIZE ${size}`}, repository RSS ${mb(down.base)} -> peak ${mb(down.peak)} MB (+${mb(down.peak - down.base)})\n` +
      `  repository peak RSS over the whole run: ${mb(down.overall)} MB\n`,
  );
  repo.send({ cmd: 'stop' });
  await new Promise((r) => repo.once('exit', r));
}

registry.kill('SIGTERM');
await new Promise((r) => registry.once('exit', r));
await bus.close();
agent.destroy();
await rm(dataDir, { recursive: true, force: true });
