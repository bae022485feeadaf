/**
 * The service implementations this build contains. The launcher is the composition root:
 * the only place that imports services. A service absent here still has its paths served
 * (every action answers wsa:ActionNotSupported) and is reported as not implemented.
 */
import { auditRepositoryService } from '@mesh/audit-repository';
import { mpiService } from '@mesh/mpi';
import { registryService } from '@mesh/registry';
import { repositoryService } from '@mesh/repository';
import type { ServiceModules } from '@mesh/runtime';

export const MODULES: ServiceModules = Object.freeze({
  registry: registryService,
  repository: repositoryService,
  mpi: mpiService,
  'audit-repository': auditRepositoryService,
});
