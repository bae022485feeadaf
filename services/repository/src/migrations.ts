import { loadMigrations } from '@mesh/db';
import type { Migration } from '@mesh/db';

/** The repository schema's migrations (services/repository/migrations), applied by the runtime at start. */
export const REPOSITORY_MIGRATIONS: readonly Migration[] = await loadMigrations(
  new URL('../migrations/', import.meta.url),
);
