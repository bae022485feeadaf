import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mesh/observability';
import { loadRepositoryConfig } from './config.js';

describe('loadRepositoryConfig', () => {
  it('has defaults and is frozen', () => {
    const c = loadRepositoryConfig({});
    expect(c).toMatchObject({
      blobStore: 'fs',
      registerTimeoutMs: 30_000,
      pendingMaxAgeMs: 600_000,
      cdaValidation: 'error',
      cdaPatientCheck: true,
      repositoryUniqueId: undefined,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every key', () => {
    const c = loadRepositoryConfig({
      REPOSITORY_UNIQUE_ID: '1.3.6.1.4.1.99999.4.2',
      REPOSITORY_BLOB_STORE: 'pg',
      REPOSITORY_PG_CHUNK_BYTES: '65536',
      REPOSITORY_CDA_VALIDATION: 'warning',
      REPOSITORY_CDA_PATIENT_CHECK: 'false',
    });
    expect(c).toMatchObject({
      repositoryUniqueId: '1.3.6.1.4.1.99999.4.2',
      blobStore: 'pg',
      pgChunkBytes: 65_536,
      cdaValidation: 'warning',
      cdaPatientCheck: false,
    });
  });

  it('fails fast naming every bad key', () => {
    let err: unknown;
    try {
      loadRepositoryConfig({
        REPOSITORY_BLOB_STORE: 's3',
        REPOSITORY_UNIQUE_ID: 'not-an-oid',
        REPOSITORY_REGISTER_TIMEOUT_MS: '5000',
        REPOSITORY_PENDING_MAX_AGE_MS: '4000',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const key of ['REPOSITORY_BLOB_STORE', 'REPOSITORY_UNIQUE_ID', 'REPOSITORY_PENDING_MAX_AGE_MS'])
      expect(msg).toContain(key);
  });
});
