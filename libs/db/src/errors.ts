/**
 * Errors of the db port. Drivers' own errors (pg `DatabaseError`, PGlite `DatabaseError`)
 * pass through unchanged so callers keep the SQLSTATE, constraint and detail; the helpers
 * below read the SQLSTATE from either, also through a `cause` chain.
 */

/**
 * The database cannot be reached or refused the connection (network, server down or
 * restarting, too many connections, pool timeout, closed handle). Transient: services map it
 * to their Busy code / HTTP 503 and readiness fails. The driver error is in `cause`.
 */
export class DbUnavailableError extends Error {
  override readonly name = 'DbUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * COMMIT found the transaction aborted: a statement failed inside it and the callback
 * swallowed the error. PostgreSQL then rolls back (and answers COMMIT with ROLLBACK), so
 * nothing was stored.
 */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
  constructor(
    message = 'Transaction was aborted by a failed statement and rolled back; nothing was committed',
  ) {
    super(message);
  }
}

/** The SQLSTATE of a pg or PGlite error (or of an error in its `cause` chain), if any. */
export function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** unique_violation (23505): e.g. a resubmitted document uniqueId; callers map it to the spec's code. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

/**
 * serialization_failure (40001) or deadlock_detected (40P01): the transaction lost a race and
 * may simply be retried (PostgreSQL docs 13.2.3 / 13.4).
 */
export function isSerializationFailure(err: unknown): boolean {
  const s = sqlState(err);
  return s === '40001' || s === '40P01';
}

/** Node socket errors that mean "no server there / connection lost". */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * SQLSTATEs meaning the server is there but cannot serve us now: class 08 connection
 * exception, 57P01-57P03 admin/crash shutdown and "cannot connect now" (starting up or
 * recovering), 53300 too_many_connections (PostgreSQL Appendix A).
 */
function isUnavailableState(s: string): boolean {
  return s.startsWith('08') || s === '57P01' || s === '57P02' || s === '57P03' || s === '53300';
}

/** pg reports lost connections and pool timeouts with plain Errors that carry no code. */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly|Client was closed|Cannot use a pool after calling end/;

/** True when `err` says the database is unreachable rather than that the statement was wrong. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DbUnavailableError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return isUnavailableState(code);
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message);
}

/** Rethrows connection failures as {@link DbUnavailableError}; anything else unchanged. */
export function translateError(err: unknown, what: string): never {
  if (err instanceof DbUnavailableError) throw err;
  if (isConnectionError(err)) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DbUnavailableError(`Database unavailable (${what}): ${detail}`, { cause: err });
  }
  throw err;
}
