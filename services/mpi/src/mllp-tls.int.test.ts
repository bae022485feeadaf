/**
 * The MPI's MLLP port over mutual TLS (ATNA Secure Node, ITI TF-1 9.2): a client with a
 * certificate of the configured CA is served; one from an unknown CA is refused at the
 * handshake and gets no HL7 answer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { mllpRequest } from '@mesh/mllp';
import { parseHl7 } from '@mesh/hl7v2';
import { createTestPki } from '@mesh/test-support';
import type { TestPki } from '@mesh/test-support';
import { mpiService } from './service.js';

const q23 = Buffer.from(
  'MSH|^~\\&|PIXC|CCHC|MESH_MPI|MESH|20261125||QBP^Q23^QBP_Q21|tls1|P|2.5\rQPD|IHE PIX Query|t1|nobody^^^&1.3.6.1.4.1.99999.2.10001.1&ISO\rRCP|I\r',
);

describe('mpi MLLP over mutual TLS', () => {
  let dir: string;
  let mesh: MeshProcess;
  let port: number;
  let pki: TestPki;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-mpi-tls-'));
    pki = createTestPki();
    await writeFile(join(dir, 'ca.crt'), pki.ca);
    await writeFile(join(dir, 'server.crt'), pki.server.cert);
    await writeFile(join(dir, 'server.key'), pki.server.key);
    const env = {
      DATA_DIR: join(dir, 'data'),
      PORT: '0',
      MLLP_PORT: '0',
      MLLP_TLS_CERT_FILE: join(dir, 'server.crt'),
      MLLP_TLS_KEY_FILE: join(dir, 'server.key'),
      MLLP_TLS_CA_FILE: join(dir, 'ca.crt'),
      MLLP_TLS_CLIENT_AUTH: 'require',
    };
    mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { mpi: mpiService },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    port = Number(
      mesh.served
        .find((s) => s.kind === 'mllp')
        ?.where.split(':')
        .pop(),
    );
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a client with a certificate of the configured CA', async () => {
    const reply = parseHl7(
      await mllpRequest('127.0.0.1', port, q23, {
        tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key, servername: 'localhost' },
      }),
    );
    expect(reply.segment('MSA')?.get(1)).toBe('AE');
    expect(reply.segment('MSA')?.get(2)).toBe('tls1');
  });

  it('refuses a client certificate from another CA', async () => {
    await expect(
      mllpRequest('127.0.0.1', port, q23, {
        tls: { ca: pki.ca, cert: pki.rogueClient.cert, key: pki.rogueClient.key, servername: 'localhost' },
        timeoutMs: 5_000,
      }),
    ).rejects.toThrow();
  });
});
