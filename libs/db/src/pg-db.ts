import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { TransactionAbortedError, DbUnavailableError, translateError } from './errors.js';
import { BEGIN, RUN_SCRIPT } from './internal.js';
import { assertStatementAllowed } from './statement-guard.js';
import type { ScriptRunner } from './internal.js';
import type {
  Db,
  DbTlsOptions,
  OpenDbOptions,
  Queryable,
  QueryOptions,
  QueryResult,
  TransactionOptions,
} from './types.js';

type PgQueryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * One statement through the extended protocol: like PGlite it refuses several statements
 * in one string, so a service cannot rely on stacked statements that work on one driver only.
 */
async function runQuery<R>(
  target: PgQueryable,
  sql: string,
  params: readonly unknown[] | undefined,
  opts: QueryOptions | undefined,
): Promise<QueryResult<R>> {
  // `queryMode` exists in pg >= 8.12 but not in @types/pg 8.23.
  const config: pg.QueryConfig & { queryMode: 'extended' } = {
    text: sql,
    values: params === undefined ? [] : [...params],
    queryMode: 'extended',
    ...(opts?.prepare ? { name: statementName(sql) } : {}),
  };
  const res = await target.query<pg.QueryResultRow>(config);
  return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
}

const statementNames = new Map<string, string>();

/** A prepared statement's name: derived from its text, so every connection names it alike. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `mesh_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Transaction handle over one pooled client; refuses use after COMMIT/ROLLBACK. */
class PgTx implements Queryable, ScriptRunner {
  done = false;
  constructor(private readonly client: pg.PoolClient) {}

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<R>> {
    if (this.done) throw new Error('Transaction handle used after the transaction ended');
    assertStatementAllowed(sql, true);
    try {
      return await runQuery<R>(this.client, sql, params, opts);
    } catch (err) {
      return translateError(err, 'query');
    }
  }

  /** Set once a script ran: it may have changed session settings, so the connection is not reused. */
  ranScript = false;

  async [RUN_SCRIPT](sql: string): Promise<void> {
    if (this.done) throw new Error('Transaction handle used after the transaction ended');
    this.ranScript = true;
    await this.client.query(sql); // simple protocol: a migration file holds several statements
  }
}

function readSecret(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

function tlsConfig(ssl: boolean | DbTlsOptions | undefined): boolean | ConnectionOptions | undefined {
  if (ssl === undefined || typeof ssl === 'boolean') return ssl;
  return {
    rejectUnauthorized: ssl.rejectUnauthorized ?? true,
    ...(ssl.caFile === undefined ? {} : { ca: readFileSync(ssl.caFile, 'utf8') }),
    ...(ssl.certFile === undefined ? {} : { cert: readFileSync(ssl.certFile, 'utf8') }),
    ...(ssl.keyFile === undefined ? {} : { key: readFileSync(ssl.keyFile, 'utf8') }),
  };
}

/** A pg pool whose every connection has search_path = the service schema. */
export class PgDb implements Db {
  readonly kind = 'pg';
  #closed = false;

  private constructor(
    readonly schema: string,
    private readonly pool: pg.Pool,
  ) {}

  static create(opts: OpenDbOptions & { url: string }): PgDb {
    const statementTimeout = opts.statementTimeoutMs ?? 30_000;
    const ssl = tlsConfig(opts.ssl);
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      application_name: opts.applicationName ?? `mesh-${opts.schema}`,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      // Startup parameters, applied by the server before the first query: no window where a
      // fresh connection runs with the default search_path. The schema name is a validated
      // identifier ([a-z0-9_]), so it needs no escaping in the options string.
      options: `-c search_path=${opts.schema}`,
      ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
      ...(ssl === undefined ? {} : { ssl }),
      ...(opts.passwordFile === undefined ? {} : { password: readSecret(opts.passwordFile) }),
    });
    // An idle client's socket error is emitted on the pool; unhandled it would kill the process.
    pool.on('error', (err) => opts.onIdleError?.(err));
    return new PgDb(opts.schema, pool);
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<R>> {
    this.#assertOpen();
    assertStatementAllowed(sql, false);
    try {
      return await runQuery<R>(this.pool, sql, params, opts);
    } catch (err) {
      return translateError(err, 'query');
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.#assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      return translateError(err, 'connect');
    }
    const tx = new PgTx(client);
    let broken: Error | undefined;
    try {
      await client.query(BEGIN[opts.isolation ?? 'default']);
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        tx.done = true;
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw err;
      }
      tx.done = true;
      const commit = await client.query('COMMIT');
      // PostgreSQL answers COMMIT of an aborted transaction with the ROLLBACK tag, not an error.
      if (commit.command === 'ROLLBACK') throw new TransactionAbortedError();
      return result;
    } catch (err) {
      return translateError(err, 'transaction');
    } finally {
      tx.done = true;
      // A client whose ROLLBACK failed is in an unknown state, and a migration script may have
      // run a session-level SET: destroy such a client rather than hand it to the next caller.
      client.release(broken ?? tx.ranScript);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  #assertOpen(): void {
    if (this.#closed) throw new DbUnavailableError(`Db for schema ${this.schema} is closed`);
  }
}
