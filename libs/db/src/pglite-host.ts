import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import type { Results } from '@electric-sql/pglite';
import { DbUnavailableError, TransactionAbortedError } from './errors.js';
import { quoteIdent } from './identifiers.js';
import { BEGIN, RUN_SCRIPT } from './internal.js';
import type { ScriptRunner } from './internal.js';
import { SerialQueue } from './serial-queue.js';
import { assertStatementAllowed } from './statement-guard.js';
import type { Db, Queryable, QueryResult, TransactionOptions } from './types.js';

/**
 * Parsers making PGlite return what node-postgres returns, so service code behaves the same
 * on both: int8 as string (a JS number silently loses precision above 2^53), bytea as Buffer.
 */
const PG_COMPATIBLE_PARSERS = {
  [types.INT8]: (x: string) => x,
  [types.BYTEA]: (x: string) => Buffer.from(x.startsWith('\\x') ? x.slice(2) : x, 'hex'),
};

function toResult<R>(res: Results<R>): QueryResult<R> {
  // rowCount: rows returned by SELECT or touched by DML (per statement); DDL reports neither.
  return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? 0 };
}

/** What the transaction running in this async context holds (to detect self-deadlock). */
interface TxScope {
  active: boolean;
}

/**
 * One PGlite instance (one connection) shared by every service handle of the process for a
 * data directory. Work is serialized through one queue; `search_path` is switched between
 * statements of different schemas, never inside a transaction, and a transaction holds the
 * queue until COMMIT/ROLLBACK so two services' transactions never interleave.
 */
class PgliteHost {
  readonly queue = new SerialQueue();
  readonly scope = new AsyncLocalStorage<TxScope>();
  /** The session's current search_path schema; undefined until the first switch. */
  #current: string | undefined;

  constructor(readonly pglite: PGlite) {}

  /** Must run inside the queue. Sets the session search_path when the last user was another schema. */
  /**
   * Forget the session's search_path: after a transaction, whose statements (a migration
   * script, set_config()) may have changed it for the session, the next operation sets it again.
   */
  forgetSchema(): void {
    this.#current = undefined;
  }

  async use(schema: string): Promise<void> {
    if (this.#current === schema) return;
    // Outside a transaction SET is session-level and survives; inside one it would be undone
    // by a ROLLBACK, which is why switching happens only between queued operations.
    await this.pglite.exec(`SET search_path TO ${quoteIdent(schema)}`);
    this.#current = schema;
  }

  /** Queues `fn`, refusing (instead of deadlocking) when called from inside an open transaction. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()?.active === true) {
      return Promise.reject(
        new Error(
          'Db called inside a transaction on the same PGlite instance: it would wait for the transaction that ' +
            'waits for it. Use the tx handle, or run it after the transaction.',
        ),
      );
    }
    if (this.pglite.closed) return Promise.reject(new DbUnavailableError('PGlite instance is closed'));
    return this.queue.run(fn);
  }
}

interface HostEntry {
  refs: number;
  readonly host: Promise<PgliteHost>;
}

/** Process-wide registry: one PGlite per data directory ('memory' for the in-memory one). */
const hosts = new Map<string, HostEntry>();
/** Instances being closed, so a re-open of the same directory waits for the files to be released. */
const closing = new Map<string, Promise<void>>();

function hostKey(dataDir: string | undefined): string {
  return dataDir === undefined ? 'memory' : `dir:${resolve(dataDir)}`;
}

async function createHost(key: string, dataDir: string | undefined): Promise<PgliteHost> {
  await closing.get(key);
  try {
    const pglite = await PGlite.create(dataDir, {
      parsers: PG_COMPATIBLE_PARSERS,
    });
    return new PgliteHost(pglite);
  } catch (err) {
    throw new DbUnavailableError(`Cannot open PGlite${dataDir === undefined ? '' : ` at ${dataDir}`}`, {
      cause: err,
    });
  }
}

function releaseHost(key: string, entry: HostEntry): void {
  entry.refs--;
  if (entry.refs > 0 || hosts.get(key) !== entry) return;
  hosts.delete(key);
  const done = entry.host
    .then((h) => h.queue.run(() => h.pglite.close()))
    .catch(() => undefined)
    .finally(() => {
      if (closing.get(key) === done) closing.delete(key);
    });
  closing.set(key, done);
}

/** Transaction handle: runs directly on the connection while its transaction holds the queue. */
class PgliteTx implements Queryable, ScriptRunner {
  done = false;
  constructor(private readonly pglite: PGlite) {}

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    if (this.done) throw new Error('Transaction handle used after the transaction ended');
    assertStatementAllowed(sql, true);
    return toResult(await this.pglite.query<R>(sql, params === undefined ? [] : [...params]));
  }

  async [RUN_SCRIPT](sql: string): Promise<void> {
    if (this.done) throw new Error('Transaction handle used after the transaction ended');
    await this.pglite.exec(sql);
  }
}

/** A service's handle on the shared PGlite instance, confined to its schema. */
export class PgliteDb implements Db {
  readonly kind = 'pglite';
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    readonly schema: string,
    private readonly host: PgliteHost,
    private readonly release: () => void,
  ) {}

  /** Attaches to (or starts) the process-wide instance for `dataDir`. */
  static async open(schema: string, dataDir: string | undefined): Promise<PgliteDb> {
    const key = hostKey(dataDir);
    let entry = hosts.get(key);
    if (entry === undefined) {
      entry = { refs: 0, host: createHost(key, dataDir) };
      hosts.set(key, entry);
    }
    // Count the reference before awaiting so a concurrent last close() cannot shut it under us.
    entry.refs++;
    const held = entry;
    let host: PgliteHost;
    try {
      host = await held.host;
    } catch (err) {
      held.refs--;
      if (hosts.get(key) === held) hosts.delete(key);
      throw err;
    }
    return new PgliteDb(schema, host, () => releaseHost(key, held));
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    if (this.#closed) throw this.#closedError();
    assertStatementAllowed(sql, false);
    const values = params === undefined ? [] : [...params];
    const { pglite } = this.host;
    return await this.host.run(async () => {
      await this.host.use(this.schema);
      try {
        return toResult(await pglite.query<R>(sql, values));
      } finally {
        // Last line of defence for the shared session: never leave it inside a transaction
        // opened by something the guard did not recognise (e.g. a function that commits).
        if (pglite.isInTransaction()) await pglite.exec('ROLLBACK');
      }
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const { pglite } = this.host;
    return this.host.run(async () => {
      await this.host.use(this.schema);
      await pglite.exec(BEGIN[opts.isolation ?? 'default']);
      const tx = new PgliteTx(pglite);
      const scope: TxScope = { active: true };
      try {
        let result: T;
        try {
          result = await this.host.scope.run(scope, () => fn(tx));
        } catch (err) {
          tx.done = true;
          await pglite.exec('ROLLBACK');
          throw err;
        }
        tx.done = true;
        const [commit] = await pglite.exec('COMMIT');
        // PostgreSQL answers COMMIT of an aborted transaction with the ROLLBACK tag, not an error.
        if (commit?.command === 'ROLLBACK') throw new TransactionAbortedError();
        return result;
      } finally {
        tx.done = true;
        scope.active = false;
        this.host.forgetSchema();
      }
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      // Queue a no-op: it runs after this handle's earlier work, then the reference is dropped.
      this.#closing = this.host.queue.run(() => Promise.resolve()).finally(this.release);
    }
    return this.#closing;
  }

  #closedError(): DbUnavailableError {
    return new DbUnavailableError(`Db for schema ${this.schema} is closed`);
  }
}
