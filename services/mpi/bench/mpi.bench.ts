/**
 * MPI benchmark over real MLLP against the service in a mesh process (PostgreSQL + NATS when
 * DATABASE_URL and NATS_URL are set, else PGlite and the in-process bus):
 *
 * 1. bulk-loads PATIENTS identities (default 1,000,000 on PostgreSQL, 50,000 on PGlite)
 *    straight into the mpi schema (enterprise + source identity per patient, realistic
 *    synthetic names, birth dates, sex, postal codes);
 * 2. a raw MLLP echo server in this process under the same load as step 3 (ITI-9 frames,
 *    CONNECTIONS connections, SECONDS): the transport's ceiling on this host, measured in the
 *    same run so that the MPI numbers can be read as a ratio of it;
 * 3. ITI-9 PIX queries/s with CONNECTIONS (16) MLLP connections for SECONDS;
 * 4. ITI-8 feeds/s (new patients, full matching, history, outbox events, audit) likewise;
 * 5. ITI-21 PDQ latency p50/p99 over PDQ_QUERIES queries (family + given, family + birth
 *    date, family prefix + sex), 4 connections.
 *
 * The load generator runs in a child process, so the bench process is the MPI process: its
 * CPU time (process.cpuUsage, every thread) per request is what one request costs the MPI,
 * whatever else competes for the machine's cores. Prints numbers; asserts nothing.
 * MPI_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the MPI's main thread per phase there.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test NATS_URL=nats://127.0.0.1:4222 \
 *     BENCH_RESET_MPI=1 pnpm bench mpi
 *
 * On PostgreSQL the bench owns the `mpi` schema of that database: it refuses to start when the
 * schema exists unless BENCH_RESET_MPI=1, and drops it at the end. The MPI created next in that
 * database starts its national ids again from the first one, which another service's schema
 * (the registry's documents) may still hold: use a scratch database where that matters.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createMllpClient, createMllpServer } from '@mesh/mllp';
import type { Mpi, MpiStats } from '../src/index.js';

const CCHC = '1.3.6.1.4.1.99999.2.10001.1';
const NRH = '1.3.6.1.4.1.99999.2.10002.1';
const NATIONAL = '1.3.6.1.4.1.99999.1.1';

// Synthetic names: syllables give some 20,000 family names and 2,000 given names, so PDQ
// selectivity is realistic (tens of people per family name at 1M, not thousands).
const S1 = [
  'Ber',
  'Dal',
  'Fon',
  'Gra',
  'Hof',
  'Kie',
  'Lam',
  'Mer',
  'Nor',
  'Pet',
  'Reu',
  'Sch',
  'Thi',
  'Wag',
  'Zim',
  'Bra',
  'Cla',
  'Dup',
  'Eis',
  'Fra',
];
const S2 = ['a', 'e', 'i', 'o', 'u', 'ae', 'ei', 'ou', 'ie', 'y'];
const S3 = [
  'ner',
  'ler',
  'mann',
  'ard',
  'ont',
  'ier',
  'sen',
  'ter',
  'ing',
  'ves',
  'lin',
  'nez',
  'ski',
  'ber',
  'din',
  'gel',
  'mer',
  'rot',
  'tal',
  'wig',
];
const S4 = ['', 's', 't', 'o', 'e'];
const G1 = [
  'Ma',
  'Jo',
  'Lu',
  'An',
  'El',
  'Pa',
  'Ca',
  'Li',
  'Ni',
  'Ro',
  'Sa',
  'Te',
  'Vi',
  'Be',
  'Da',
  'Fe',
  'Ge',
  'He',
  'Ir',
  'Ka',
];
const G2 = [
  'rie',
  'han',
  'cas',
  'na',
  'sa',
  'ul',
  'mille',
  'sa',
  'co',
  'land',
  'rah',
  'o',
  'ctor',
  'rt',
  'vid',
  'lix',
  'org',
  'lene',
  'is',
  'rl',
];
const G3 = ['', 'e', 'a', 'o', 'ine'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;

interface Person {
  family: string;
  given: string;
  birthDate: string;
  sex: 'M' | 'F';
  postal: string;
}
function person(i: number): Person {
  const r = rng(i * 7919 + 17);
  const y = 1925 + Math.floor(r() * 98);
  const m = 1 + Math.floor(r() * 12);
  const d = 1 + Math.floor(r() * 28);
  return {
    family: pick(r, S1) + pick(r, S2) + pick(r, S3) + pick(r, S4),
    given: pick(r, G1) + pick(r, G2) + pick(r, G3),
    birthDate: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    sex: r() < 0.5 ? 'M' : 'F',
    postal: `L-${1000 + Math.floor(r() * 8000)}`,
  };
}

// ------------------------------------------------------------------------------ load generator
interface Job {
  port: number;
  kind: 'iti9' | 'iti8' | 'iti21';
  connections: number;
  seconds: number;
  patients: number;
  maxCount: number;
  offset: number;
}

function pidDob(p: Person): string {
  return p.birthDate.replace(/-/g, '');
}

function messageFor(kind: Job['kind'], i: number, patients: number, offset: number): Buffer {
  const ts = '20261125120000';
  if (kind === 'iti9') {
    const k = Math.floor(Math.random() * patients);
    return Buffer.from(
      `MSH|^~\\&|PIXC|CCHC|MESH_MPI|MESH|${ts}||QBP^Q23^QBP_Q21|q${i}|P|2.5\rQPD|IHE PIX Query|t${i}|B${k}^^^&${CCHC}&ISO|^^^&${NATIONAL}&ISO\rRCP|I\r`,
    );
  }
  if (kind === 'iti8') {
    const k = offset + i;
    const p = person(k);
    return Buffer.from(
      `MSH|^~\\&|HIS|NRH|MESH_MPI|MESH|${ts}||ADT^A01^ADT_A01|f${k}|P|2.3.1\rEVN|A01|${ts}\rPID|1||N${k}^^^&${NRH}&ISO||${p.family}^${p.given}^^^^^L||${pidDob(p)}|${p.sex}|||1 rue Principale^^Luxembourg^^${p.postal}^LU^H\rPV1|1|O\r`,
    );
  }
  const p = person(Math.floor(Math.random() * patients));
  const variant = i % 3;
  const qpd =
    variant === 0
      ? `@PID.5.1.1^${p.family}~@PID.5.2^${p.given}`
      : variant === 1
        ? `@PID.5.1.1^${p.family}~@PID.7^${pidDob(p)}`
        : `@PID.5.1.1^${p.family.slice(0, 6)}*~@PID.5.2^${p.given}~@PID.8^${p.sex}`;
  return Buffer.from(
    `MSH|^~\\&|PDQC|CCHC|MESH_MPI|MESH|${ts}||QBP^Q22^QBP_Q21|p${i}|P|2.5\rQPD|IHE PDQ Query|t${i}|${qpd}\rRCP|I|50^RD\r`,
  );
}

async function runJob(
  job: Job,
): Promise<{ count: number; seconds: number; latencies: number[]; errors: number }> {
  const clients = Array.from({ length: job.connections }, () =>
    createMllpClient({ host: '127.0.0.1', port: job.port, timeoutMs: 30_000 }),
  );
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + job.seconds * 1000;
  const start = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (next < job.maxCount && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        const reply = await c.request(messageFor(job.kind, i, job.patients, job.offset));
        latencies.push(performance.now() - t0);
        if (!/\rMSA\|AA\|/.test(reply.toString('latin1'))) errors++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return { count: latencies.length, seconds, latencies, errors };
}

type JobResult = { count: number; seconds: number; latencies: number[]; errors: number };

if (process.env.MPI_BENCH_JOB !== undefined) {
  const r = await runJob(JSON.parse(process.env.MPI_BENCH_JOB) as Job);
  process.send?.(r, () => process.exit(0));
} else {
  await main();
}

/** Runs one job in a child process (tsx loader, no profiler flags), resolving with its result. */
function load(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, MPI_BENCH_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: JobResult | undefined;
    child.once('message', (m) => {
      result = m as JobResult;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

/**
 * CPU time (user + system, µs) of the MPI's PostgreSQL backends (`pgPids`) and of the NATS
 * server, read from /proc (Linux; nothing elsewhere or when they run on another host): what a
 * request costs the rest of the machine. Backends that exit during a phase are missed; NATS
 * also serves whatever else runs on this host.
 */
async function serverCpu(pgPids: ReadonlySet<number>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (process.platform !== 'linux') return out;
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const who =
      comm === 'postgres' && pgPids.has(Number(pid))
        ? 'PostgreSQL (MPI connections)'
        : comm === 'nats-server'
          ? 'NATS'
          : undefined;
    if (!who) continue;
    // Fields after the command: state is field 3, utime 14 and stime 15 (proc(5)).
    const f = stat.slice(close + 2).split(' ');
    out.set(who, (out.get(who) ?? 0) + (Number(f[11]) + Number(f[12])) * tick);
  }
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

// ------------------------------------------------------------------------------ main thread
async function main(): Promise<void> {
  const { createLogger } = await import('@mesh/observability');
  const { loadRuntimeConfig, startMeshProcess } = await import('@mesh/runtime');
  const { openDb } = await import('@mesh/db');
  const { createMpiInstance, mpiService } = await import('../src/index.js');
  const { nameKey, phoneticKey } = await import('../src/index.js');

  const distributed = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;
  const PATIENTS = Number(process.env.PATIENTS ?? (distributed ? 1_000_000 : 50_000));
  const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
  const SECONDS = Number(process.env.SECONDS ?? 10);
  const PDQ_QUERIES = Number(process.env.PDQ_QUERIES ?? 2_000);
  const PHASES = (process.env.PHASES ?? 'echo,iti9,iti8,iti21').split(',');
  const dataDir = await mkdtemp(join(tmpdir(), 'mesh-mpi-bench-'));
  const schema = 'mpi';
  // The run's own streams (deleted at the end): its hundreds of thousands of patient events
  // must not wait in the shared NATS server for the next registry that starts there.
  const subjectPrefix = `mpibench${process.pid}x${Date.now()}.`;
  const env = {
    DATA_DIR: dataDir,
    PORT: '0',
    MLLP_PORT: '0',
    LOG_LEVEL: 'warn',
    ...(distributed
      ? {
          DATABASE_URL: process.env.DATABASE_URL,
          NATS_URL: process.env.NATS_URL,
          MESH_SERVICE: 'mpi',
          NATS_SUBJECT_PREFIX: subjectPrefix,
        }
      : {}),
  };
  if (distributed) {
    // The service runs in its own schema `mpi`; the bench needs it empty and drops it at the
    // end, so it refuses a database whose mpi schema exists unless told otherwise.
    const admin = await openDb({ schema: 'public', url: process.env.DATABASE_URL });
    const existing = await admin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM information_schema.schemata WHERE schema_name = 'mpi'`,
    );
    if (existing.rows[0]?.n !== '0' && process.env.BENCH_RESET_MPI !== '1') {
      await admin.close();
      process.stderr.write(
        'the database already has an mpi schema: point DATABASE_URL at a scratch database or set BENCH_RESET_MPI=1 to drop it\n',
      );
      process.exit(2);
    }
    await admin.query('DROP SCHEMA IF EXISTS mpi CASCADE');
    await admin.close();
  }
  // The service module, keeping a handle on the core for its counters (batch sizes, feed paths).
  const core: { mpi?: Mpi } = {};
  const mesh = await startMeshProcess({
    config: loadRuntimeConfig(env),
    modules: {
      mpi: {
        ...mpiService,
        create: async (ctx) => {
          const instance = await createMpiInstance(ctx);
          core.mpi = instance.mpi;
          return instance;
        },
      },
    },
    env,
    logger: createLogger({ service: 'bench', level: 'warn' }),
  });
  const port = Number(
    mesh.served
      .find((s) => s.kind === 'mllp')
      ?.where.split(':')
      .pop(),
  );
  process.stdout.write(
    `mode: ${distributed ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'}, node ${process.version}\n`,
  );

  // Bulk load through a second handle on the same schema (embedded: the same PGlite).
  const db = await openDb(
    distributed ? { schema, url: process.env.DATABASE_URL } : { schema, dataDir: join(dataDir, 'pg') },
  );
  const t0 = performance.now();
  const BATCH = 10_000;
  for (let start = 0; start < PATIENTS; start += BATCH) {
    const n = Math.min(BATCH, PATIENTS - start);
    const cols: Record<string, unknown[]> = {
      nid: [],
      local: [],
      fk: [],
      gk: [],
      fp: [],
      gp: [],
      bd: [],
      sex: [],
      pc: [],
      dem: [],
    };
    for (let i = start; i < start + n; i++) {
      const p = person(i);
      cols['nid']?.push(`9${String(i).padStart(9, '0')}`);
      cols['local']?.push(`B${i}`);
      cols['fk']?.push(nameKey(p.family));
      cols['gk']?.push(nameKey(p.given));
      cols['fp']?.push(phoneticKey(p.family));
      cols['gp']?.push(phoneticKey(p.given));
      cols['bd']?.push(p.birthDate);
      cols['sex']?.push(p.sex);
      cols['pc']?.push(nameKey(p.postal));
      cols['dem']?.push(
        JSON.stringify({
          names: [{ family: p.family, given: [p.given], use: 'L' }],
          birthDate: p.birthDate,
          sex: p.sex,
          addresses: [
            { street: '1 rue Principale', city: 'Luxembourg', postalCode: p.postal, country: 'LU', use: 'H' },
          ],
        }),
      );
    }
    await db.transaction(async (tx) => {
      await tx.query(
        `WITH e AS (
           INSERT INTO enterprise_identity (national_id, created_at, updated_at)
           SELECT nid, now(), now() FROM unnest($1::text[]) AS nid RETURNING id, national_id)
         INSERT INTO source_identity (authority, local_id, enterprise_id, family_key, given_key, family_phonetic, given_phonetic,
                                      birth_date, sex, postal_code, demographics, complete, created_at, updated_at)
         SELECT $11, v.local, e.id, v.fk, v.gk, v.fp, v.gp, v.bd, v.sex, v.pc, v.dem::jsonb, true, now(), now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                AS v(nid, local, fk, gk, fp, gp, bd, sex, pc, dem)
           JOIN e ON e.national_id = v.nid`,
        [
          cols['nid'],
          cols['local'],
          cols['fk'],
          cols['gk'],
          cols['fp'],
          cols['gp'],
          cols['bd'],
          cols['sex'],
          cols['pc'],
          cols['dem'],
          CCHC,
        ],
      );
    });
  }
  await db.query('ANALYZE source_identity');
  await db.query('ANALYZE enterprise_identity');
  process.stdout.write(
    `bulk load: ${PATIENTS} patients in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  // Service-side cost: this process is the MPI (MLLP, HL7, matching, pg and NATS clients,
  // audit); the load generator is another process. CPU time of this process per request is
  // what one request costs the MPI, whatever else competes for the machine's cores.
  /** Process ids of the MPI's PostgreSQL connections (its pool's application_name), when local. */
  const mpiBackends = async (): Promise<Set<number>> => {
    if (!distributed) return new Set();
    const r = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'mesh-mpi' AND pid <> pg_backend_pid()`,
    );
    return new Set(r.rows.map((x) => Number(x.pid)));
  };
  const profileDir = process.env.MPI_BENCH_CPU_PROF;
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
  }
  const results = new Map<string, { rate: number; cpuUs: number; count: number }>();
  const measure = async (label: string, job: Job, key: string = job.kind): Promise<void> => {
    if (session) await session.post('Profiler.start');
    const elu0 = performance.eventLoopUtilization();
    const pgPids = await mpiBackends();
    const servers0 = await serverCpu(pgPids);
    const cpu0 = process.cpuUsage();
    const stats0 = core.mpi?.stats();
    const r = await load(job);
    const cpu = process.cpuUsage(cpu0);
    for (const pid of await mpiBackends()) pgPids.add(pid);
    const servers1 = await serverCpu(pgPids);
    const stats1 = core.mpi?.stats();
    const elu = performance.eventLoopUtilization(elu0);
    if (session && profileDir) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(join(profileDir, `mpi-${key}.cpuprofile`), JSON.stringify(profile));
    }
    const n = Math.max(1, r.count);
    const cpuUs = (cpu.user + cpu.system) / n;
    const rate = r.count / r.seconds;
    results.set(key, { rate, cpuUs, count: r.count - r.errors });
    const echo = results.get('echo');
    const mean = (k: keyof MpiStats['batches']): string => {
      const a = stats0?.batches[k];
      const b = stats1?.batches[k];
      if (!a || !b || b.batches === a.batches) return '';
      return ` ${k} ${((b.calls - a.calls) / (b.batches - a.batches)).toFixed(1)} per statement;`;
    };
    const paths =
      stats0 &&
      stats1 &&
      stats1.feeds.optimistic + stats1.feeds.transactional >
        stats0.feeds.optimistic + stats0.feeds.transactional
        ? ` feeds ${stats1.feeds.optimistic - stats0.feeds.optimistic} two-statement, ${stats1.feeds.transactional - stats0.feeds.transactional} in a transaction;`
        : '';
    const searches = (stats1?.matching.searches ?? 0) - (stats0?.matching.searches ?? 0);
    const scored =
      searches > 0
        ? ` ${(((stats1?.matching.candidates ?? 0) - (stats0?.matching.candidates ?? 0)) / searches).toFixed(1)} matching candidates per search;`
        : '';
    const batching = `${mean('pix')}${mean('feedReads')}${mean('feedWrites')}${paths}${scored}`;
    const ratio =
      echo && key !== 'echo'
        ? `; ${((rate / echo.rate) * 100).toFixed(0)}% of the echo rate, ${(cpuUs / echo.cpuUs).toFixed(1)}x its CPU`
        : '';
    process.stdout.write(
      `${label}: ${rate.toFixed(0)} /s (${r.count} in ${r.seconds.toFixed(1)} s), p50 ${pct(r.latencies, 50).toFixed(1)} ms, p99 ${pct(r.latencies, 99).toFixed(1)} ms, non-AA ${r.errors}; MPI process CPU ${cpuUs.toFixed(0)} µs per request (user ${(cpu.user / n).toFixed(0)}, system ${(cpu.system / n).toFixed(0)}), main thread ${((elu.active * 1000) / n).toFixed(0)} µs busy (utilisation ${(elu.utilization * 100).toFixed(0)}%)${ratio}\n`,
    );
    if (batching) process.stdout.write(`  batching:${batching}\n`);
    const others = [...servers1]
      .map(([who, us]) => `${who} ${((us - (servers0.get(who) ?? 0)) / n).toFixed(0)} µs`)
      .join(', ');
    if (others) process.stdout.write(`  CPU per request elsewhere on this host: ${others}\n`);
  };
  const loadavg = (): string =>
    (process.platform === 'linux' ? os.loadavg() : []).map((x) => x.toFixed(2)).join(' ');
  process.stdout.write(`load average before the runs: ${loadavg()}\n`);

  /** CONNECTIONS connections sending `kind` messages to `to` for SECONDS. */
  const steady = (kind: Job['kind'], to: number, offset = 0): Job => ({
    port: to,
    kind,
    connections: CONNECTIONS,
    seconds: SECONDS,
    patients: PATIENTS,
    maxCount: 10_000_000,
    offset,
  });

  // The transport's ceiling: an MLLP server answering every frame with a fixed ACK.
  const ack = Buffer.from(
    'MSH|^~\\&|MESH_MPI|MESH|PIXC|CCHC|20261125120000||ACK^Q23^ACK|1|P|2.5\rMSA|AA|q\r',
  );
  const echoServer = createMllpServer({ handler: () => Promise.resolve(ack) });
  const echoPort = (await echoServer.listen(0, '127.0.0.1')).port;
  if (PHASES.includes('echo'))
    await measure(
      `MLLP echo baseline (fixed ACK), ${CONNECTIONS} connections`,
      steady('iti9', echoPort),
      'echo',
    );
  await echoServer.close();

  // Warm-up, then the measured runs.
  await load({ ...steady('iti9', port), seconds: 2, maxCount: 2_000 });
  if (PHASES.includes('iti9'))
    await measure(`ITI-9 PIX query, ${CONNECTIONS} connections`, steady('iti9', port));
  if (PHASES.includes('iti8')) {
    await measure(
      `ITI-8 feed (A01, matching), ${CONNECTIONS} connections`,
      steady('iti8', port, PATIENTS + 1),
    );
    // Every acknowledged feed of a new person must have left exactly its rows.
    const counts = await db.query<{ e: string; s: string; h: string }>(
      `SELECT (SELECT count(*) FROM enterprise_identity)::text AS e, (SELECT count(*) FROM source_identity)::text AS s,
              (SELECT count(*) FROM identity_history)::text AS h`,
    );
    const c = counts.rows[0];
    process.stdout.write(
      `ITI-8 check: ${results.get('iti8')?.count} feeds acknowledged AA; the feeds wrote ${Number(c?.e) - PATIENTS} enterprise identities, ${Number(c?.s) - PATIENTS} source identities, ${c?.h} history rows (expected: one, one and two per feed)\n`,
    );
  }
  if (PHASES.includes('iti21'))
    await measure(`ITI-21 PDQ over ${PATIENTS} patients, 4 connections`, {
      ...steady('iti21', port),
      connections: 4,
      seconds: 120,
      maxCount: PDQ_QUERIES,
    });

  process.stdout.write(`load average after the runs: ${loadavg()}\n`);
  session?.disconnect();
  await db.close();
  await mesh.close();
  await rm(dataDir, { recursive: true, force: true });
  if (distributed) {
    const admin = await openDb({ schema: 'public', url: process.env.DATABASE_URL });
    await admin.query('DROP SCHEMA IF EXISTS mpi CASCADE');
    await admin.close();
    const { connectNats } = await import('@mesh/bus');
    const bus = await connectNats({
      servers: process.env.NATS_URL as string,
      name: 'mpi-bench',
      subjectPrefix,
    });
    await bus.deleteStreams();
    await bus.close();
  }
}
