/**
 * @mesh/registry: the XDS.b Document Registry service (ITI-42, ITI-18, ITI-57, ITI-62) and
 * Patient Identity Consumer. ITI-42 and ITI-18 are served; ITI-57 and ITI-62 are not yet.
 */
export { REGISTRY_MIGRATIONS } from './migrations.js';
export { createRegistryStore } from './store.js';
export type { PatientIdStatus, RegisteredUniqueId, RegistryStore } from './store.js';
export { likePattern } from './queries.js';
export type {
  AndOfOr,
  CodeParam,
  ContentFilters,
  FindDocumentsParams,
  FindFoldersParams,
  FindSubmissionSetsParams,
  GetAllParams,
  GetRelatedDocumentsParams,
  ObjectSelector,
  OrList,
  QueryOptions,
  ReturnType,
  StoredQueries,
  StoredQueryResult,
  TimeRange,
} from './queries.js';
export { normalizeDtm, uuidOf } from './sql.js';
export { registryService } from './service.js';
export { loadRegistryConfig } from './config.js';
export type { RegistryConfig } from './config.js';
export { registerDocumentSet } from './transactions/iti42-register.js';
export { registryResponseXml } from './transactions/iti42-response.js';
export { handleIti18 } from './transactions/iti18.js';
export { parseStoredQuery, STORED_QUERY_IDS } from './transactions/iti18-request.js';
export { buildQueryResponse } from './transactions/iti18-response.js';
