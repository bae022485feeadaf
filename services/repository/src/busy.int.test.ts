/**
 * Overload and concurrent submissions of one document (MESH_BRIEF "Under overload the mesh says
 * so"): with REPOSITORY_MAX_CONCURRENT_SUBMISSIONS=2 and the registry stand-in holding its
 * answers, a third ITI-41 gets the XDSRepositoryBusy fault (HTTP 503, Retry-After), and a second
 * submission of a document whose first submission is still waiting for the registry gets
 * XDSRepositoryBusy in its RegistryResponse; once the registry answers, both held ones succeed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { soapCall } from '@mesh/soap';
import type { SoapResponse } from '@mesh/soap';
import { NS } from '@mesh/xml';
import { repositoryService } from './service.js';
import { ITI41_ACTION, cda, entry, iti41Request, newPatient, submission } from './test-fixtures.js';

const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';

describe('repository under overload (PGlite + in-process bus)', () => {
  let dataDir: string;
  let mesh: MeshProcess;
  const held: (() => void)[] = [];
  let arrived: () => void = () => undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-repository-busy-'));
    const env = { DATA_DIR: dataDir, PORT: '0', REPOSITORY_MAX_CONCURRENT_SUBMISSIONS: '2' };
    mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { repository: repositoryService },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    const sub = mesh.bus.serve('registry.register', async () => {
      await new Promise<void>((release) => {
        held.push(release);
        arrived();
      });
      return {
        responseXml: `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${SUCCESS}"/>`,
        status: 'Success',
      };
    });
    await sub.ready;
  }, 180_000);

  afterAll(async () => {
    for (const r of held) r();
    await mesh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers XDSRepositoryBusy beyond the limit and for a document already being submitted', async () => {
    const patient = newPatient();
    const send = (e: ReturnType<typeof entry>, bytes: Buffer): Promise<SoapResponse> => {
      const { body, attachments } = iti41Request(submission(patient, [e]), [{ id: 'Document01', bytes }]);
      return soapCall(`${mesh.url}/xds/repository`, { action: ITI41_ACTION, body, attachments });
    };
    const registering = (): Promise<void> => new Promise((r) => (arrived = r));
    const x = entry(patient, 'Document01');
    const xBytes = cda(patient, 3000);

    let reached = registering();
    const first = send(x, xBytes);
    await reached;
    // The same document again while its first submission waits for the registry.
    const again = await send({ ...x }, xBytes);
    await again.dispose();
    expect(again.body.getAttribute('status')).toMatch(/Failure$/);
    expect(again.body.getElementsByTagNameNS(NS.rs, 'RegistryError')[0]?.getAttribute('errorCode')).toBe(
      'XDSRepositoryBusy',
    );

    reached = registering();
    const second = send(entry(patient, 'Document01'), cda(patient, 3000));
    await reached;
    // Two in flight: the third is refused before any work.
    const third = await send(entry(patient, 'Document01'), cda(patient, 3000));
    await third.dispose();
    expect(third.status).toBe(503);
    expect(third.fault?.subcode).toBe('XDSRepositoryBusy');

    for (const r of held.splice(0)) r();
    for (const res of [await first, await second]) {
      await res.dispose();
      expect(res.body.getAttribute('status')).toBe(SUCCESS);
    }
  });
});
