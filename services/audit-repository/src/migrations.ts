import { loadMigrations } from '@mesh/db';
import type { Migration } from '@mesh/db';

/** The audit schema's migrations (services/audit-repository/migrations), applied by the runtime at start. */
export const AUDIT_MIGRATIONS: readonly Migration[] = await loadMigrations(
  new URL('../migrations/', import.meta.url),
);
