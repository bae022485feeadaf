import { loadMigrations } from '@mesh/db';
import type { Migration } from '@mesh/db';

/** The registry schema's migrations (services/registry/migrations), applied by the runtime at start. */
export const REGISTRY_MIGRATIONS: readonly Migration[] = await loadMigrations(
  new URL('../migrations/', import.meta.url),
);
