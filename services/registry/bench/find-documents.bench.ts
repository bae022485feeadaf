/**
 * Registry store benchmark: bulk-loads ENTRIES DocumentEntries (default 100,000) over many
 * patients, then measures FindDocuments for one patient with 50 entries (p50/p99 over QUERIES
 * queries, LeafClass and ObjectRef), and single-document registration throughput through
 * insertSubmission against raw single-row INSERTs of the same DocumentEntry rows, each in its
 * own transaction with CONCURRENCY clients. Prints numbers; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ENTRIES=1000000 \
 *     pnpm exec tsx services/registry/bench/find-documents.bench.ts
 *
 * Without DATABASE_URL it runs on the in-memory PGlite (one connection: CONCURRENCY is moot).
 * The schema is created fresh and dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { migrate, openDb } from '@mesh/db';
import type { Db, Queryable } from '@mesh/db';
import { REGISTRY_MIGRATIONS, createRegistryStore } from '../src/index.js';
import { CONF, EVENT, LOINC, code, documentEntry, patientCx, submission } from '../src/fixtures.js';

const ENTRIES = Number(process.env.ENTRIES ?? 100_000);
const QUERIES = Number(process.env.QUERIES ?? 2_000);
const WRITES = Number(process.env.WRITES ?? 3_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const PER_PATIENT = 20;
const MEASURED = 50;
const BATCH = 5_000;

const url = process.env.DATABASE_URL;
const schema = `registry_bench_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
const db: Db = await openDb(url ? { schema, url, poolSize: CONCURRENCY + 2 } : { schema });
await migrate(db, REGISTRY_MIGRATIONS);
const store = createRegistryStore(db);
const classes = ['11490-0', '26436-6', '18748-4', '34133-9', '60591-5', '57133-1'];

/** One realistic entry per row, as insertSubmission would write it, but many rows per statement. */
/** Seconds spent per table while bulk loading (where the load time goes). */
const loadTimes = new Map<string, number>();
async function timed(q: Queryable, table: string, sql: string, params: unknown[]): Promise<void> {
  const s = performance.now();
  await q.query(sql, params);
  loadTimes.set(table, (loadTimes.get(table) ?? 0) + (performance.now() - s) / 1000);
}

async function bulkLoad(
  q: Queryable,
  count: number,
  patientOf: (i: number) => string,
  offset = 0,
): Promise<void> {
  const template = documentEntry(patientCx(0));
  const now = new Date();
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const c: Record<string, unknown[]> = {
      id: [],
      uid: [],
      pid: [],
      cls: [],
      ct: [],
      ctn: [],
      meta: [],
      ss: [],
      ssUid: [],
      assoc: [],
    };
    for (let k = 0; k < n; k++) {
      const i = offset + start + k;
      const id = randomUUID();
      const pid = patientOf(i);
      const uid = `1.3.182.99.1.${i}`;
      const day = 1 + (i % 28);
      const ct = `2024${String(1 + (i % 12)).padStart(2, '0')}${String(day).padStart(2, '0')}101500`;
      const cls = classes[i % classes.length]!;
      c.id!.push(id);
      c.uid!.push(uid);
      c.pid!.push(pid);
      c.cls!.push(cls);
      c.ct!.push(ct);
      c.ss!.push(randomUUID());
      c.ssUid!.push(`1.3.182.99.2.${i}`);
      c.assoc!.push(randomUUID());
      c.meta!.push(
        JSON.stringify({
          ...template,
          entryUUID: `urn:uuid:${id}`,
          uniqueId: uid,
          patientId: {
            raw: pid,
            id: String(i),
            assigningAuthority: '1.3.182.4.4',
            assigningAuthorityType: 'ISO',
          },
          classCode: code(cls, LOINC),
          creationTime: ct,
        }),
      );
    }
    // Multi-row VALUES, one bind parameter per value: several times faster than unnest() of
    // big text arrays, whose array literals the server must unescape.
    for (let k = 0; k < n; k += 1000) {
      const params: unknown[] = [LOINC, now];
      const tuples: string[] = [];
      for (let j = k; j < Math.min(n, k + 1000); j++) {
        const b = params.length;
        params.push(c.id![j], c.uid![j], c.pid![j], c.cls![j], c.ct![j], c.meta![j], c.ss![j]);
        tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`);
      }
      await timed(
        q,
        'document_entries',
        `INSERT INTO document_entries (entry_uuid, logical_id, version, unique_id, patient_id, status, object_type,
           class_code, class_code_scheme, type_code, type_code_scheme, format_code, format_code_scheme,
           healthcare_facility_type_code, healthcare_facility_type_code_scheme, practice_setting_code,
           practice_setting_code_scheme, creation_time, creation_time_n, service_start_time, service_start_time_n,
           hash, size, repository_unique_id, home_community_id, mime_type, submission_set_uuid, registered_at, metadata)
         SELECT id::uuid, id::uuid, 1, uid, pid, 'Approved', 'stable', cls, $1, '34105-7', $1, 'urn:ihe:pcc:xds-ms:2007',
           '1.3.6.1.4.1.19376.1.2.3', 'HOSP', '1.3.182.2.4.1', '394579002', '2.16.840.1.113883.6.96', ct, ct::bigint,
           '20240305', 20240305000000, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', '4711', '1.3.182.10.1',
           'urn:oid:1.3.182.1', 'text/xml', ss::uuid, $2::timestamptz, meta::jsonb
         FROM (VALUES ${tuples.join(', ')}) AS t(id, uid, pid, cls, ct, meta, ss)`,
        params,
      );
    }
    await timed(
      q,
      'document_unique_ids',
      `INSERT INTO document_unique_ids (unique_id, hash, size, first_entry_uuid)
       SELECT uid, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', '4711', id FROM unnest($1::uuid[], $2::text[]) AS t(id, uid)`,
      [c.id, c.uid],
    );
    await timed(
      q,
      'document_confidentiality_codes',
      `INSERT INTO document_confidentiality_codes (entry_uuid, code, scheme) SELECT id, 'N', $2 FROM unnest($1::uuid[]) AS t(id)`,
      [c.id, CONF],
    );
    await timed(
      q,
      'document_event_codes',
      `INSERT INTO document_event_codes (entry_uuid, code, scheme) SELECT id, 'I21', $2 FROM unnest($1::uuid[]) AS t(id)`,
      [c.id, EVENT],
    );
    await timed(
      q,
      'document_author_persons',
      `INSERT INTO document_author_persons (entry_uuid, ordinal, person)
       SELECT id, 0, '2345^Muller^Anne^^^Dr^^^&1.3.182.4.1&ISO' FROM unnest($1::uuid[]) AS t(id)`,
      [c.id],
    );
    await timed(
      q,
      'submission_sets',
      `INSERT INTO submission_sets (entry_uuid, unique_id, patient_id, status, source_id, submission_time,
         submission_time_n, registered_at, metadata)
       SELECT ss, ssuid, pid, 'Approved', '1.3.182.4.2.17', ct, ct::bigint, $4, '{}'::jsonb
       FROM unnest($1::uuid[], $2::text[], $3::text[], $5::text[]) AS t(ss, ssuid, pid, ct)`,
      [c.ss, c.ssUid, c.pid, now, c.ct],
    );
    await timed(
      q,
      'associations',
      `INSERT INTO associations (id, type, source_id, target_id, status, submission_set_status, metadata)
       SELECT a, 'HasMember', ss, id, 'Approved', 'Original', '{}'::jsonb
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(a, ss, id)`,
      [c.assoc, c.ss, c.id],
    );
  }
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeQueries(label: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await run();
  const t: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const s = performance.now();
    await run();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${pct(t, 50).toFixed(2)} ms, p99 ${pct(t, 99).toFixed(2)} ms, max ${t[t.length - 1]!.toFixed(2)} ms (${QUERIES} queries)`,
  );
}

async function concurrently(count: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: db.kind === 'pg' ? CONCURRENCY : 1 }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

try {
  console.log(
    `registry bench on ${db.kind}${db.kind === 'pg' ? ` (pool ${CONCURRENCY + 2})` : ''}: ${ENTRIES} entries`,
  );
  const patients = Math.max(1, Math.floor(ENTRIES / PER_PATIENT));
  const measured = patientCx('measured');
  let s = performance.now();
  await bulkLoad(db, ENTRIES - MEASURED, (i) => patientCx(i % patients));
  await bulkLoad(db, MEASURED, () => measured, ENTRIES);
  const loadSecs = (performance.now() - s) / 1000;
  console.log(
    `bulk load seconds by table: ${[...loadTimes].map(([t, v]) => `${t} ${v.toFixed(1)}`).join(', ')}`,
  );
  console.log(
    `bulk load: ${ENTRIES} entries (+ codes, author, submission set, association each) in ${loadSecs.toFixed(1)} s = ${Math.round(
      ENTRIES / loadSecs,
    )} entries/s`,
  );
  s = performance.now();
  await db.query('ANALYZE');
  console.log(`ANALYZE: ${((performance.now() - s) / 1000).toFixed(1)} s`);

  const leaf = { returnType: 'LeafClass' as const, limit: 1000 };
  const check = await store.findDocuments({ patientId: measured, status: ['Approved'] }, leaf);
  console.log(`measured patient: ${check.objects.documentEntries.length} entries returned`);
  await timeQueries('FindDocuments LeafClass (patient, Approved)', () =>
    store.findDocuments({ patientId: measured, status: ['Approved'] }, leaf),
  );
  await timeQueries('FindDocuments ObjectRef (patient, Approved)', () =>
    store.findDocuments(
      { patientId: measured, status: ['Approved'] },
      { returnType: 'ObjectRef', limit: 1000 },
    ),
  );
  await timeQueries(
    'FindDocuments LeafClass (+classCode, creationTime range, confidentiality, eventCode)',
    () =>
      store.findDocuments(
        {
          patientId: measured,
          status: ['Approved'],
          classCode: [
            { code: '11490-0', scheme: LOINC },
            { code: '26436-6', scheme: LOINC },
          ],
          creationTime: { from: '202402', to: '202410' },
          confidentialityCode: [[{ code: 'N', scheme: CONF }]],
          eventCodeList: [[{ code: 'I21', scheme: EVENT }]],
        },
        leaf,
      ),
  );

  // Raw single-row INSERTs of the same DocumentEntry row shape, one transaction each.
  const rawTemplate = documentEntry(patientCx('raw'));
  const rawRate = await concurrently(WRITES, async (i) => {
    const id = randomUUID();
    await db.transaction((tx) =>
      tx.query(
        `INSERT INTO document_entries (entry_uuid, logical_id, unique_id, patient_id, status, object_type, class_code,
           class_code_scheme, creation_time, creation_time_n, hash, size, registered_at, metadata)
         VALUES ($1, $1, $2, $3, 'Approved', 'stable', '11490-0', $4, '20240312101500', 20240312101500, 'x', '1', now(), $5::jsonb)`,
        [
          id,
          `1.3.182.99.3.${i}`,
          patientCx(`raw${i % 500}`),
          LOINC,
          JSON.stringify({ ...rawTemplate, entryUUID: id }),
        ],
      ),
    );
  });
  console.log(`raw INSERT (1 document_entries row per transaction): ${Math.round(rawRate)} rows/s`);

  const at = new Date();
  const regRate = await concurrently(WRITES, async (i) => {
    const pid = patientCx(`reg${i % 500}`);
    const sub = submission(pid, [documentEntry(pid)]);
    await db.transaction((tx) => store.insertSubmission(tx, sub, { receivedAt: at }));
  });
  console.log(
    `insertSubmission (1 DocumentEntry + SubmissionSet + HasMember, ~11 rows in 1 statement per transaction): ${Math.round(
      regRate,
    )} registrations/s (${(regRate / rawRate).toFixed(2)} x raw single-row rate)`,
  );
  const size = await db.query<{ total: string; docs: string }>(
    `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS total,
            pg_size_pretty(pg_total_relation_size('document_entries')) AS docs
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schema],
  );
  console.log(
    `schema size: ${size.rows[0]?.total} (document_entries with indexes and TOAST: ${size.rows[0]?.docs})`,
  );
  console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
} finally {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}
