/**
 * "Who accessed my record" with many stored events: bulk-loads AUDIT_BENCH_EVENTS audit
 * records (default 2,000,000; the issue asks for 10M: set AUDIT_BENCH_EVENTS=10000000) into a
 * schema of their own, spread over 12 monthly partitions, 100,000 patients, 500 users, real
 * ITI-43 XML per record (the loader fills a template in SQL, so it is fast but the bulk rows
 * are not hash-chained: this measures search, not ingest). Then times the patient view
 * (first page of 50, newest first, parsed and rendered as it is served) for random patients,
 * a deep page through a cursor, and a FHIR search by patient and date range. Needs
 * DATABASE_URL (PostgreSQL). Prints numbers; asserts nothing about speed.
 */
import { randomUUID } from 'node:crypto';
import { auditSource, buildTransactionAudit, parseAuditXml, toAuditXml } from '@mesh/audit';
import { migrate, openDb } from '@mesh/db';
import { toAccessEntry } from '../src/accesses.js';
import { AUDIT_MIGRATIONS } from '../src/migrations.js';
import { parseAuditQuery, searchAudit } from '../src/search.js';
import { createAuditStore } from '../src/store.js';
import { physician } from '../src/testing/physician.js';

const url = process.env['DATABASE_URL'];
const N = Number(process.env['AUDIT_BENCH_EVENTS'] ?? 2_000_000);
const KEEP = process.env['AUDIT_BENCH_KEEP'] === '1';
const PATIENTS = 100_000;
const AA = '1.3.6.1.4.1.99999.1.1';
if (url === undefined) {
  console.log('search: skipped (needs DATABASE_URL)');
  process.exit(0);
}

const template = toAuditXml(
  buildTransactionAudit({
    transaction: 'ITI-43',
    side: 'responder',
    outcome: 'Success',
    eventDateTime: '2026-01-01T00:00:00.000Z',
    initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.1.2.3' },
    responder: {
      userId: 'https://mesh.example/xds/repository',
      altUserId: '4242',
      networkAccessPoint: 'mesh.example',
    },
    principal: physician('Dr __U__', '__U__@hospital.example'),
    auditSource: auditSource('mesh-repository', 'LU'),
    patientId: `__P__^^^&${AA}&ISO`,
    documents: [{ uniqueId: '1.2.3.4.__I__', repositoryUniqueId: '1.3.6.1.4.1.99999.2.1' }],
  }),
).replace('2026-01-01T00:00:00.000Z', '__T__');

const schema = `auditsearch_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const db = await openDb({ schema, url, poolSize: 4, statementTimeoutMs: 0 });
const pct = (xs: number[], p: number): number =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const summary = (xs: number[]): string => {
  xs.sort((a, b) => a - b);
  return `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${xs[xs.length - 1]!.toFixed(1)} ms (${xs.length} queries)`;
};

try {
  await migrate(db, AUDIT_MIGRATIONS);
  const store = createAuditStore(db);
  await store.initChains(4);
  const start = new Date(Date.UTC(2025, 11, 1));
  await store.ensurePartitions(start, 12);
  const span = 365 * 86_400; // seconds of received/event time covered
  const t0 = performance.now();
  const CHUNK = 250_000;
  for (let from = 0; from < N; from += CHUNK) {
    const to = Math.min(N, from + CHUNK) - 1;
    // i -> patient i % PATIENTS, user i % 500, time spread evenly over the year, chain i % 4.
    await db.query(
      `INSERT INTO event (chain, seq, received_at, event_time, message_id, transport, peer, source_id,
                          event_code, action, outcome, subtype, form, xml, prev_hash, hash)
       SELECT i % 4, i, t, t, NULL, 'bus', 'bench', 'mesh-repository', '110106', 'R', 0, 'ITI-43', 'dicom',
              replace(replace(replace(replace($1, '__P__', 'P' || (i % ${PATIENTS})), '__U__', 'user' || (i % 500)),
                              '__I__', i::text), '__T__', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              '\\x00', '\\x00'
         FROM (SELECT i, $2::timestamptz + make_interval(secs => (i::float8 * ${span}) / ${N}) AS t
                 FROM generate_series($3::bigint, $4::bigint) i) g`,
      [template, start.toISOString(), from, to],
    );
    await db.query(
      `INSERT INTO event_key (kind, value, event_time, received_at, chain, seq)
       SELECT k.kind, k.value, g.t, g.t, g.i % 4, g.i
         FROM (SELECT i, $1::timestamptz + make_interval(secs => (i::float8 * ${span}) / ${N}) AS t
                 FROM generate_series($2::bigint, $3::bigint) i) g,
         LATERAL (VALUES ('P', 'P' || (g.i % ${PATIENTS}) || '^^^&${AA}&ISO'),
                         ('U', 'user' || (g.i % 500) || '@hospital.example'),
                         ('U', 'Dr user' || (g.i % 500)),
                         ('S', 'ITI-43')) AS k(kind, value)`,
      [start.toISOString(), from, to],
    );
    process.stdout.write(`\r  loaded ${(to + 1).toLocaleString('en')} events`);
  }
  await db.query('ANALYZE event');
  await db.query('ANALYZE event_key');
  const loadS = (performance.now() - t0) / 1000;
  const size = await db.query<{ s: string }>(
    `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'i', 't')`,
    [schema],
  );
  console.log(
    `\nbulk load: ${N.toLocaleString('en')} events (+${(4 * N).toLocaleString('en')} search keys) in ${loadS.toFixed(0)} s, ${size.rows[0]?.s} on disk`,
  );

  const patient = () => `P${Math.floor(Math.random() * PATIENTS)}^^^&${AA}&ISO`;
  // Warm-up, then the measured runs.
  for (let i = 0; i < 20; i++)
    await searchAudit(db, { date: [], keys: [{ kind: 'P', value: patient() }], count: 50 });
  const accesses: number[] = [];
  const queryOnly: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    const page = await searchAudit(db, { date: [], keys: [{ kind: 'P', value: patient() }], count: 50 });
    queryOnly.push(performance.now() - t);
    page.records.map((r) => toAccessEntry(r.id, parseAuditXml(r.xml)));
    accesses.push(performance.now() - t);
  }
  console.log(`patient accesses, first page of 50, database query only: ${summary(queryOnly)}`);
  console.log(
    `patient accesses, first page of 50 (~${Math.round(N / PATIENTS)} accesses per patient), rendered: ${summary(accesses)}`,
  );

  const deep: number[] = [];
  for (let i = 0; i < 100; i++) {
    const value = patient();
    let page = await searchAudit(db, { date: [], keys: [{ kind: 'P', value }], count: 10 });
    const t = performance.now();
    if (page.next) {
      page = await searchAudit(
        db,
        parseAuditQuery({ patient: value, _count: '10', _cursor: page.next }, 200),
      );
      page.records.map((r) => toAccessEntry(r.id, parseAuditXml(r.xml)));
    }
    deep.push(performance.now() - t);
  }
  console.log(`patient accesses, next page via cursor: ${summary(deep)}`);

  const fhir: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await searchAudit(
      db,
      parseAuditQuery({ patient: patient(), date: ['ge2026-03-01', 'lt2026-09-01'], _count: '50' }, 200),
    );
    fhir.push(performance.now() - t);
  }
  console.log(`FHIR search patient + date range: ${summary(fhir)}`);

  const byUser: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await searchAudit(
      db,
      parseAuditQuery(
        { user: `user${Math.floor(Math.random() * 500)}@hospital.example`, date: 'ge2026-06', _count: '50' },
        200,
      ),
    );
    byUser.push(performance.now() - t);
  }
  console.log(
    `FHIR search user + date (~${Math.round(N / 500).toLocaleString('en')} events per user): ${summary(byUser)}`,
  );
} finally {
  if (!KEEP) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  else console.log(`kept schema ${schema}`);
  await db.close();
}
