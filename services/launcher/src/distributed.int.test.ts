/**
 * The distributed layout end to end: the launcher with DATABASE_URL and NATS_URL starts
 * one process per service (each on its own port, same paths) against the real PostgreSQL
 * and NATS, and the conformance harness plays the foundation scenarios against each
 * service's own port.
 *
 * Needs the real servers: it runs when DATABASE_URL and NATS_URL are set (as `.ci/run`
 * sets them) and is skipped otherwise, since distributed mode is defined by them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESH_SERVICES } from '@mesh/core';
import { expandScenarioPaths, formatReport, runScenarios } from '@mesh/test-harness';
import { freePort, spawnMesh, waitReady } from './spawn-mesh.js';
import type { SpawnedMesh } from './spawn-mesh.js';

const DATABASE_URL = process.env.DATABASE_URL;
const NATS_URL = process.env.NATS_URL;
const SCENARIOS = fileURLToPath(new URL('../../../test-harness/scenarios/', import.meta.url));

/** A run of MESH_SERVICES.length + 1 consecutive free ports (the supervisor uses base + i + 1). */
async function freePortRun(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: MESH_SERVICES.length + 1 }, (_, i) => base + i);
    const free = await Promise.all(ports.map((p) => isFree(p)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no run of free ports found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

describe.skipIf(DATABASE_URL === undefined || NATS_URL === undefined)(
  'distributed mesh: one process per service on PostgreSQL and NATS',
  () => {
    let dataDir: string;
    let mesh: SpawnedMesh;
    let base: number;
    let mllpPort = 0;
    let syslogUdpPort = 0;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'mesh-distributed-'));
      base = await freePortRun();
      mesh = spawnMesh({
        DATABASE_URL: DATABASE_URL ?? '',
        NATS_URL: NATS_URL ?? '',
        // Its own subjects, streams and durable consumers: other meshes on this NATS server (other
        // test files, benchmarks) must not take its events.
        NATS_SUBJECT_PREFIX: `dist${process.pid}.`,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(base),
        MLLP_PORT: String((mllpPort = await freePort())),
        SYSLOG_TLS_PORT: String(await freePort()),
        SYSLOG_UDP_PORT: String((syslogUdpPort = await freePort())),
      });
      await Promise.all(
        MESH_SERVICES.map((_, i) => waitReady(`http://127.0.0.1:${base + i + 1}/readyz`, mesh, 180_000)),
      );
    }, 240_000);

    afterAll(async () => {
      await mesh?.stop(60_000);
      await rm(dataDir, { recursive: true, force: true });
    });

    it('runs every service in its own process, each ready on its own port', async () => {
      for (const [i, spec] of MESH_SERVICES.entries()) {
        const res = await fetch(`http://127.0.0.1:${base + i + 1}/readyz`);
        const body = (await res.json()) as { checks: Record<string, unknown> };
        expect(Object.keys(body.checks), spec.name).toEqual(
          expect.arrayContaining(['bus', `db:${spec.name}`]),
        );
        // Each process serves only its own service's paths.
        for (const other of MESH_SERVICES.filter((s) => s.name !== spec.name)) {
          for (const ep of other.soap) {
            const r = await fetch(`http://127.0.0.1:${base + i + 1}${ep.path}`, {
              method: 'POST',
              body: '<x/>',
            });
            expect(r.status, `${spec.name} must not serve ${ep.path}`).toBe(404);
          }
        }
      }
    });

    it('passes the conformance scenarios against each service port', async () => {
      const routes: Record<string, string> = {};
      MESH_SERVICES.forEach((spec, i) => {
        for (const ep of spec.soap) routes[ep.path] = `http://127.0.0.1:${base + i + 1}`;
        if (spec.api) routes[spec.api] = `http://127.0.0.1:${base + i + 1}`;
      });
      const report = await runScenarios({
        files: expandScenarioPaths([SCENARIOS]),
        target: {
          baseUrl: `http://127.0.0.1:${base + 1}`,
          routes,
          mllp: { host: '127.0.0.1', port: mllpPort },
          syslogUdp: { host: '127.0.0.1', port: syslogUdpPort },
        },
      });
      expect(report.failed, formatReport(report)).toBe(0);
      expect(
        report.scenarios.filter((r) => r.id.startsWith('registry-') && r.status === 'passed').length,
      ).toBe(7);
      // Scenarios that wait for an event to cross the bus may retry for up to 30 s under load.
    }, 120_000);

    it('stops every process on SIGTERM', async () => {
      expect(await mesh.stop(60_000)).toBe(0);
      expect(mesh.output()).toMatch(/registry exited/);
    });
  },
);
