/**
 * @mesh/audit-repository: the ATNA Audit Record Repository (ITI-20 over syslog TLS/UDP and the
 * bus; PostgreSQL storage with a hash chain; ITI-81 style search and "who accessed my record").
 */
export { auditRepositoryService } from './service.js';
export { AUDIT_MIGRATIONS } from './migrations.js';
export { loadAuditRepositoryConfig } from './config.js';
export type { AuditRepositoryConfig } from './config.js';
export { createAuditStore, monthKey } from './store.js';
export type { AppendResult, AuditStore } from './store.js';
export { createAuditWriter } from './writer.js';
export type { AuditWriter, AuditWriterOptions } from './writer.js';
export { createIngest } from './ingest.js';
export type { Ingest, IngestOutcome } from './ingest.js';
export { canonicalPatientId, prepareRecord, recordKeys } from './record.js';
export type { IngestInput, PreparedRecord, RecordKey, Transport } from './record.js';
export { verifyChains } from './verify.js';
export type { VerifyProblem, VerifyReport } from './verify.js';
export { parseAuditQuery, searchAudit, SearchParamError } from './search.js';
export type { AuditQuery, SearchPage } from './search.js';
export { toAuditEvent, searchsetBundle } from './fhir.js';
export { toAccessEntry } from './accesses.js';
export type { AccessEntry } from './accesses.js';
