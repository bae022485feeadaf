/**
 * @mesh/db: the Db port of ADR 0003. pg pools (distributed) and one shared PGlite instance
 * (embedded) behind one small interface; each service confined to its own schema; versioned
 * SQL migrations per schema under an advisory lock.
 */
export type {
  Db,
  DbTlsOptions,
  IsolationLevel,
  OpenDbOptions,
  Queryable,
  QueryOptions,
  QueryResult,
  TransactionOptions,
} from './types.js';
export { openDb } from './open-db.js';
export {
  DbUnavailableError,
  TransactionAbortedError,
  isConnectionError,
  isSerializationFailure,
  isUniqueViolation,
  sqlState,
} from './errors.js';
export { loadMigrations, migrate, migrationChecksum, MigrationError } from './migrate.js';
export type { Migration, MigrationReport } from './migrate.js';
export { assertSchemaName } from './identifiers.js';
export { openTestDb } from './testing.js';
