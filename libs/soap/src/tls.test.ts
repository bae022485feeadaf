import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '@mesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoapCallError, soapCall } from './client.js';
import { soapEndpoint } from './endpoint.js';

let dir: string;
let app: FastifyInstance;
let url: string;
const pem: Record<string, Buffer> = {};
const principals: Principal[] = [];

/** A throw-away CA with a server and a client certificate (EC P-256, one day). */
async function makePki(d: string): Promise<void> {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=Mesh Test CA',
    '-days',
    '1',
  );
  await writeFile(join(d, 'srv.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const [name, subj, ext] of [
    ['srv', '/CN=localhost', ['-extfile', 'srv.ext']],
    ['cli', '/O=Hospital Nord/CN=his.hospital-nord.example', []],
  ] as const) {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...ext,
    );
  }
  for (const f of ['ca.crt', 'srv.key', 'srv.crt', 'cli.key', 'cli.crt']) pem[f] = await readFile(join(d, f));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soap-tls-'));
  await makePki(dir);
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
