import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '@mesh/core';
import { createTestPki } from '@mesh/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoapCallError, soapCall } from './client.js';
import { soapEndpoint } from './endpoint.js';

let dir: string;
let app: FastifyInstance;
let url: string;
const pem: Record<string, Buffer> = {};
const principals: Principal[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soap-tls-'));
  const pki = createTestPki({ clientSubject: '/O=Hospital Nord/CN=his.hospital-nord.example' });
  Object.assign(pem, {
    'ca.crt': pki.ca,
    'srv.key': pki.server.key,
    'srv.crt': pki.server.cert,
    'cli.key': pki.client.key,
    'cli.crt': pki.client.cert,
  });
  app = Fastify({
    https: {
      key: pem['srv.key'],
      cert: pem['srv.crt'],
      ca: pem['ca.crt'],
      requestCert: true,
      rejectUnauthorized: true,
    },
  });
  await app.register(soapEndpoint, {
    path: '/xds',
    spoolDir: dir,
    operations: [
      {
        transaction: 'ITI-18',
        action: 'urn:test:Who',
        responseAction: 'urn:test:WhoResponse',
        handler: (_req, ctx) => {
          principals.push(ctx.principal);
          return Promise.resolve({ body: '<ok/>' });
        },
      },
    ],
  });
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/xds`;
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mutual TLS', () => {
  it('calls over mutual TLS; the default principal carries the client certificate subject', async () => {
    const res = await soapCall(url, {
      action: 'urn:test:Who',
      body: '<x/>',
      tls: { ca: pem['ca.crt'], cert: pem['cli.crt'], key: pem['cli.key'] },
    });
    expect(res.status).toBe(200);
    expect(res.fault).toBeUndefined();
    expect(principals.at(-1)).toEqual({
      kind: 'anonymous',
      peer: 'O=Hospital Nord,CN=his.hospital-nord.example',
    });
  });

  it('refuses a server certificate from an unknown CA, and the server refuses a client without certificate', async () => {
    await expect(
      soapCall(url, {
        action: 'urn:test:Who',
        body: '<x/>',
        tls: { cert: pem['cli.crt'], key: pem['cli.key'] },
      }),
    ).rejects.toBeInstanceOf(SoapCallError);
    await expect(
      soapCall(url, { action: 'urn:test:Who', body: '<x/>', tls: { ca: pem['ca.crt'] } }),
    ).rejects.toBeInstanceOf(SoapCallError);
  });
});
