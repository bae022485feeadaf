/**
 * Starting a service the way the mesh runs it, for service-level tests and benchmarks: on
 * PGlite and the in-process bus, or on PostgreSQL and NATS when DATABASE_URL and NATS_URL are
 * set. A distributed test gets its own NATS subject prefix (its own streams and durable
 * consumers), so other meshes on the same NATS server neither take its events nor bury them
 * under a backlog.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Bus } from '@mesh/bus';
import type { ServiceName } from '@mesh/core';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess, ServiceModules } from '@mesh/runtime';

/** True when the tests run against the real PostgreSQL and NATS. */
export const DISTRIBUTED = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;

export interface TestMesh {
  readonly mesh: MeshProcess;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Starts one service (or several, embedded) in this process; `env` adds or overrides variables. */
export async function startTestMesh(o: {
  modules: ServiceModules;
  service: ServiceName;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<TestMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), `mesh-${o.service}-`));
  const env = {
    DATA_DIR: dataDir,
    PORT: '0',
    ...(DISTRIBUTED
      ? {
          DATABASE_URL: process.env.DATABASE_URL,
          NATS_URL: process.env.NATS_URL,
          MESH_SERVICE: o.service,
          NATS_SUBJECT_PREFIX: `t${randomUUID().replace(/-/g, '').slice(0, 12)}.`,
        }
      : {}),
    ...o.env,
  };
  const mesh = await startMeshProcess({
    config: loadRuntimeConfig(env),
    modules: o.modules,
    env,
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
  return {
    mesh,
    dataDir,
    async close() {
      await mesh.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Makes a patient id known to the registry the way the MPI does: an `mpi.patient-created` event. */
export async function publishPatientCreated(bus: Bus, id: string, assigningAuthority: string): Promise<void> {
  await bus.publish(
    'mpi.patient-created',
    {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      enterpriseId: { id, assigningAuthority },
      identifiers: [],
      transaction: 'ITI-8',
    },
    { msgId: randomUUID() },
  );
}
