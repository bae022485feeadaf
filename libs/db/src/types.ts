/** Something SQL can be sent to: a service's {@link Db} or the `tx` handle inside a transaction. */
export interface Queryable {
  /**
   * Runs ONE statement with positional parameters (`$1`, `$2`...). Values are always sent as
   * parameters, never spliced into the text; several statements in one call are rejected by
   * the server (extended query protocol on both drivers).
   *
   * Column types come back the same on both drivers: `int8` and `numeric` as strings (no
   * silent precision loss), `bytea` as Buffer, `timestamptz` as Date, `json(b)` parsed.
   * `rowCount` is the number of rows returned (SELECT) or affected (INSERT/UPDATE/DELETE), 0 for DDL.
   */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<R>>;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared on the connection (pg: a named statement, parsed and planned
   * once per connection instead of at every call). Only for statement texts drawn from a small
   * fixed set: each distinct text stays prepared for the connection's lifetime. PGlite ignores it.
   */
  readonly prepare?: boolean;
}

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Transaction isolation levels PostgreSQL implements (read uncommitted behaves as read committed). */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default: the server's default, read committed. */
  readonly isolation?: IsolationLevel;
}

/**
 * One service's handle on its own PostgreSQL schema: unqualified table names resolve in
 * `schema` only (search_path), so services sharing a server or a PGlite instance never see
 * each other's tables by accident.
 */
export interface Db extends Queryable {
  readonly schema: string;
  readonly kind: 'pg' | 'pglite';
  /**
   * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws. If a
   * statement failed inside and `fn` swallowed the error, nothing is committed and
   * {@link TransactionAbortedError} is thrown. Use only `tx` inside `fn`: on PGlite calling the
   * Db itself there would wait for the transaction that waits for it, so it throws instead.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Readiness: resolves when the database answers a trivial query, else throws {@link DbUnavailableError}. */
  ping(): Promise<void>;
  /** Waits for work already queued on this handle, then releases its connections (idempotent). */
  close(): Promise<void>;
}

/** TLS to PostgreSQL; certificates and keys are read from files (secrets never sit in env vars). */
export interface DbTlsOptions {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Default true. */
  readonly rejectUnauthorized?: boolean;
}

export interface OpenDbOptions {
  /** The service's own schema, `^[a-z_][a-z0-9_]{0,62}$`. */
  readonly schema: string;
  /** `postgres://...`: a pg pool against a PostgreSQL server. Absent: the process-wide PGlite. */
  readonly url?: string;
  /** PGlite data directory; absent (and no url): an in-memory PGlite, for tests. */
  readonly dataDir?: string;
  /** pg pool size (default 10). */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity (default `mesh-<schema>`). */
  readonly applicationName?: string;
  /** pg: server-side statement_timeout in milliseconds (default 30 000; 0 disables). */
  readonly statementTimeoutMs?: number;
  /** pg: how long to wait for a connection from the server or the pool (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
  /** pg: TLS; `true` verifies against the system CAs. */
  readonly ssl?: boolean | DbTlsOptions;
  /** pg: file holding the password (trailing newline ignored); overrides one in `url`. */
  readonly passwordFile?: string;
  /**
   * pg: called when an idle pooled connection fails (server restart, network cut). The pool
   * drops that connection and opens a new one on demand; without a listener such errors would
   * crash the process, so pass your logger here.
   */
  readonly onIdleError?: (err: Error) => void;
}
