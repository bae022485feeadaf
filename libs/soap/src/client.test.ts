import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { MeshError } from '@mesh/core';
import { NS, child, text } from '@mesh/xml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoapCallError, soapCall } from './client.js';
import { soapEndpoint } from './endpoint.js';
import type { SoapOperation } from './endpoint.js';
import { xopInclude } from './mtom.js';

const PNR = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b';
const RET_RESP = 'urn:ihe:iti:2007:RetrieveDocumentSetResponse';
const MB = 1024 * 1024;

/** A deterministic byte stream of `total` bytes, generated chunk by chunk (never held whole). */
function* pattern(total: number, chunk = 64 * 1024): Generator<Buffer> {
  const base = Buffer.alloc(chunk);
  for (let i = 0; i < chunk; i++) base[i] = (i * 31 + 7) & 0xff;
  for (let off = 0; off < total; off += chunk) {
    const b = Buffer.from(base.subarray(0, Math.min(chunk, total - off)));
    if (b.length >= 4) b.writeUInt32BE(off, 0);
    yield b;
  }
}
function patternSha1(total: number): string {
  const h = createHash('sha1');
  for (const b of pattern(total)) h.update(b);
  return h.digest('hex');
}

let app: FastifyInstance;
const serverErrors: unknown[] = [];
let url: string;
let serverSpool: string;
let clientSpool: string;
const received: { size: number; sha1: string; spooled: boolean }[] = [];

/** Echoes every received document back as an MTOM attachment, streamed from the server's spool. */
const echoDocs: SoapOperation = {
  transaction: 'ITI-41',
  action: PNR,
  responseAction: RET_RESP,
  handler: (req) => {
    const out = [];
    for (const [id, a] of req.attachments) {
      received.push({ size: a.size, sha1: a.sha1, spooled: a.path !== undefined });
      out.push({ contentId: `back-${id}`, contentType: a.contentType, open: () => a.open() });
    }
    const body = out
      .map((a) => `<xdsb:Document xmlns:xdsb="${NS.xdsb}">${xopInclude(a.contentId)}</xdsb:Document>`)
      .join('');
    return Promise.resolve({
      body: `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}">${body}</xdsb:RetrieveDocumentSetResponse>`,
      attachments: out,
    });
  },
};
const slow: SoapOperation = {
  transaction: 'ITI-18',
  action: 'urn:test:Slow',
  responseAction: 'urn:test:SlowResponse',
  handler: async () => {
    await new Promise((r) => setTimeout(r, 2000));
    return { body: '<ok/>' };
  },
};
const busy: SoapOperation = {
  transaction: 'ITI-18',
  action: 'urn:test:Busy',
  responseAction: 'urn:test:BusyResponse',
  handler: () => Promise.reject(MeshError.of('XDSRegistryBusy', 'too many requests', { fault: 'busy' })),
};

beforeAll(async () => {
  serverSpool = await mkdtemp(join(tmpdir(), 'soap-srv-'));
  clientSpool = await mkdtemp(join(tmpdir(), 'soap-cli-'));
  app = Fastify();
  await app.register(soapEndpoint, {
    path: '/xds',
    operations: [echoDocs, slow, busy],
    spoolDir: serverSpool,
    onError: (e) => serverErrors.push(e),
    soapVersions: ['1.2', '1.1'],
  });
  await app.register(soapEndpoint, {
    path: '/small',
    operations: [echoDocs],
    spoolDir: serverSpool,
    limits: { maxAttachmentBytes: MB },
  });
  const addr = await app.listen({ port: 0, host: '127.0.0.1' });
  url = `${addr}/xds`;
});
afterAll(async () => {
  await app.close();
  await rm(serverSpool, { recursive: true, force: true });
  await rm(clientSpool, { recursive: true, force: true });
});

async function emptied(dir: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const left = await readdir(dir);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 10));
  }
  return readdir(dir);
}

describe('soapCall over TCP', () => {
  it('streams a 50 MB attachment to the server and back, bytes and SHA-1 intact, no temp file left', async () => {
    const size = 50 * MB;
    const expected = patternSha1(size);
    received.length = 0;
    const res = await soapCall(url, {
      action: PNR,
      body: `<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="${NS.xdsb}"><xdsb:Document id="d1">${xopInclude('doc1@test')}</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>`,
      attachments: [
        { contentId: 'doc1@test', contentType: 'application/pdf', open: () => Readable.from(pattern(size)) },
      ],
      spoolDir: clientSpool,
      timeoutMs: 120_000,
    });
    expect(res.status).toBe(200);
    expect(res.fault).toBeUndefined();
    expect(res.action).toBe(RET_RESP);
    expect(res.relatesTo).toBe(res.requestMessageId);
    expect(received).toEqual([{ size, sha1: expected, spooled: true }]);
    const doc = child(res.body, NS.xdsb, 'Document')!;
    const back = res.resolveInclude(doc)!;
    expect(back).toMatchObject({
      contentId: 'back-doc1@test',
      size,
      sha1: expected,
      contentType: 'application/pdf',
    });
    // Re-reading the spooled file gives the same digest.
    const h = createHash('sha1');
    for await (const c of back.open()) h.update(c as Buffer);
    expect(h.digest('hex')).toBe(expected);
    expect(await readdir(clientSpool)).toHaveLength(1);
    await res.dispose();
    expect(await readdir(clientSpool)).toEqual([]);
    expect(await emptied(serverSpool)).toEqual([]);
  });

  it('returns a SOAP fault as a response with code, subcode and reason', async () => {
    const res = await soapCall(url, { action: 'urn:unknown', body: '<x/>' });
    expect(res.status).toBe(400);
    expect(res.fault).toMatchObject({ code: 'Sender', subcode: 'ActionNotSupported' });
    expect(res.fault!.subcodes[0]!.ns).toBe(NS.wsa);
    expect(res.relatesTo).toBe(res.requestMessageId);
    const b = await soapCall(url, { action: 'urn:test:Busy', body: '<x/>' });
    expect(b.status).toBe(503);
    expect(b.fault).toMatchObject({
      code: 'Receiver',
      subcode: 'XDSRegistryBusy',
      reason: 'too many requests',
    });
  });

  it('speaks SOAP 1.1 (SOAPAction) when asked', async () => {
    const res = await soapCall(url, { action: 'urn:unknown', body: '<x/>', version: '1.1' });
    expect(res.version).toBe('1.1');
    expect(res.status).toBe(500);
    expect(res.fault).toMatchObject({ code: 'Client', subcode: 'ActionNotSupported' });
    expect(text(child(child(res.fault!.detail!, NS.wsa, 'ProblemAction')!, NS.wsa, 'Action'))).toBe(
      'urn:unknown',
    );
  });

  it('gets the limit fault from a server that stops reading an oversized upload', async () => {
    received.length = 0;
    const res = await soapCall(url.replace('/xds', '/small'), {
      action: PNR,
      body: `<x>${xopInclude('big@test')}</x>`,
      attachments: [
        {
          contentId: 'big@test',
          contentType: 'application/octet-stream',
          open: () => Readable.from(pattern(3 * MB)),
        },
      ],
    });
    // The server answers as soon as the limit is crossed (Connection: close); the client reads
    // that fault although its own upload was cut short.
    expect(res).toMatchObject({
      status: 400,
      fault: { code: 'Sender', reason: `Attachment exceeds ${MB} bytes` },
    });
    expect(received).toEqual([]);
    expect(await emptied(serverSpool)).toEqual([]);
  });

  it('fails with SoapCallError on timeout, on a non-SOAP response and on a refused connection', async () => {
    await expect(soapCall(url, { action: 'urn:test:Slow', body: '<x/>', timeoutMs: 200 })).rejects.toThrow(
      /timed out after 200 ms/,
    );
    const notFound = await soapCall(url.replace('/xds', '/nothing-here'), {
      action: 'urn:a',
      body: '<x/>',
    }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SoapCallError);
    expect((notFound as SoapCallError).status).toBe(404);
    await expect(
      soapCall('http://127.0.0.1:1/xds', { action: 'urn:a', body: '<x/>' }),
    ).rejects.toBeInstanceOf(SoapCallError);
  });

  it('cleans up after a client that disconnects in the middle of an upload, reporting no error', async () => {
    received.length = 0;
    const { port } = new URL(url);
    const boundary = 'cut';
    const head =
      `POST /xds HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n` +
      `Content-Type: multipart/related; type="application/xop+xml"; boundary=${boundary}; start="<r@x>"; start-info="application/soap+xml"\r\n\r\n`;
    const part =
      `--${boundary}\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\nContent-ID: <r@x>\r\n\r\n<e/>\r\n` +
      `--${boundary}\r\nContent-ID: <a@x>\r\n\r\n`;
    const sock = connect(Number(port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const chunk = (b: Buffer | string): string | Buffer =>
      Buffer.concat([
        Buffer.from(`${Buffer.byteLength(b).toString(16)}\r\n`),
        Buffer.from(b),
        Buffer.from('\r\n'),
      ]);
    sock.write(head);
    sock.write(chunk(part));
    for (let i = 0; i < 8; i++) sock.write(chunk(Buffer.alloc(128 * 1024, i)));
    // Give the server time to spool what it received, then vanish.
    await new Promise((r) => setTimeout(r, 200));
    expect((await readdir(serverSpool)).length).toBe(1);
    sock.destroy();
    expect(await emptied(serverSpool)).toEqual([]);
    expect(received).toEqual([]);
    // The handler sees the body stream fail a moment after the socket closed.
    await new Promise((r) => setTimeout(r, 200));
    expect(serverErrors).toEqual([]);
  });
});
