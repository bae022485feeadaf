/**
 * Db port overhead: single-row INSERT/s and point SELECT/s through `Db` against the raw
 * driver in the same run, on PostgreSQL (when DATABASE_URL points at a loopback server) and
 * on PGlite (in memory). Sequential, one statement in flight: this measures per-call cost
 * (the port's queue, result mapping), not server throughput. Prints numbers; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pnpm exec tsx libs/db/bench/db.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate, openDb } from '@mesh/db';
import type { Db } from '@mesh/db';

const OPS = Number(process.env.BENCH_OPS ?? 3000);
const WARMUP = 200;
const ROUNDS = 5;
const MAX_MS = 5_000; // per round, so a slow machine still finishes

type Exec = (sql: string, params: unknown[]) => Promise<unknown>;

/** ops/s of `exec` over `n` sequential calls (bounded by MAX_MS). */
async function measure(
  exec: Exec,
  sql: string,
  params: (i: number) => unknown[],
  from: number,
  n: number,
): Promise<number> {
  const start = performance.now();
  let done = 0;
  while (done < n && performance.now() - start < MAX_MS) {
    await exec(sql, params(from + done));
    done++;
  }
  return done / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Db and raw driver measured in alternating rounds and summarised by the median, so drift
 * on a shared machine (other processes, GC, server checkpoints) hits both sides alike.
 */
async function pair(
  label: string,
  db: Exec,
  raw: Exec,
  sql: string,
  params: (i: number) => unknown[],
  offset: number,
) {
  for (let i = 0; i < WARMUP; i++) {
    await db(sql, params(offset + i));
    await raw(sql, params(offset + i));
  }
  const perRound = Math.ceil(OPS / ROUNDS);
  const d: number[] = [];
  const r: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const from = offset + WARMUP + round * perRound;
    d.push(await measure(db, sql, params, from, perRound));
    r.push(await measure(raw, sql, params, from, perRound));
  }
  const [md, mr] = [median(d), median(r)];
  console.log(
    `  ${label.padEnd(18)} Db ${md.toFixed(0).padStart(7)}/s   raw ${mr.toFixed(0).padStart(7)}/s   ratio ${(md / mr).toFixed(2)}`,
  );
}

const INSERT = 'INSERT INTO items (id, label, payload) VALUES ($1, $2, $3)';
const SELECT = 'SELECT id, label, payload FROM items WHERE id = $1';
const row = (i: number) => [i, `label-${i}`, { n: i, tags: ['a', 'b'] }];
/** Ids inserted above, looked up in a scattered order. */
const lookup = (i: number) => [(i * 7919) % OPS];
const TABLE = 'CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL, payload jsonb NOT NULL)';

async function compare(name: string, db: Db, raw: Exec): Promise<void> {
  console.log(name);
  const viaDb: Exec = (sql, params) => db.query(sql, params);
  await pair('INSERT (1 row)', viaDb, raw, INSERT, row, 0);
  await pair('point SELECT', viaDb, raw, SELECT, lookup, 0);
}

function loopbackUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const host = new URL(url).hostname;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(host) ? url : undefined;
}

async function benchPg(url: string): Promise<void> {
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const rawSchema = `${schema}_raw`;
  const db = await openDb({ schema, url, poolSize: 4 });
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${rawSchema}` });
  await client.connect();
  try {
    await migrate(db, [{ version: 1, name: 'items', sql: TABLE }]);
    await client.query(`CREATE SCHEMA ${rawSchema}`);
    await client.query(TABLE);
    await compare('PostgreSQL (pg Pool via Db vs one pg.Client)', db, (s, p) => client.query(s, p));
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${rawSchema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    await db.close();
  }
}

async function benchPglite(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const db = await openDb({ schema: 'bench' });
  const rssAfter = process.memoryUsage().rss;
  const raw = await PGlite.create();
  try {
    await migrate(db, [{ version: 1, name: 'items', sql: TABLE }]);
    await raw.exec(TABLE);
    await compare('PGlite in memory (Db handle vs a bare PGlite instance)', db, (s, p) => raw.query(s, p));
    // Two services on the shared instance: each call switches search_path.
    const other = await openDb({ schema: 'bench_other' });
    await migrate(other, [{ version: 1, name: 'items', sql: TABLE }]);
    let flip = 0;
    const alternating: Exec = (sql, params) => ((flip++ & 1) === 0 ? db : other).query(sql, params);
    await pair('SELECT 2 schemas', alternating, (sql, params) => db.query(sql, params), SELECT, lookup, 0);
    console.log(
      '  (last line: Db alternating between two schemas vs Db on one: cost of switching search_path)',
    );
    await other.close();
    console.log(
      `  RSS growth for the first PGlite instance: ${((rssAfter - rssBefore) / 1e6).toFixed(0)} MB`,
    );
  } finally {
    await raw.close();
    await db.close();
  }
}

console.log(
  `@mesh/db bench: ${OPS} sequential ops per line (after ${WARMUP} warm-up), node ${process.version}`,
);
const url = loopbackUrl(process.env.DATABASE_URL);
if (url === undefined) console.log('PostgreSQL: skipped (set DATABASE_URL to a 127.0.0.1 server)');
else await benchPg(url);
await benchPglite();
