/**
 * ITI-42 over SOAP to an external Document Registry (REPOSITORY_REGISTRY_URL): the port against
 * a real SOAP 1.2 endpoint (the mesh's own @mesh/soap server) playing the registry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, MeshError } from '@mesh/core';
import { soapEndpoint } from '@mesh/soap';
import { NS } from '@mesh/xml';
import { soapRegisterPort } from './service.js';

const ctx = {
  transaction: 'ITI-41' as const,
  principal: ANONYMOUS,
  traceId: 'a'.repeat(32),
  messageId: 'urn:uuid:x',
};

describe('ITI-42 over SOAP to an external registry', () => {
  let app: FastifyInstance;
  let dir: string;
  let url: string;
  let answer: 'success' | 'failure' | 'fault' = 'success';
  const seen: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-soap-reg-'));
    app = Fastify();
    await app.register(soapEndpoint, {
      path: '/registry',
      spoolDir: dir,
      operations: [
        {
          transaction: 'ITI-42',
          action: 'urn:ihe:iti:2007:RegisterDocumentSet-b',
          responseAction: 'urn:ihe:iti:2007:RegisterDocumentSet-bResponse',
          handler: (req) => {
            seen.push(req.body.localName);
            if (answer === 'fault') throw MeshError.of('XDSRegistryBusy', 'busy', { fault: 'busy' });
            const status = answer === 'success' ? 'Success' : 'Failure';
            const errors =
              answer === 'success'
                ? ''
                : `<rs:RegistryErrorList highestSeverity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"><rs:RegistryError errorCode="XDSUnknownPatientId" codeContext="who?" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList>`;
            return Promise.resolve({
              body: `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:${status}">${errors}</rs:RegistryResponse>`,
            });
          },
        },
      ],
    });
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/registry`;
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const submission = `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList/></lcm:SubmitObjectsRequest>`;

  it('returns the registry outcome: Success, or Failure with its errors; a fault keeps its code', async () => {
    const port = soapRegisterPort(url, { timeoutMs: 5_000, spoolDir: dir });
    expect(await port(submission, ctx)).toEqual({ status: 'Success', issues: [] });
    expect(seen).toEqual(['SubmitObjectsRequest']);
    answer = 'failure';
    expect(await port(submission, ctx)).toMatchObject({
      status: 'Failure',
      issues: [{ code: 'XDSUnknownPatientId' }],
    });
    answer = 'fault';
    expect(await port(submission, ctx)).toMatchObject({
      status: 'Failure',
      issues: [{ code: 'XDSRegistryBusy' }],
    });
  });

  it('answers XDSRegistryNotAvailable when the registry cannot be reached', async () => {
    const port = soapRegisterPort('http://127.0.0.1:9/registry', { timeoutMs: 2_000, spoolDir: dir });
    expect(await port(submission, ctx)).toMatchObject({
      status: 'Failure',
      issues: [{ code: 'XDSRegistryNotAvailable' }],
    });
  });
});
