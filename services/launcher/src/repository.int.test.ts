/**
 * The XDS.b repository and registry composed as the mesh runs them: in one process (PGlite +
 * in-process bus, as `npm start`), and, when DATABASE_URL and NATS_URL are set, as two
 * distributed processes over PostgreSQL and NATS (the repository with the pg blob store, as in a
 * cluster without shared disks). A patient made known by an MPI event, then over the wire only
 * (the conformance harness): ITI-41 to the repository -> ITI-42 to the registry over the bus ->
 * ITI-18 finds the entry with the repository's hash, size and repositoryUniqueId -> ITI-43
 * returns the same bytes -> ITI-86 removes them. Then the shipped repository and registry scenarios.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import type { Target } from '@mesh/test-harness';
import { registryService } from '@mesh/registry';
import { repositoryService } from '@mesh/repository';
import { expandScenarioPaths, formatReport, runScenarios } from '@mesh/test-harness';
import { publishPatientCreated } from '@mesh/test-support';
import { freePort, spawnMesh, waitReady } from './spawn-mesh.js';

const SCENARIOS = fileURLToPath(new URL('../../../test-harness/scenarios/', import.meta.url));
const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const REPOSITORY = '1.3.6.1.4.1.99999.4.1';

/** ITI-43 for the scenario's document (`${docUid}`), as an MTOM request. */
const retrieveStep = {
  path: '/xds/repository',
  action: 'urn:ihe:iti:2007:RetrieveDocumentSet',
  mtom: true,
  body:
    `<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007"><xdsb:DocumentRequest>` +
    `<xdsb:RepositoryUniqueId>${REPOSITORY}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>\${docUid}</xdsb:DocumentUniqueId>` +
    `</xdsb:DocumentRequest></xdsb:RetrieveDocumentSetRequest>`,
};

interface Topology {
  readonly name: string;
  start(dataDir: string): Promise<{ bus: MeshProcess['bus']; target: Target; close(): Promise<void> }>;
}

const quiet = createLogger({ service: 'test', level: 'silent' });

const EMBEDDED: Topology = {
  name: 'registry + repository in one mesh process (PGlite + in-process bus)',
  async start(dataDir) {
    const env = { DATA_DIR: dataDir, PORT: '0' };
    const mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { registry: registryService, repository: repositoryService },
      env,
      logger: quiet,
    });
    return { bus: mesh.bus, target: { baseUrl: mesh.url }, close: () => mesh.close() };
  },
};

const DISTRIBUTED: Topology = {
  name: 'registry and repository as two processes (PostgreSQL + NATS, pg blob store)',
  async start(dataDir) {
    const common = {
      DATA_DIR: dataDir,
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      NATS_URL: process.env.NATS_URL ?? '',
      // Own streams and durable consumers: other meshes on this NATS server must not take its events.
      NATS_SUBJECT_PREFIX: `repo${process.pid}x${Date.now()}.`,
    };
    // The registry as the launcher runs it (its own process), the repository in this one.
    const port = await freePort();
    const registry = spawnMesh({ ...common, MESH_SERVICE: 'registry', PORT: String(port) });
    const registryUrl = `http://127.0.0.1:${port}`;
    try {
      await waitReady(`${registryUrl}/readyz`, registry);
      const env = { ...common, PORT: '0', MESH_SERVICE: 'repository', REPOSITORY_BLOB_STORE: 'pg' };
      const repository = await startMeshProcess({
        config: loadRuntimeConfig(env),
        modules: { repository: repositoryService },
        env,
        logger: quiet,
      });
      return {
        bus: repository.bus,
        target: { baseUrl: registryUrl, routes: { '/xds/repository': repository.url } },
        close: async () => {
          await repository.close();
          await registry.stop();
        },
      };
    } catch (e) {
      await registry.stop();
      throw e;
    }
  },
};

const topologies =
  process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined
    ? [EMBEDDED, DISTRIBUTED]
    : [EMBEDDED];

describe.each(topologies)('$name', (topology) => {
  let dataDir: string;
  let started: Awaited<ReturnType<Topology['start']>> | undefined;
  let target: Target;
  const patientId = `rep-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-xds-'));
    started = await topology.start(dataDir);
    target = started.target;
    await publishPatientCreated(started.bus, patientId, NATIONAL);
  }, 180_000);

  afterAll(async () => {
    await started?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ITI-41 -> ITI-42 over the bus -> ITI-18 finds it -> ITI-43 returns the same bytes -> ITI-86 removes it', async () => {
    const report = await runScenarios({
      target,
      vars: { patientId: `${patientId}^^^&${NATIONAL}&ISO` },
      scenarios: [
        {
          id: 'xds-provide-find-retrieve-remove',
          vars: { docUid: '${uniqueOid}', ssUid: '${uniqueOid}' },
          steps: [
            {
              name: 'ITI-41 (the MPI event is consumed asynchronously: retried until the registry knows the patient)',
              soap: {
                path: '/xds/repository',
                action: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
                bodyFile: join(SCENARIOS, 'repository/data/pnr.xml'),
                attachments: [{ contentId: 'doc1', contentType: 'text/xml', generate: { bytes: 300_000 } }],
              },
              expect: { status: 200, registryStatus: 'Success' },
              retry: { attempts: 120, intervalMs: 250 },
            },
            {
              name: 'ITI-18 FindDocuments',
              soap: {
                path: '/xds/registry',
                action: 'urn:ihe:iti:2007:RegistryStoredQuery',
                body:
                  `<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">` +
                  `<query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>` +
                  `<rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">` +
                  `<rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'\${patientId}'</rim:Value></rim:ValueList></rim:Slot>` +
                  `<rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>` +
                  `</rim:AdhocQuery></query:AdhocQueryRequest>`,
              },
              expect: {
                status: 200,
                registryStatus: 'Success',
                xpath: [
                  { expr: '//rim:ExtrinsicObject', count: 1 },
                  {
                    expr: "//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value",
                    equals: '${docUid}',
                  },
                  {
                    expr: "//rim:ExtrinsicObject/rim:Slot[@name='hash']/rim:ValueList/rim:Value",
                    equals: '${att.doc1.sha1}',
                  },
                  {
                    expr: "//rim:ExtrinsicObject/rim:Slot[@name='size']/rim:ValueList/rim:Value",
                    equals: '300000',
                  },
                  {
                    expr: "//rim:ExtrinsicObject/rim:Slot[@name='repositoryUniqueId']/rim:ValueList/rim:Value",
                    equals: REPOSITORY,
                  },
                ],
              },
            },
            {
              name: 'ITI-43',
              soap: retrieveStep,
              expect: {
                status: 200,
                registryStatus: 'Success',
                attachmentCount: 1,
                attachments: [
                  { include: '//xdsb:Document/xop:Include/@href', sha1: '${att.doc1.sha1}', size: 300_000 },
                ],
              },
            },
            {
              name: 'ITI-86',
              soap: {
                path: '/xds/repository',
                action: 'urn:ihe:iti:2017:RemoveDocuments',
                body:
                  `<rmd:RemoveDocumentsRequest xmlns:rmd="urn:ihe:iti:rmd:2017" xmlns:xdsb="urn:ihe:iti:xds-b:2007"><xdsb:DocumentRequest>` +
                  `<xdsb:RepositoryUniqueId>${REPOSITORY}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>\${docUid}</xdsb:DocumentUniqueId>` +
                  `</xdsb:DocumentRequest></rmd:RemoveDocumentsRequest>`,
              },
              expect: { status: 200, registryStatus: 'Success' },
            },
            {
              name: 'ITI-43 after ITI-86',
              soap: retrieveStep,
              expect: {
                status: 200,
                registryStatus: 'Failure',
                exactErrorCodes: ['XDSDocumentUniqueIdError'],
              },
            },
          ],
        },
      ],
    });
    expect(report.failed, formatReport(report)).toBe(0);
    expect(report.passed).toBe(1);
  });

  it('passes the repository conformance scenarios (and the registry ones) with both services running', async () => {
    const report = await runScenarios({
      files: expandScenarioPaths([join(SCENARIOS, 'repository'), join(SCENARIOS, 'registry')]),
      target,
    });
    expect(report.failed, formatReport(report)).toBe(0);
    expect(
      report.scenarios.filter((r) => r.id.startsWith('repository-') && r.status === 'passed').length,
    ).toBe(7);
  });
});
