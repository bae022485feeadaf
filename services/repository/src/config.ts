/** The repository's own configuration, read once from the environment. */
import { fileURLToPath } from 'node:url';
import { DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import { readEnv } from '@mesh/observability';
import type { DeepReadonly, EnvSource } from '@mesh/observability';

/** Where document bodies are kept (the blob-store port, ADR 0011). */
export type BlobStoreKind = 'fs' | 'pg';

/** What a finding of the CDA validation hook becomes in the ITI-41 response. */
export type CdaFindingSeverity = 'error' | 'warning' | 'off';

export interface RepositoryConfig {
  /** The affinity domain file (AFFINITY_DOMAIN_FILE); default: the shipped national domain. */
  readonly affinityDomainFile: string;
  /**
   * This repository's repositoryUniqueId (REPOSITORY_UNIQUE_ID); must be one of the affinity
   * domain's repositories. Unset: the domain's first repository.
   */
  readonly repositoryUniqueId: string | undefined;
  /** REPOSITORY_BLOB_STORE: fs (files under the data directory) or pg (chunks in the schema). */
  readonly blobStore: BlobStoreKind;
  /** REPOSITORY_BLOB_DIR: directory of the fs blob store; default DATA_DIR/repository/blobs. */
  readonly blobDir: string | undefined;
  /** REPOSITORY_PG_CHUNK_BYTES: size of one bytea chunk of the pg blob store. */
  readonly pgChunkBytes: number;
  /**
   * DATABASE_URL and DATABASE_PASSWORD_FILE (the runtime's): the pg blob store on PostgreSQL
   * opens its own small pool from them for binary COPY (`src/pg-copy.ts`).
   */
  readonly databaseUrl: string | undefined;
  readonly databasePasswordFile: string | undefined;
  /**
   * REPOSITORY_REGISTRY_URL: send ITI-42 over SOAP to this external Document Registry instead of
   * the mesh's registry over the bus (`registry.register`).
   */
  readonly registryUrl: string | undefined;
  /** REPOSITORY_REGISTER_TIMEOUT_MS: how long ITI-41 waits for the registry's ITI-42 answer. */
  readonly registerTimeoutMs: number;
  /**
   * REPOSITORY_PENDING_MAX_AGE_MS: a pending document older than this was left by a submission
   * that died; the sweeper reclaims it. Must exceed the register timeout.
   */
  readonly pendingMaxAgeMs: number;
  /** REPOSITORY_SWEEP_INTERVAL_MS: how often the sweeper runs (it also runs at start). */
  readonly sweepIntervalMs: number;
  /** REPOSITORY_MAX_CONCURRENT_SUBMISSIONS: ITI-41 in flight beyond this get XDSRepositoryBusy. */
  readonly maxConcurrentSubmissions: number;
  /** REPOSITORY_CDA_MAX_BYTES: CDA documents up to this size are parsed and checked. */
  readonly cdaMaxBytes: number;
  /** REPOSITORY_CDA_PATIENT_CHECK: refuse a CDA whose header patient is not the submission's. */
  readonly cdaPatientCheck: boolean;
  /** REPOSITORY_CDA_VALIDATION: what findings of the CDA validation hook become. */
  readonly cdaValidation: CdaFindingSeverity;
}

/** Throws ConfigError naming every bad key. */
export function loadRepositoryConfig(source: EnvSource): DeepReadonly<RepositoryConfig> {
  const env = readEnv(source);
  const registerTimeoutMs = env.int('REPOSITORY_REGISTER_TIMEOUT_MS', {
    default: 30_000,
    min: 100,
    max: 600_000,
  });
  const pendingMaxAgeMs = env.int('REPOSITORY_PENDING_MAX_AGE_MS', {
    default: 10 * 60_000,
    min: 1_000,
    max: 7 * 24 * 3_600_000,
  });
  if (pendingMaxAgeMs <= registerTimeoutMs)
    env.problem(
      'REPOSITORY_PENDING_MAX_AGE_MS',
      `must exceed REPOSITORY_REGISTER_TIMEOUT_MS (${registerTimeoutMs}): a submission still waiting for the registry would be swept`,
    );
  return env.done({
    affinityDomainFile: env.str('AFFINITY_DOMAIN_FILE', {
      default: fileURLToPath(DEFAULT_AFFINITY_DOMAIN_URL),
    }),
    repositoryUniqueId: env.str('REPOSITORY_UNIQUE_ID', { pattern: /[0-2](\.(0|[1-9][0-9]*))+/ }),
    blobStore: env.enumOf('REPOSITORY_BLOB_STORE', ['fs', 'pg'] as const, 'fs'),
    blobDir: env.str('REPOSITORY_BLOB_DIR'),
    // 256 KB: measured faster and leaner than 1 MB under 16 concurrent requests (bench/) when the
    // chunks went through statements, whose bytea the pg driver carries as hex text.
    pgChunkBytes: env.int('REPOSITORY_PG_CHUNK_BYTES', {
      default: 256 * 1024,
      min: 16 * 1024,
      max: 8 * 1024 * 1024,
    }),
    databaseUrl: env.url('DATABASE_URL', { protocols: ['postgres:', 'postgresql:'] }),
    databasePasswordFile: env.str('DATABASE_PASSWORD_FILE'),
    registryUrl: env.url('REPOSITORY_REGISTRY_URL', { protocols: ['http:', 'https:'] }),
    registerTimeoutMs,
    pendingMaxAgeMs,
    sweepIntervalMs: env.int('REPOSITORY_SWEEP_INTERVAL_MS', {
      default: 60_000,
      min: 100,
      max: 24 * 3_600_000,
    }),
    maxConcurrentSubmissions: env.int('REPOSITORY_MAX_CONCURRENT_SUBMISSIONS', {
      default: 64,
      min: 1,
      max: 10_000,
    }),
    cdaMaxBytes: env.int('REPOSITORY_CDA_MAX_BYTES', {
      default: 16 * 1024 * 1024,
      min: 0,
      max: 256 * 1024 * 1024,
    }),
    cdaPatientCheck: env.bool('REPOSITORY_CDA_PATIENT_CHECK', { default: true }),
    cdaValidation: env.enumOf('REPOSITORY_CDA_VALIDATION', ['error', 'warning', 'off'] as const, 'error'),
  });
}
