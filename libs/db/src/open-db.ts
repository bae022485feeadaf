import { assertSchemaName } from './identifiers.js';
import { PgDb } from './pg-db.js';
import { PgliteDb } from './pglite-host.js';
import type { Db, OpenDbOptions } from './types.js';

/**
 * Opens a service's handle on its schema (ADR 0003): with `url`, a pg pool against
 * PostgreSQL (distributed deployment); without, the process-wide PGlite instance under
 * `dataDir` (embedded deployment; in-memory when `dataDir` is absent), shared by every
 * service of the process. Does not create the schema: {@link migrate} does.
 */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  assertSchemaName(opts.schema);
  if (opts.url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(opts.url)) {
      throw new TypeError('Db url must be a postgres:// or postgresql:// connection string');
    }
    if (opts.poolSize !== undefined && !(Number.isInteger(opts.poolSize) && opts.poolSize > 0)) {
      throw new TypeError(`Db poolSize must be a positive integer, got ${opts.poolSize}`);
    }
    return PgDb.create({ ...opts, url: opts.url });
  }
  return PgliteDb.open(opts.schema, opts.dataDir);
}
