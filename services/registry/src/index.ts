/**
 * @mesh/registry: the XDS.b Document Registry service (ITI-42, ITI-18, ITI-57, ITI-62) and
 * Patient Identity Consumer. So far: its storage and the stored-query data access.
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
