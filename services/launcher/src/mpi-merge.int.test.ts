/**
 * The MPI and the registry composed in one mesh process (PGlite + in-process bus, or
 * PostgreSQL + NATS when DATABASE_URL / NATS_URL are set), spoken to over the wire only by the
 * conformance harness: the MPI scenarios (test-harness/scenarios/mpi), among them issue 5's
 * end-to-end merge: two identities fed over ITI-8, a document registered (ITI-42) for each
 * national id, ITI-8 A40 merge, and FindDocuments (ITI-18) on the survivor returns both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { registryService } from '@mesh/registry';
import { mpiService } from '@mesh/mpi';
import { expandScenarioPaths, formatReport, runScenarios } from '@mesh/test-harness';

const SCENARIOS = fileURLToPath(new URL('../../../test-harness/scenarios/mpi/', import.meta.url));
const distributed = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;

describe(`mpi + registry in one mesh process (${distributed ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'})`, () => {
  let dataDir: string;
  let mesh: MeshProcess;
  let mllpPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-mpi-merge-'));
    // Distributed mode runs one service per process; both modules in one process is the
    // embedded composition, here on PostgreSQL and NATS when they are configured.
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      MLLP_PORT: '0',
      ...(distributed
        ? {
            DATABASE_URL: process.env.DATABASE_URL,
            NATS_URL: process.env.NATS_URL,
            // Own streams and durable consumers: the merge event must reach this registry.
            NATS_SUBJECT_PREFIX: `merge${process.pid}x${Date.now()}.`,
          }
        : {}),
    };
    const config = loadRuntimeConfig(env);
    mesh = await startMeshProcess({
      config: distributed ? { ...config, mode: 'embedded', service: undefined } : config,
      modules: { registry: registryService, mpi: mpiService },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    mllpPort = Number(
      mesh.served
        .find((s) => s.service === 'mpi' && s.kind === 'mllp')
        ?.where.split(':')
        .pop(),
    );
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('passes the MPI scenarios, the A40 merge with FindDocuments on the survivor included', async () => {
    const report = await runScenarios({
      files: expandScenarioPaths([SCENARIOS]),
      target: { baseUrl: mesh.url, mllp: { host: '127.0.0.1', port: mllpPort } },
    });
    expect(report.failed, formatReport(report)).toBe(0);
    expect(report.scenarios.map((s) => s.id)).toContain('mpi-merge-finddocuments');
    expect(report.skipped).toBe(0);
  }, 120_000);
});
