/**
 * The runtime composes real adapters: PGlite + in-process bus without DATABASE_URL/NATS_URL,
 * PostgreSQL + NATS with them (CI). A test service module proves the contract end to end:
 * its migration is applied to its own schema, its SOAP operation is dispatched, its port
 * handles work, and shutdown drains.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mesh/observability';
import { MeshError } from '@mesh/core';
import { loadRuntimeConfig } from './config.js';
import { startMeshProcess } from './process.js';
import type { MeshProcess } from './process.js';
import type { ServiceModule } from './service.js';

const distributed = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;

const ECHO_ACTION = 'urn:ihe:iti:2010:RetrieveMultipleValueSets';

/** A test-only module for the terminology service: one table, one SOAP operation. */
const testModule: ServiceModule = {
  name: 'terminology',
  migrations: [
    {
      version: 1,
      name: 'echo',
      sql: 'CREATE TABLE IF NOT EXISTS echo_log (id text PRIMARY KEY, body text NOT NULL)',
    },
  ],
  create: async (ctx) => {
    await ctx.db.query('DELETE FROM echo_log');
    return {
      soapOperations: {
        '/svs': [
          {
            transaction: 'ITI-60',
            action: ECHO_ACTION,
            responseAction: 'urn:ihe:iti:2010:RetrieveMultipleValueSetsResponse',
            handler: async (req, rctx) => {
              const id = req.body.getAttribute('id') ?? '';
              if (id === 'busy') throw MeshError.of('XDSRegistryBusy', 'test says busy', { fault: 'busy' });
              await ctx.db.query('INSERT INTO echo_log (id, body) VALUES ($1, $2)', [id, req.body.localName]);
              return { body: `<Echo xmlns="urn:test" id="${id}" tx="${rctx.transaction}"/>` };
            },
          },
        ],
      },
    };
  },
};

function envelope(action: string, body: string): string {
  return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="true">${action}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

describe(`mesh process (${distributed ? 'distributed: PostgreSQL + NATS' : 'embedded: PGlite + in-process bus'})`, () => {
  let dataDir: string;
  let mesh: MeshProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-runtime-'));
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      ...(distributed
        ? {
            DATABASE_URL: process.env.DATABASE_URL,
            NATS_URL: process.env.NATS_URL,
            MESH_SERVICE: 'terminology',
            // Own streams: the shared AUDIT stream may hold a backlog from other runs.
            NATS_SUBJECT_PREFIX: `runtime${process.pid}x${Date.now()}.`,
          }
        : {}),
    };
    const config = loadRuntimeConfig(env);
    mesh = await startMeshProcess({
      config,
      modules: { terminology: testModule },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
  });

  afterAll(async () => {
    await mesh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports what it serves, implemented or not', () => {
    const svs = mesh.served.find((e) => e.where.endsWith('/svs'));
    expect(svs).toMatchObject({ service: 'terminology', kind: 'soap', implemented: true });
    if (!distributed) {
      expect(mesh.served.find((e) => e.where.endsWith('/xds/registry'))).toMatchObject({
        implemented: false,
      });
      expect(mesh.served.find((e) => e.kind === 'mllp')).toMatchObject({ implemented: false });
    }
  });

  it('is live and ready, with database and bus checks', async () => {
    expect((await fetch(`${mesh.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${mesh.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, unknown> };
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['bus', 'db:terminology']));
  });

  it('audits its own start as an ATNA Secure Node (Application Activity, 110120)', async () => {
    const pid = String(process.pid);
    const found = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no application-start audit record')), 10_000);
      const sub = mesh.bus.consume(
        'audit.record-submitted',
        { durable: `runtime-test-${randomUUID().slice(0, 8)}`, inactiveThresholdMs: 30_000 },
        (rec) => {
          if (rec.xml.includes('csd-code="110120"') && rec.xml.includes(`AlternativeUserID="${pid}"`)) {
            clearTimeout(timer);
            void sub.close();
            resolve(rec.xml);
          }
          return Promise.resolve();
        },
      );
    });
    expect(found).toContain('csd-code="110100"');
  });

  it('dispatches a SOAP action to the service, which uses its own schema', async () => {
    const res = await fetch(`${mesh.url}/svs`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${ECHO_ACTION}"` },
      body: envelope(ECHO_ACTION, '<Ping xmlns="urn:test" id="one"/>'),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('id="one"');
    expect(text).toContain('tx="ITI-60"');
    const metrics = await (await fetch(`${mesh.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*transaction="ITI-60"/);
    expect(metrics).toMatch(/mesh_audit_sender\{stat="pending"\} 0/);
  });

  it('renders a MeshError busy fault as a Receiver fault with HTTP 503', async () => {
    const res = await fetch(`${mesh.url}/svs`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${ECHO_ACTION}"` },
      body: envelope(ECHO_ACTION, '<Ping xmlns="urn:test" id="busy"/>'),
    });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('XDSRegistryBusy');
  });

  it.skipIf(distributed)('answers wsa:ActionNotSupported on paths of services not implemented', async () => {
    const action = 'urn:ihe:iti:2007:RegisterDocumentSet-b';
    const res = await fetch(`${mesh.url}/xds/registry`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${action}"` },
      body: envelope(action, '<x/>'),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('ActionNotSupported');
  });
});
