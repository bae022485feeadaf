import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteIdent } from './identifiers.js';
import { canRunScript, RUN_SCRIPT } from './internal.js';
import type { Db, Queryable } from './types.js';

/** One versioned SQL script of a service schema. Versions start at 1 and have no gaps. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface MigrationReport {
  /** Versions this call applied (empty when the schema was already up to date). */
  readonly applied: readonly number[];
  /**
   * Versions recorded in the schema that this build does not ship: a newer release migrated
   * it. Not an error, so a rolling deployment's old replicas keep running (migrations are
   * written expand-then-contract); the caller decides whether to log it.
   */
  readonly unknown: readonly number[];
}

/** Thrown when the migration set is malformed or disagrees with what the schema recorded. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads `NNNN_name.sql` files of a directory, in version order. Other files (README...) are
 * ignored; a `.sql` file not named that way, a duplicate or a gap in the numbering is rejected.
 */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files = (await readdir(path)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    if (m === null) throw new MigrationError(`Migration file ${file} in ${path} is not named NNNN_name.sql`);
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(join(path, file), 'utf8') });
  }
  assertSequence(migrations);
  return migrations;
}

function assertSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      const prev = migrations[i - 1];
      const why = prev !== undefined && prev.version === m.version ? 'duplicate' : 'gap or out of order';
      throw new MigrationError(
        `Migration ${m.version} (${m.name}): ${why}; versions must be 1, 2, 3... in order`,
      );
    }
    if (m.sql.trim() === '') throw new MigrationError(`Migration ${m.version} (${m.name}) is empty`);
  });
}

/** sha256 of the script; line endings normalised so a CRLF checkout does not look like an edit. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Advisory lock key for a schema's migrations: 64 bits of sha256 as a signed bigint, so it
 * does not depend on PostgreSQL's internal hashtext() and different schemas do not contend.
 */
function lockKey(schema: string): string {
  return createHash('sha256').update(`mesh.db.migrate:${schema}`).digest().readBigInt64BE(0).toString();
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Brings `db.schema` to the latest version: creates the schema and its
 * `schema_migrations(version, name, checksum, applied_at)` table if absent, then applies each
 * pending migration in its own transaction, all under a transaction-scoped advisory lock keyed
 * on the schema, so replicas starting together apply each migration exactly once. Refuses to
 * run (MigrationError naming the version) when an applied migration's text changed. Running
 * it again is a no-op.
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<MigrationReport> {
  assertSequence(migrations);
  const schema = quoteIdent(db.schema);
  const table = `${schema}.schema_migrations`;
  const key = lockKey(db.schema);
  const lock = (tx: Queryable) => tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);

  const applied = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    return (await tx.query<AppliedRow>(`SELECT version, name, checksum FROM ${table} ORDER BY version`)).rows;
  });

  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (m !== undefined && migrationChecksum(m.sql) !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.version} (${row.name}) of schema ${db.schema} was changed after it was applied ` +
          '(checksum differs); add a new migration instead of editing an applied one',
      );
    }
  }

  const done = new Set(applied.map((r) => r.version));
  const appliedNow: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // Another replica may have applied it between our read and taking the lock.
      const seen = await tx.query(`SELECT 1 FROM ${table} WHERE version = $1`, [m.version]);
      if (seen.rowCount > 0) return false;
      if (!canRunScript(tx)) throw new MigrationError('This Db does not support running migration scripts');
      await tx[RUN_SCRIPT](m.sql);
      await tx.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        migrationChecksum(m.sql),
      ]);
      return true;
    });
    if (ran) appliedNow.push(m.version);
  }
  const shipped = new Set(known.keys());
  return { applied: appliedNow, unknown: applied.map((r) => r.version).filter((v) => !shipped.has(v)) };
}
