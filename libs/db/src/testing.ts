import { randomUUID } from 'node:crypto';
import { quoteIdent } from './identifiers.js';
import { openDb } from './open-db.js';
import type { Db } from './types.js';

/**
 * For integration tests of any package (HOUSE_STYLE "Tests"): a Db on a fresh schema
 * `<prefix>_<random>`, on the PostgreSQL of `DATABASE_URL` when set (CI) and on the in-memory
 * PGlite otherwise. `close()` drops the schema, so files can run in parallel on one server.
 */
export async function openTestDb(
  opts: { prefix?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<Db> {
  const schema = `${opts.prefix ?? 't'}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const url = (opts.env ?? process.env).DATABASE_URL;
  const db = await openDb(url === undefined || url === '' ? { schema } : { schema, url, poolSize: 4 });
  let closing: Promise<void> | undefined;
  return {
    schema: db.schema,
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    transaction: (fn, o) => db.transaction(fn, o),
    ping: () => db.ping(),
    close: () =>
      (closing ??= db
        .query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => db.close())),
  };
}
