import { loadMigrations } from '@mesh/db';
import type { Migration } from '@mesh/db';

/** The mpi schema's migrations (services/mpi/migrations), applied by the runtime at start. */
export const MPI_MIGRATIONS: readonly Migration[] = await loadMigrations(
  new URL('../migrations/', import.meta.url),
);
