const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name: lower-case ASCII identifier of at most 63 bytes (PostgreSQL's
 * NAMEDATALEN - 1), so it never needs escaping and is never truncated. Names starting with
 * `pg_` are reserved for system schemas (PostgreSQL docs 5.9.5).
 */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new TypeError(
      `Invalid schema name ${JSON.stringify(schema)}: expected ${SCHEMA_NAME.source}, not pg_*`,
    );
  }
}

/** Double-quotes an identifier already checked by {@link assertSchemaName} (defence in depth). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
