/**
 * Keeps service SQL from changing session state that the port manages. On PGlite every
 * service shares one session: a stray `SET search_path` or `BEGIN` through `query()` would
 * put the next service's statements in the wrong schema or inside someone else's
 * transaction. On pg the same statement would poison a pooled connection for a later caller.
 * Guards against accidents, not against hostile code (services are trusted).
 */

/** Leading whitespace and SQL comments (`-- ...`, `/* ... *\/`). */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

function leadingWords(sql: string): [string, string] {
  const words = sql.replace(LEADING_NOISE, '').split(/[\s;(]+/, 2);
  return [(words[0] ?? '').toUpperCase(), (words[1] ?? '').toUpperCase()];
}

const TRANSACTION_CONTROL = new Set(['BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'END', 'ABORT', 'PREPARE']);

/**
 * Throws when `sql` is transaction control or a session-level setting. Inside a transaction,
 * `SET LOCAL` and savepoints (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`) are allowed: they end
 * with the transaction.
 */
export function assertStatementAllowed(sql: string, inTransaction: boolean): void {
  const [first, second] = leadingWords(sql);
  const savepoint = first === 'SAVEPOINT' || first === 'RELEASE' || (first === 'ROLLBACK' && second === 'TO');
  if (inTransaction && savepoint) return;
  if (TRANSACTION_CONTROL.has(first) || savepoint) {
    throw new Error(
      `${first} is not allowed through query(): use db.transaction(fn), which owns BEGIN/COMMIT/ROLLBACK`,
    );
  }
  if (first === 'SET' && !(inTransaction && second === 'LOCAL')) {
    throw new Error(
      'Session-level SET is not allowed through query(): the session is shared (pool or PGlite); use SET LOCAL inside a transaction',
    );
  }
  if (first === 'RESET' || first === 'DISCARD') {
    throw new Error(`${first} is not allowed through query(): the session is shared (pool or PGlite)`);
  }
}
