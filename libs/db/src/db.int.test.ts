import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDbContract, uniqueSchema } from './db.contract.js';
import { DbUnavailableError, migrate, openDb, openTestDb } from './index.js';

// ADR 0003: the same contract on both adapters. PGlite always; PostgreSQL when DATABASE_URL
// is set (CI sets it, see .github workflow / HOUSE_STYLE "Tests").
const url = process.env.DATABASE_URL;

runDbContract('pglite', (schema) => openDb({ schema }), { kind: 'pglite' });
runDbContract('pg', (schema) => openDb({ schema, url: url ?? 'postgres://unset', poolSize: 4 }), {
  kind: 'pg',
  ...(url === undefined ? { skip: 'DATABASE_URL not set; CI sets it to the PostgreSQL service' } : {}),
});

describe('openDb', () => {
  it('rejects schema names that are not plain lower-case identifiers', async () => {
    for (const schema of [
      'Registry',
      'a-b',
      '1abc',
      'a"; DROP SCHEMA public; --',
      'pg_catalog',
      '',
      'x'.repeat(64),
    ]) {
      await expect(openDb({ schema })).rejects.toThrow(/Invalid schema name/);
    }
  });

  it('rejects a url that is not a postgres connection string', async () => {
    await expect(openDb({ schema: 'ok', url: 'mysql://x' })).rejects.toThrow(/postgres/);
  });

  it('reports an unreachable server as DbUnavailableError with the driver error as cause', async () => {
    const db = await openDb({
      schema: 'ok',
      url: 'postgres://postgres@127.0.0.1:1/test',
      connectTimeoutMs: 2000,
    });
    try {
      const err = await db.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbUnavailableError);
      expect((err as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
      await expect(db.transaction(() => Promise.resolve(1))).rejects.toBeInstanceOf(DbUnavailableError);
    } finally {
      await db.close();
    }
  });
});

// Each test here starts its own PGlite instance(s): seconds each on a loaded machine.
describe('PGlite host', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('shares one instance between handles of the process and closes it with the last handle', async () => {
    const a = await openDb({ schema: uniqueSchema() });
    const b = await openDb({ schema: uniqueSchema() });
    await migrate(a, [
      { version: 1, name: 'items', sql: 'CREATE TABLE items (n int); INSERT INTO items VALUES (7);' },
    ]);
    // Same database: b can name a's table explicitly (isolation is by search_path, not by instance).
    expect((await b.query(`SELECT n FROM "${a.schema}".items`)).rows).toEqual([{ n: 7 }]);
    await a.close();
    await expect(b.ping()).resolves.toBeUndefined();
    await b.close();
    // A new handle after the last close gets a fresh in-memory instance.
    const c = await openDb({ schema: a.schema });
    await expect(c.query('SELECT * FROM items')).rejects.toThrow(/items/);
    await c.close();
  }, 120_000);

  it('persists under a data directory across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-db-'));
    dirs.push(dir);
    const schema = uniqueSchema();
    const first = await openDb({ schema, dataDir: dir });
    await migrate(first, [{ version: 1, name: 'items', sql: 'CREATE TABLE items (n int);' }]);
    await first.query('INSERT INTO items VALUES ($1)', [42]);
    await first.close();
    const again = await openDb({ schema, dataDir: dir });
    try {
      expect((await again.query('SELECT n FROM items')).rows).toEqual([{ n: 42 }]);
      expect(
        (await migrate(again, [{ version: 1, name: 'items', sql: 'CREATE TABLE items (n int);' }])).applied,
      ).toEqual([]);
    } finally {
      await again.close();
    }
  }, 120_000);

  it('reports a data directory PGlite cannot use as DbUnavailableError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-db-'));
    dirs.push(dir);
    const notADir = join(dir, 'file');
    await writeFile(notADir, 'x');
    await expect(openDb({ schema: 'ok', dataDir: notADir })).rejects.toBeInstanceOf(DbUnavailableError);
    // The failed start is not cached: a second attempt tries again (and fails the same way).
    await expect(openDb({ schema: 'ok', dataDir: notADir })).rejects.toBeInstanceOf(DbUnavailableError);
  }, 120_000);

  it('refuses, instead of deadlocking, a Db call made inside its own transaction', async () => {
    const db = await openDb({ schema: uniqueSchema() });
    try {
      await expect(db.transaction(() => db.query('SELECT 1'))).rejects.toThrow(/inside a transaction/);
      // Once the transaction is over, work started from its async context runs normally.
      let later: Promise<unknown> | undefined;
      await db.transaction(() => {
        later = new Promise((r) => setTimeout(r, 5)).then(() => db.query('SELECT 1'));
        return Promise.resolve();
      });
      await expect(later).resolves.toMatchObject({ rowCount: 1 });
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe.skipIf(url === undefined)('pg connection settings (needs DATABASE_URL)', () => {
  it('applies search_path, statement_timeout and application_name to every pooled connection', async () => {
    const schema = uniqueSchema();
    const db = await openDb({
      schema,
      url: url!,
      poolSize: 2,
      statementTimeoutMs: 1234,
      applicationName: 'mesh-test',
    });
    try {
      const settings = await Promise.all(
        [0, 1, 2, 3].map(() =>
          db.transaction(async (tx) => {
            const { rows } = await tx.query<{ sp: string; st: string; app: string }>(
              "SELECT current_setting('search_path') AS sp, current_setting('statement_timeout') AS st, current_setting('application_name') AS app",
            );
            return rows[0];
          }),
        ),
      );
      for (const s of settings) expect(s).toEqual({ sp: schema, st: '1234ms', app: 'mesh-test' });
      await expect(db.query('SELECT pg_sleep(3)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.close();
    }
  });
});

describe('openTestDb', () => {
  it('gives a migratable schema on the configured adapter and drops it on close', async () => {
    const db = await openTestDb({ prefix: 'otd' });
    expect(db.kind).toBe(url === undefined ? 'pglite' : 'pg');
    expect(db.schema).toMatch(/^otd_[0-9a-f]{16}$/);
    const observer = await openDb(url === undefined ? { schema: 'observer' } : { schema: 'observer', url });
    try {
      await migrate(db, [
        { version: 1, name: 't', sql: 'CREATE TABLE t (n int); INSERT INTO t VALUES (1);' },
      ]);
      expect((await db.query('SELECT n FROM t')).rows).toEqual([{ n: 1 }]);
      const exists = () =>
        observer.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [db.schema]);
      expect((await exists()).rowCount).toBe(1);
      await db.close();
      expect((await exists()).rowCount).toBe(0);
    } finally {
      await observer.close();
    }
  }, 120_000);
});
