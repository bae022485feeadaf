/**
 * @mesh/repository: the XDS.b Document Repository service (ITI-41, ITI-43, ITI-86) with
 * streaming blob storage (filesystem or PostgreSQL) and no orphans.
 */
export { REPOSITORY_MIGRATIONS } from './migrations.js';
export { repositoryService, createRepositoryService, busRegisterPort, soapRegisterPort } from './service.js';
export type { RepositoryServiceOptions } from './service.js';
export { loadRepositoryConfig } from './config.js';
export type { BlobStoreKind, CdaFindingSeverity, RepositoryConfig } from './config.js';
export type { BlobSource, BlobStore } from './blob-store.js';
export { createFsBlobStore } from './fs-blob-store.js';
export { createPgBlobStore } from './pg-blob-store.js';
export { createRepositoryStore } from './store.js';
export type { NewDocument, RepositoryStore, Reservation, StoredDocument } from './store.js';
export type { CdaFinding, CdaValidator } from './cda.js';
export { provideAndRegister } from './transactions/iti41.js';
export type { ProvideAndRegisterDeps, ProvideAndRegisterResult, RegisterPort } from './transactions/iti41.js';
export { retrieveDocumentSet } from './transactions/iti43.js';
export { removeDocuments } from './transactions/iti86.js';
export type { RemovedDocument } from './transactions/iti86.js';
