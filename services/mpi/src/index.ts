/**
 * @mesh/mpi: the master patient index (PIX Manager, PDQ Supplier) with identity vigilance.
 * HL7v2 over MLLP (ITI-8, ITI-9, ITI-10, ITI-21) is served; the HL7 V3 transactions call
 * the same transport-neutral core ({@link Mpi}: feed, pixQuery, pdqQuery, cancelQuery).
 */
export { mpiService, createMpiInstance } from './service.js';
export type { MpiInstance } from './service.js';
export { createMpi } from './mpi.js';
export type { Decision, Mpi, MpiOptions, MpiStats, ReviewItem, SourceIndicators } from './mpi.js';
export { MpiError } from './model.js';
export type {
  Actor,
  FeedCommand,
  FeedDecision,
  FeedResult,
  MpiErrorCode,
  MpiErrorTarget,
  PdqCriteria,
  PdqPatient,
  PdqResult,
  PixResult,
  SourceIdentifier,
} from './model.js';
export {
  DEFAULT_MATCH_POLICY,
  decide,
  jaroWinkler,
  matchScore,
  nameKey,
  nameSimilarity,
  normaliseText,
  phoneticKey,
} from './matching.js';
export type { Address, Demographics, MatchBreakdown, MatchPolicy, PersonName } from './matching.js';
export { MPI_MIGRATIONS } from './migrations.js';
export { loadMpiConfig } from './config.js';
export type { MpiConfig, Iti10Subscriber } from './config.js';
