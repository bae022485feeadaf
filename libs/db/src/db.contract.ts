/**
 * The one contract every Db adapter passes (ADR 0003): registered by db.int.test.ts for
 * PGlite always and for PostgreSQL when DATABASE_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DbUnavailableError,
  MigrationError,
  TransactionAbortedError,
  isSerializationFailure,
  isUniqueViolation,
  migrate,
} from './index.js';
import type { Db, Migration } from './index.js';

export type OpenForSchema = (schema: string) => Promise<Db>;

/** A schema name unique to this run, so test files and CI jobs can share one server. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers the contract for one adapter. `open` returns a new handle on `schema` each call;
 * `skip` (a reason) registers the suite as skipped, visibly, instead of silently omitting it.
 */
export function runDbContract(
  name: string,
  open: OpenForSchema,
  opts: { kind: Db['kind']; skip?: string },
): void {
  describe.skipIf(opts.skip !== undefined)(
    `Db contract: ${name}${opts.skip === undefined ? '' : ` (skipped: ${opts.skip})`}`,
    () => {
      const handles: Db[] = [];
      const schemas = new Set<string>();

      /** A handle on a fresh schema, created empty and dropped after the suite. */
      async function fresh(schema = uniqueSchema()): Promise<Db> {
        const db = await open(schema);
        handles.push(db);
        schemas.add(schema);
        await migrate(db, []);
        return db;
      }

      let admin: Db | undefined;

      // Opening first, in a hook, keeps PGlite's start-up (initdb in WASM, seconds on a busy
      // machine) out of the first test's time budget; the handle also drops the schemas at the end.
      beforeAll(async () => {
        admin = await open(uniqueSchema());
      }, 120_000);

      afterAll(async () => {
        if (admin !== undefined) {
          for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        }
        for (const h of handles) await h.close();
        await admin?.close();
      });

      it('runs parameterised queries and reports rowCount like pg', async () => {
        const db = await fresh();
        expect(db.kind).toBe(opts.kind);
        expect(
          (await db.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)')).rowCount,
        ).toBe(0);
        const hostile = `x'); DROP TABLE items; --`;
        const ins = await db.query('INSERT INTO items (id, label) VALUES ($1, $2), ($3, $4)', [
          1,
          'one',
          2,
          hostile,
        ]);
        expect(ins.rowCount).toBe(2);
        const sel = await db.query<{ id: number; label: string }>(
          'SELECT id, label FROM items WHERE id = $1',
          [2],
        );
        expect(sel.rows).toEqual([{ id: 2, label: hostile }]);
        expect(sel.rowCount).toBe(1);
        expect((await db.query('UPDATE items SET label = $1', ['z'])).rowCount).toBe(2);
        expect((await db.query('SELECT * FROM items WHERE id = $1', [99])).rowCount).toBe(0);
      });

      it('returns the same JS types on every driver', async () => {
        const db = await fresh();
        const when = new Date('2024-02-29T12:34:56.789Z');
        const { rows } = await db.query(
          `SELECT $1::int8 AS big, 9007199254740993::int8 AS huge, $2::numeric AS num, $3::bytea AS bin,
                $4::jsonb AS doc, $5::timestamptz AS at, $6::text[] AS tags, $7::bool AS flag, $8::int4 AS small`,
          ['42', '12.50', Buffer.from([0, 1, 255]), { a: [1, 'b'] }, when, ['x', 'y'], true, 7],
        );
        expect(rows[0]).toEqual({
          big: '42',
          huge: '9007199254740993',
          num: '12.50',
          bin: Buffer.from([0, 1, 255]),
          doc: { a: [1, 'b'] },
          at: when,
          tags: ['x', 'y'],
          flag: true,
          small: 7,
        });
        expect(Buffer.isBuffer(rows[0]!.bin)).toBe(true);
      });

      it('runs a prepared statement again and again, on the handle and in transactions', async () => {
        const db = await fresh();
        await db.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
        const upsert =
          'INSERT INTO counters (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = counters.n + EXCLUDED.n RETURNING n';
        for (let i = 1; i <= 12; i++) {
          const run = (q: Pick<Db, 'query'>) => q.query<{ n: number }>(upsert, [i % 3, i], { prepare: true });
          const r = i % 2 === 0 ? await db.transaction(run) : await run(db);
          expect(r.rowCount).toBe(1);
        }
        const { rows } = await db.query<{ id: number; n: number }>(
          'SELECT id, n FROM counters ORDER BY id',
          [],
        );
        expect(rows).toEqual([
          { id: 0, n: 3 + 6 + 9 + 12 },
          { id: 1, n: 1 + 4 + 7 + 10 },
          { id: 2, n: 2 + 5 + 8 + 11 },
        ]);
      });

      it('refuses several statements in one query', async () => {
        const db = await fresh();
        await expect(db.query('SELECT 1; SELECT 2')).rejects.toThrow(/multiple commands/);
      });

      it('commits a transaction and returns its value', async () => {
        const db = await fresh();
        await db.query('CREATE TABLE items (id int PRIMARY KEY)');
        const value = await db.transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES ($1)', [1]);
          await tx.query('INSERT INTO items VALUES ($1)', [2]);
          return (await tx.query<{ n: string }>('SELECT count(*) AS n FROM items')).rows[0]!.n;
        });
        expect(value).toBe('2');
        expect((await db.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
      });

      it('rolls back when the callback throws, rethrowing the same error', async () => {
        const db = await fresh();
        await db.query('CREATE TABLE items (id int PRIMARY KEY)');
        const boom = new Error('boom');
        await expect(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO items VALUES ($1)', [1]);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect((await db.query('SELECT * FROM items')).rowCount).toBe(0);
      });

      it('leaves nothing when a statement fails mid-transaction, even if the callback swallows it', async () => {
        const db = await fresh();
        await db.query('CREATE TABLE items (id int PRIMARY KEY)');
        await expect(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO items VALUES ($1)', [1]);
            await tx.query('INSERT INTO items VALUES ($1)', [1]);
          }),
        ).rejects.toSatisfy(isUniqueViolation);
        await expect(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO items VALUES ($1)', [2]);
            await tx.query('INSERT INTO nowhere VALUES ($1)', [3]).catch(() => undefined);
            return 'swallowed';
          }),
        ).rejects.toBeInstanceOf(TransactionAbortedError);
        expect((await db.query('SELECT * FROM items')).rowCount).toBe(0);
        // The connection is usable afterwards (no transaction left open).
        await db.transaction((tx) => tx.query('INSERT INTO items VALUES ($1)', [4]));
        expect((await db.query('SELECT id FROM items')).rows).toEqual([{ id: 4 }]);
      });

      it('applies the requested isolation level and refuses a tx handle used after the end', async () => {
        const db = await fresh();
        let leaked: { query: Db['query'] } | undefined;
        const level = await db.transaction(
          async (tx) => {
            leaked = tx;
            return (await tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation')).rows[0];
          },
          { isolation: 'serializable' },
        );
        expect(level).toEqual({ transaction_isolation: 'serializable' });
        const def = await db.transaction(
          async (tx) => (await tx.query('SHOW transaction_isolation')).rows[0],
        );
        expect(def).toEqual({ transaction_isolation: 'read committed' });
        await expect(leaked!.query('SELECT 1')).rejects.toThrow(/after the transaction ended/);
      });

      it('refuses session-level statements through query() but allows SET LOCAL and savepoints in a transaction', async () => {
        const db = await fresh();
        for (const sql of [
          'BEGIN',
          ' -- note\n commit',
          'SET search_path TO public',
          '/* x */ reset all',
          'start transaction',
        ]) {
          await expect(db.query(sql)).rejects.toThrow(/not allowed through query/);
        }
        await db.query('CREATE TABLE items (id int PRIMARY KEY)');
        await db.transaction(async (tx) => {
          await expect(tx.query('COMMIT')).rejects.toThrow(/not allowed/);
          await expect(tx.query('SET search_path TO public')).rejects.toThrow(/not allowed/);
          await tx.query('SET LOCAL statement_timeout = 5000');
          await tx.query('INSERT INTO items VALUES (1)');
          await tx.query('SAVEPOINT retry');
          const dup = await tx.query('INSERT INTO items VALUES (1)').catch((e: unknown) => e);
          expect(isUniqueViolation(dup)).toBe(true);
          await tx.query('ROLLBACK TO SAVEPOINT retry');
          await tx.query('INSERT INTO items VALUES (2)');
        });
        expect((await db.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
        expect((await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s).toBe(db.schema);
      });

      it('classifies unique violations and serialization failures from real driver errors', async () => {
        const db = await fresh();
        await db.query('CREATE TABLE items (id int PRIMARY KEY)');
        await db.query('INSERT INTO items VALUES (1)');
        const dup = await db.query('INSERT INTO items VALUES (1)').catch((e: unknown) => e);
        expect(isUniqueViolation(dup)).toBe(true);
        expect(isSerializationFailure(dup)).toBe(false);
        expect(isUniqueViolation(new Error('duplicate', { cause: dup }))).toBe(true);
        const syntax = await db.query('SELEC 1').catch((e: unknown) => e);
        expect(isUniqueViolation(syntax)).toBe(false);
        for (const errcode of ['serialization_failure', 'deadlock_detected']) {
          const err = await db
            .query(`DO $$ BEGIN RAISE EXCEPTION 'lost race' USING ERRCODE = '${errcode}'; END $$`)
            .catch((e: unknown) => e);
          expect(isSerializationFailure(err)).toBe(true);
          expect(isUniqueViolation(err)).toBe(false);
        }
      });

      it('pings, closes idempotently and reports a closed handle as unavailable', async () => {
        const db = await open(uniqueSchema());
        await expect(db.ping()).resolves.toBeUndefined();
        await db.close();
        await db.close();
        await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DbUnavailableError);
        await expect(db.ping()).rejects.toBeInstanceOf(DbUnavailableError);
        await expect(db.transaction(() => Promise.resolve(1))).rejects.toBeInstanceOf(DbUnavailableError);
      });

      describe('migrations', () => {
        const v1: Migration = {
          version: 1,
          name: 'items',
          sql: 'CREATE TABLE items (id int PRIMARY KEY, label text);\nCREATE INDEX items_label ON items (label);',
        };
        const v2: Migration = { version: 2, name: 'seed', sql: "INSERT INTO items VALUES (1, 'seeded');" };

        it('creates the schema, applies pending migrations once, and is a no-op the second time', async () => {
          const schema = uniqueSchema();
          const db = await open(schema);
          handles.push(db);
          schemas.add(schema);
          expect(await migrate(db, [v1])).toEqual({ applied: [1], unknown: [] });
          expect(await migrate(db, [v1, v2])).toEqual({ applied: [2], unknown: [] });
          expect(await migrate(db, [v1, v2])).toEqual({ applied: [], unknown: [] });
          expect((await db.query('SELECT id, label FROM items')).rows).toEqual([{ id: 1, label: 'seeded' }]);
          const recorded = await db.query<{ version: number; name: string; applied_at: Date }>(
            'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
          );
          expect(recorded.rows.map((r) => [r.version, r.name])).toEqual([
            [1, 'items'],
            [2, 'seed'],
          ]);
          expect(recorded.rows[0]!.applied_at).toBeInstanceOf(Date);
          // An older build (knows only v1) still starts on the newer schema and is told so.
          expect(await migrate(db, [v1])).toEqual({ applied: [], unknown: [2] });
        });

        it('refuses to start when an applied migration was edited, naming the version', async () => {
          const db = await fresh();
          await migrate(db, [v1, v2]);
          const edited = { ...v2, sql: "INSERT INTO items VALUES (2, 'edited');" };
          await expect(migrate(db, [v1, edited])).rejects.toThrow(MigrationError);
          await expect(migrate(db, [v1, edited])).rejects.toThrow(/Migration 2 \(seed\).*changed/);
          // CRLF line endings are not an edit.
          await expect(migrate(db, [{ ...v1, sql: v1.sql.replace(/\n/g, '\r\n') }, v2])).resolves.toEqual({
            applied: [],
            unknown: [],
          });
        });

        it('rolls back a failing migration entirely and applies nothing after it', async () => {
          const db = await fresh();
          const bad: Migration = {
            version: 2,
            name: 'bad',
            sql: 'CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);',
          };
          const v3: Migration = { version: 3, name: 'after', sql: 'CREATE TABLE t3 (id int);' };
          await expect(migrate(db, [v1, bad, v3])).rejects.toThrow(/nowhere/);
          const tables = await db.query<{ table_name: string }>(
            'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
            [db.schema],
          );
          expect(tables.rows.map((r) => r.table_name)).toEqual(['items', 'schema_migrations']);
          expect((await db.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: 1 }]);
        });

        it('keeps the handle in its schema after a migration that changes search_path for the session', async () => {
          const db = await fresh();
          await migrate(db, [
            { version: 1, name: 'sneaky', sql: 'CREATE TABLE mine (n int);\nSET search_path TO public;' },
          ]);
          for (let i = 0; i < 3; i++) {
            expect((await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s).toBe(
              db.schema,
            );
            await db.query('INSERT INTO mine VALUES ($1)', [i]);
          }
        });

        it('rejects malformed migration lists', async () => {
          const db = await fresh();
          await expect(migrate(db, [v2])).rejects.toThrow(/gap/);
          await expect(migrate(db, [v1, v1])).rejects.toThrow(/duplicate/);
        });

        it('applies each migration exactly once when two handles migrate concurrently', async () => {
          const schema = uniqueSchema();
          const [a, b] = await Promise.all([open(schema), open(schema)]);
          handles.push(a, b);
          schemas.add(schema);
          // Not idempotent on purpose: running either twice would fail or double the rows.
          const ms: Migration[] = [
            { version: 1, name: 'log', sql: 'CREATE TABLE log (n int);' },
            { version: 2, name: 'one', sql: 'INSERT INTO log VALUES (1); SELECT pg_sleep(0.05);' },
            { version: 3, name: 'two', sql: 'INSERT INTO log VALUES (2);' },
          ];
          const reports = await Promise.all([migrate(a, ms), migrate(b, ms), migrate(a, ms)]);
          expect(reports.flatMap((r) => r.applied).sort()).toEqual([1, 2, 3]);
          expect((await a.query('SELECT n FROM log ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }]);
          expect((await b.query('SELECT count(*)::int AS c FROM schema_migrations')).rows).toEqual([
            { c: 3 },
          ]);
        });
      });

      describe('schema isolation', () => {
        it('confines each handle to its schema: same table name, no cross-talk', async () => {
          const a = await fresh();
          const b = await fresh();
          await a.query('CREATE TABLE items (owner text)');
          await b.query('CREATE TABLE items (owner text)');
          await a.query('INSERT INTO items VALUES ($1)', ['a']);
          await b.query('INSERT INTO items VALUES ($1)', ['b']);
          expect((await a.query('SELECT owner FROM items')).rows).toEqual([{ owner: 'a' }]);
          expect((await b.query('SELECT owner FROM items')).rows).toEqual([{ owner: 'b' }]);
          // A table only in a's schema does not resolve from b (no public fallback either).
          await a.query('CREATE TABLE only_a (x int)');
          await expect(b.query('SELECT * FROM only_a')).rejects.toThrow(/only_a/);
          expect((await b.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s).toBe(b.schema);
        });

        it('keeps interleaved queries and transactions of two handles apart', async () => {
          const a = await fresh();
          const b = await fresh();
          await a.query('CREATE TABLE items (owner text, n int)');
          await b.query('CREATE TABLE items (owner text, n int)');
          const work: Promise<unknown>[] = [];
          for (let i = 0; i < 20; i++) {
            work.push(a.query('INSERT INTO items VALUES ($1, $2)', ['a', i]));
            work.push(
              b.transaction(async (tx) => {
                await tx.query('INSERT INTO items VALUES ($1, $2)', ['b', i]);
                await sleep(1);
                await tx.query('INSERT INTO items VALUES ($1, $2)', ['b', i + 100]);
              }),
            );
            work.push(
              a.transaction(async (tx) => {
                await tx.query('INSERT INTO items VALUES ($1, $2)', ['a', i + 100]);
              }),
            );
          }
          await Promise.all(work);
          const owners = async (db: Db) =>
            (
              await db.query<{ owner: string; c: number }>(
                'SELECT owner, count(*)::int AS c FROM items GROUP BY owner',
              )
            ).rows;
          expect(await owners(a)).toEqual([{ owner: 'a', c: 40 }]);
          expect(await owners(b)).toEqual([{ owner: 'b', c: 40 }]);
        });

        it("never runs another handle's statement inside an open transaction", async () => {
          const a = await fresh();
          const b = await fresh();
          await a.query('CREATE TABLE items (n int)');
          await b.query('CREATE TABLE items (n int)');
          const failing = a.transaction(async (tx) => {
            await tx.query('INSERT INTO items VALUES (1)');
            await sleep(30); // b's insert is queued or runs on another connection meanwhile
            throw new Error('abort a');
          });
          const other = b.query('INSERT INTO items VALUES (2)');
          await expect(failing).rejects.toThrow('abort a');
          await other;
          expect((await a.query('SELECT * FROM items')).rowCount).toBe(0);
          expect((await b.query('SELECT n FROM items')).rows).toEqual([{ n: 2 }]);
        });

        it('serializes concurrent read-modify-write transactions without lost updates', async () => {
          const db = await fresh();
          await db.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
          await db.query('INSERT INTO counter VALUES (1, 0)');
          await Promise.all(
            Array.from({ length: 10 }, () =>
              db.transaction(async (tx) => {
                // FOR UPDATE makes pg serialize on the row; PGlite serializes whole transactions.
                const { rows } = await tx.query<{ n: number }>(
                  'SELECT n FROM counter WHERE id = 1 FOR UPDATE',
                );
                await sleep(2);
                await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [rows[0]!.n + 1]);
              }),
            ),
          );
          expect((await db.query('SELECT n FROM counter')).rows).toEqual([{ n: 10 }]);
        });
      });
    },
  );
}
