import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { MeshError } from '@mesh/core';
import type { RequestContext } from '@mesh/core';
import { NS, child, children, parseXml, serialize, text } from '@mesh/xml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { soapEndpoint } from './endpoint.js';
import type { SoapEndpointOptions, SoapOperation, SoapRequest } from './endpoint.js';
import { buildMtom, xopInclude } from './mtom.js';
import { parseMediaType } from './content-type.js';
import { parseMultipartRelated } from './multipart.js';
import { Spool } from './attachment.js';
import { soapLimits } from './limits.js';

const OPENXDS = new URL('../../../../shared/conformance/02-xds-metadata/openxds/', import.meta.url);
const PNR = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b';
const PNR_RESP = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse';
const RET = 'urn:ihe:iti:2007:RetrieveDocumentSet';
const RET_RESP = 'urn:ihe:iti:2007:RetrieveDocumentSetResponse';
const ECHO = 'urn:test:Echo';
const ANON = 'http://www.w3.org/2005/08/addressing/anonymous';
const SUCCESS = `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>`;

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

interface EnvOptions {
  action?: string | null;
  messageId?: string | null;
  replyTo?: string;
  extraHeaders?: string;
  version?: '1.2' | '1.1';
}
/** A request envelope as IHE initiators send it. */
function envelope(body: string, o: EnvOptions = {}): string {
  const ns = o.version === '1.1' ? NS.soap11 : NS.soap12;
  const mu = o.version === '1.1' ? '1' : 'true';
  const action = o.action === undefined ? ECHO : o.action;
  const mid = o.messageId === undefined ? 'urn:uuid:11111111-2222-3333-4444-555555555555' : o.messageId;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ns}" xmlns:wsa="${NS.wsa}"><soapenv:Header>` +
    (action !== null ? `<wsa:Action soapenv:mustUnderstand="${mu}">${action}</wsa:Action>` : '') +
    (mid !== null ? `<wsa:MessageID>${mid}</wsa:MessageID>` : '') +
    `<wsa:ReplyTo><wsa:Address>${o.replyTo ?? ANON}</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To soapenv:mustUnderstand="${mu}">http://localhost/xds</wsa:To>${o.extraHeaders ?? ''}</soapenv:Header>` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

const ct12 = (action = ECHO): string => `application/soap+xml; charset=UTF-8; action="${action}"`;

let spoolDir: string;
let app: FastifyInstance;
let seen: { req: SoapRequest; ctx: RequestContext }[];
let errors: unknown[];

const echo: SoapOperation = {
  transaction: 'ITI-18',
  action: ECHO,
  responseAction: `${ECHO}Response`,
  handler: (req, ctx) => {
    seen.push({ req, ctx });
    return Promise.resolve({ body: `<t:Echoed xmlns:t="urn:test">${text(req.body) ?? ''}</t:Echoed>` });
  },
};

async function build(
  ops: SoapOperation[] = [echo],
  o: Partial<SoapEndpointOptions> = {},
): Promise<FastifyInstance> {
  const a = Fastify();
  await a.register(soapEndpoint, {
    path: '/xds',
    operations: ops,
    spoolDir,
    onError: (e) => errors.push(e),
    ...o,
  });
  // A sibling JSON route keeps its own body parser: the endpoint's parsers are encapsulated.
  a.post('/json', (req) => ({ got: req.body }));
  await a.ready();
  return a;
}

beforeEach(async () => {
  spoolDir = await mkdtemp(join(tmpdir(), 'soap-ep-'));
  seen = [];
  errors = [];
  app = await build();
});
afterEach(async () => {
  await app.close();
  await rm(spoolDir, { recursive: true, force: true });
});

async function post(
  payload: string | Buffer | Readable,
  contentType: string | undefined,
  headers: Record<string, string> = {},
  a = app,
) {
  const res = await a.inject({
    method: 'POST',
    url: '/xds',
    headers: { ...(contentType !== undefined ? { 'content-type': contentType } : {}), ...headers },
    payload,
  });
  return res;
}

interface FaultView {
  status: number;
  version: string;
  code: string;
  subcodes: string[];
  reason: string;
  detail: Element | undefined;
  header: Element | undefined;
  relatesTo: string | undefined;
  action: string | undefined;
}

/** Parses a fault response and returns its parts as text. */
function faultOf(res: { statusCode: number; body: string }): FaultView {
  const doc = parseXml(res.body);
  const env = doc.documentElement as Element;
  const ns = env.namespaceURI!;
  const header = child(env, ns, 'Header');
  const fault = child(child(env, ns, 'Body')!, ns, 'Fault');
  expect(fault, res.body).toBeDefined();
  const wsaText = (n: string): string | undefined => (header ? text(child(header, NS.wsa, n)) : undefined);
  if (ns === NS.soap11) {
    return {
      status: res.statusCode,
      version: '1.1',
      code: text(child(fault!, null, 'faultcode'))!,
      subcodes: [],
      reason: text(child(fault!, null, 'faultstring'))!,
      detail: child(fault!, null, 'detail'),
      header,
      relatesTo: wsaText('RelatesTo'),
      action: wsaText('Action'),
    };
  }
  const code = child(fault!, ns, 'Code')!;
  const subcodes: string[] = [];
  for (let s = child(code, ns, 'Subcode'); s; s = child(s, ns, 'Subcode')) {
    const v = child(s, ns, 'Value')!;
    const [p, l] = text(v)!.split(':');
    subcodes.push(`{${v.lookupNamespaceURI(p!)}}${l}`);
  }
  return {
    status: res.statusCode,
    version: '1.2',
    code: text(child(code, ns, 'Value'))!,
    subcodes,
    reason: text(child(child(fault!, ns, 'Reason')!, ns, 'Text'))!,
    detail: child(fault!, ns, 'Detail'),
    header,
    relatesTo: wsaText('RelatesTo'),
    action: wsaText('Action'),
  };
}

/**
 * The spool directory once the exchange is over. Temp files are deleted when the response
 * stream closes, asynchronously: allow that a moment, then report what is left.
 */
async function spoolLeft(): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const left = await readdir(spoolDir);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 10));
  }
  return readdir(spoolDir);
}

const wsaQ = (l: string): string => `{${NS.wsa}}${l}`;

describe('SOAP 1.2 dispatch and WS-Addressing', () => {
  it('dispatches by wsa:Action and answers with Action, a new MessageID and RelatesTo', async () => {
    const res = await post(envelope('<t:Ping xmlns:t="urn:test">hello</t:Ping>'), ct12(), {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(res.statusCode).toBe(200);
    const mt = parseMediaType(res.headers['content-type'] as string)!;
    expect(mt.mediaType).toBe('application/soap+xml');
    expect(mt.params.action).toBe(`${ECHO}Response`);
    const env = parseXml(res.body).documentElement as Element;
    expect(env.namespaceURI).toBe(NS.soap12);
    const h = child(env, NS.soap12, 'Header')!;
    expect(text(child(h, NS.wsa, 'Action'))).toBe(`${ECHO}Response`);
    expect(text(child(h, NS.wsa, 'RelatesTo'))).toBe('urn:uuid:11111111-2222-3333-4444-555555555555');
    expect(text(child(h, NS.wsa, 'MessageID'))).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(text(child(child(env, NS.soap12, 'Body')!, 'urn:test', 'Echoed'))).toBe('hello');
    const { req, ctx } = seen[0]!;
    expect(req).toMatchObject({
      version: '1.2',
      action: ECHO,
      to: 'http://localhost/xds',
      replyTo: ANON,
      mtom: false,
    });
    expect(req.body.localName).toBe('Ping');
    expect(ctx).toMatchObject({
      transaction: 'ITI-18',
      messageId: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      principal: { kind: 'anonymous', peer: '127.0.0.1' },
    });
    expect(ctx.signal?.aborted).toBe(false);
  });

  it('tells the host which transaction and message it dispatched, and takes its trace id', async () => {
    const dispatched: unknown[] = [];
    const a = await build([echo], {
      traceId: () => '11112222333344445555666677778888',
      onDispatch: (_request, info) => dispatched.push(info),
    });
    const res = await post(envelope('<t:Ping xmlns:t="urn:test"/>'), ct12(), {}, a);
    await a.close();
    expect(res.statusCode).toBe(200);
    expect(dispatched).toEqual([
      { transaction: 'ITI-18', messageId: 'urn:uuid:11111111-2222-3333-4444-555555555555' },
    ]);
    expect(seen[0]?.ctx.traceId).toBe('11112222333344445555666677778888');
    // No dispatch for an action that matches no operation.
    const a2 = await build([echo], { onDispatch: (_r, info) => dispatched.push(info) });
    await post(envelope('<x/>', { action: 'urn:unknown' }), ct12('urn:unknown'), {}, a2);
    await a2.close();
    expect(dispatched).toHaveLength(1);
  });

  it('accepts a request without the media type action parameter and without MessageID', async () => {
    const res = await post(
      envelope('<t:Ping xmlns:t="urn:test"/>', { messageId: null }),
      'application/soap+xml',
    );
    expect(res.statusCode).toBe(200);
    const h = child(parseXml(res.body).documentElement, NS.soap12, 'Header')!;
    expect(child(h, NS.wsa, 'RelatesTo')).toBeUndefined();
    expect(seen[0]!.ctx.messageId).toMatch(/^urn:uuid:/);
  });

  it('faults wsa:ActionNotSupported with wsa:ProblemAction for an unknown action', async () => {
    const f = faultOf(await post(envelope('<x/>', { action: 'urn:unknown' }), ct12('urn:unknown')));
    expect(f).toMatchObject({ status: 400, code: 'env:Sender', subcodes: [wsaQ('ActionNotSupported')] });
    expect(text(child(child(f.detail!, NS.wsa, 'ProblemAction')!, NS.wsa, 'Action'))).toBe('urn:unknown');
    expect(f.relatesTo).toBe('urn:uuid:11111111-2222-3333-4444-555555555555');
    expect(f.action).toBe('http://www.w3.org/2005/08/addressing/fault');
  });

  it('faults wsa:MessageAddressingHeaderRequired when wsa:Action is missing', async () => {
    const f = faultOf(await post(envelope('<x/>', { action: null }), 'application/soap+xml'));
    expect(f).toMatchObject({
      status: 400,
      code: 'env:Sender',
      subcodes: [wsaQ('MessageAddressingHeaderRequired')],
    });
    expect(text(child(f.detail!, NS.wsa, 'ProblemHeaderQName'))).toBe('wsa:Action');
  });

  it('faults wsa:ActionMismatch when the action parameter and wsa:Action disagree', async () => {
    const f = faultOf(await post(envelope('<x/>'), ct12('urn:other')));
    expect(f).toMatchObject({
      status: 400,
      code: 'env:Sender',
      subcodes: [wsaQ('InvalidAddressingHeader'), wsaQ('ActionMismatch')],
    });
  });

  it('faults OnlyAnonymousAddressSupported for a non-anonymous ReplyTo', async () => {
    const f = faultOf(await post(envelope('<x/>', { replyTo: 'http://attacker.example/cb' }), ct12()));
    expect(f).toMatchObject({
      status: 400,
      subcodes: [wsaQ('InvalidAddressingHeader'), wsaQ('OnlyAnonymousAddressSupported')],
    });
    expect(seen).toHaveLength(0);
  });

  it('faults InvalidCardinality for two wsa:MessageID headers', async () => {
    const f = faultOf(
      await post(envelope('<x/>', { extraHeaders: '<wsa:MessageID>urn:uuid:2</wsa:MessageID>' }), ct12()),
    );
    expect(f.subcodes).toEqual([wsaQ('InvalidAddressingHeader'), wsaQ('InvalidCardinality')]);
  });
});

describe('mustUnderstand', () => {
  const sec = `<wsse:Security xmlns:wsse="${NS.wsse}" soapenv:mustUnderstand="true"/>`;

  it('faults env:MustUnderstand with env:NotUnderstood for a header it does not understand', async () => {
    const f = faultOf(await post(envelope('<x/>', { extraHeaders: sec }), ct12()));
    expect(f).toMatchObject({ status: 500, code: 'env:MustUnderstand', subcodes: [] });
    const nu = child(f.header!, NS.soap12, 'NotUnderstood')!;
    const [p, l] = nu.getAttribute('qname')!.split(':');
    expect(`{${nu.lookupNamespaceURI(p!)}}${l}`).toBe(`{${NS.wsse}}Security`);
    expect(f.action).toBe('http://www.w3.org/2005/08/addressing/soap/fault');
    expect(f.relatesTo).toBe('urn:uuid:11111111-2222-3333-4444-555555555555');
    expect(seen).toHaveLength(0);
  });

  it('ignores non-mandatory headers and headers for another role, and honours understoodHeaders', async () => {
    const other = `<a:X xmlns:a="urn:a" soapenv:mustUnderstand="true" soapenv:role="urn:some-other-role"/><a:Y xmlns:a="urn:a"/>`;
    expect((await post(envelope('<x/>', { extraHeaders: other }), ct12())).statusCode).toBe(200);
    const a = await build([echo], { understoodHeaders: [`{${NS.wsse}}Security`] });
    expect((await post(envelope('<x/>', { extraHeaders: sec }), ct12(), {}, a)).statusCode).toBe(200);
    await a.close();
  });
});

describe('versions, media types and hostile input', () => {
  it('faults env:VersionMismatch (SOAP 1.1 fault with Upgrade) for a SOAP 1.1 envelope at a 1.2-only endpoint', async () => {
    const f = faultOf(
      await post(envelope('<x/>', { version: '1.1' }), 'text/xml; charset=UTF-8', {
        soapaction: `"${ECHO}"`,
      }),
    );
    expect(f).toMatchObject({ status: 500, version: '1.1', code: 'env:VersionMismatch' });
    const up = child(f.header!, NS.soap12, 'Upgrade')!;
    const se = child(up, NS.soap12, 'SupportedEnvelope')!;
    expect(se.lookupNamespaceURI(se.getAttribute('qname')!.split(':')[0]!)).toBe(NS.soap12);
  });

  it('faults env:VersionMismatch for a SOAP 1.1 envelope sent as application/soap+xml, and for a non-envelope', async () => {
    const f = faultOf(await post(envelope('<x/>', { version: '1.1' }), ct12()));
    expect(f).toMatchObject({ status: 500, version: '1.2', code: 'env:VersionMismatch' });
    const g = faultOf(await post('<Envelope xmlns="urn:not-soap"><Body/></Envelope>', ct12()));
    expect(g).toMatchObject({ status: 500, code: 'env:VersionMismatch' });
  });

  it('serves SOAP 1.1 where enabled: SOAPAction, text/xml, faults with HTTP 500', async () => {
    const a = await build([echo], { soapVersions: ['1.2', '1.1'] });
    const ok = await post(
      envelope('<t:P xmlns:t="urn:test">v</t:P>', { version: '1.1' }),
      'text/xml; charset=utf-8',
      { soapaction: `"${ECHO}"` },
      a,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('text/xml; charset=UTF-8');
    const env = parseXml(ok.body).documentElement as Element;
    expect(env.namespaceURI).toBe(NS.soap11);
    expect(text(child(child(env, NS.soap11, 'Header')!, NS.wsa, 'RelatesTo'))).toBe(
      'urn:uuid:11111111-2222-3333-4444-555555555555',
    );
    const mismatch = faultOf(
      await post(envelope('<x/>', { version: '1.1' }), 'text/xml', { soapaction: '"urn:other"' }, a),
    );
    expect(mismatch).toMatchObject({ status: 500, version: '1.1', code: 'wsa:ActionMismatch' });
    const unknown = faultOf(
      await post(envelope('<x/>', { version: '1.1', action: 'urn:nope' }), 'text/xml', {}, a),
    );
    expect(unknown).toMatchObject({ status: 500, version: '1.1', code: 'wsa:ActionNotSupported' });
    await a.close();
  });

  it('refuses a DOCTYPE without echoing the document', async () => {
    const evil = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${envelope('<x>&x;</x>').replace(/^<\?xml[^>]*\?>/, '')}`;
    const res = await post(evil, ct12());
    const f = faultOf(res);
    expect(f).toMatchObject({ status: 400, code: 'env:Sender' });
    expect(f.reason).toMatch(/DOCTYPE/);
    expect(res.body).not.toMatch(/passwd|ENTITY/);
    expect(seen).toHaveLength(0);
  });

  it('refuses malformed XML with a fixed reason', async () => {
    const res = await post(envelope('<secret-element-name>').replace('</soapenv:Body>', '</wrong>'), ct12());
    const f = faultOf(res);
    expect(f).toMatchObject({
      status: 400,
      code: 'env:Sender',
      reason: 'SOAP envelope is not well-formed XML',
    });
    expect(res.body).not.toMatch(/secret-element-name/);
  });

  it('refuses an envelope over maxEnvelopeBytes and one nested too deeply', async () => {
    const a = await build([echo], { limits: { maxEnvelopeBytes: 4096, xml: { maxDepth: 20 } } });
    const f = faultOf(await post(envelope(`<x>${'a'.repeat(5000)}</x>`), ct12(), {}, a));
    expect(f).toMatchObject({ status: 400, code: 'env:Sender' });
    expect(f.reason).toMatch(/exceeds 4096 bytes/);
    const deep = faultOf(await post(envelope('<x>'.repeat(30) + '</x>'.repeat(30)), ct12(), {}, a));
    expect(deep).toMatchObject({ status: 400, reason: 'SOAP envelope nested too deeply' });
    await a.close();
  });

  it('answers 415 with a Sender fault for a wrong or missing content type, and an empty Body with 400', async () => {
    for (const ct of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', undefined]) {
      const f = faultOf(await post(envelope('<x/>'), ct));
      expect(f).toMatchObject({ status: 415, code: 'env:Sender' });
    }
    const sibling = await app.inject({ method: 'POST', url: '/json', payload: { a: 1 } });
    expect(sibling.json()).toEqual({ got: { a: 1 } });
    const empty = faultOf(await post(envelope(''), ct12()));
    expect(empty).toMatchObject({ status: 400, reason: 'SOAP Body is empty' });
  });
});

describe('handler errors', () => {
  const throwing = (e: Error): SoapOperation => ({ ...echo, handler: () => Promise.reject(e) });

  it('renders a sender MeshError as a Sender fault with the issue code as subcode', async () => {
    const a = await build([throwing(MeshError.of('XDSRegistryMetadataError', 'submissionTime missing'))]);
    const f = faultOf(await post(envelope('<x/>'), ct12(), {}, a));
    expect(f).toMatchObject({
      status: 400,
      code: 'env:Sender',
      subcodes: [`{${NS.rs}}XDSRegistryMetadataError`],
      reason: 'submissionTime missing',
    });
    await a.close();
  });

  it('renders a busy MeshError as a Receiver fault with HTTP 503 and Retry-After', async () => {
    const a = await build([throwing(MeshError.of('XDSRegistryBusy', 'overloaded', { fault: 'busy' }))], {
      retryAfterSeconds: 5,
    });
    const res = await post(envelope('<x/>'), ct12(), {}, a);
    expect(faultOf(res)).toMatchObject({
      status: 503,
      code: 'env:Receiver',
      subcodes: [`{${NS.rs}}XDSRegistryBusy`],
    });
    expect(res.headers['retry-after']).toBe('5');
    const r = await build([throwing(MeshError.of('XDSRegistryError', 'db down', { fault: 'receiver' }))]);
    expect(faultOf(await post(envelope('<x/>'), ct12(), {}, r))).toMatchObject({
      status: 500,
      code: 'env:Receiver',
    });
    await a.close();
    await r.close();
    expect(errors).toEqual([]);
  });

  it('renders any other error as a generic Receiver fault, reported once to onError, no stack', async () => {
    const boom = new Error('secret internal detail');
    const a = await build([throwing(boom)]);
    const res = await post(envelope('<x/>'), ct12(), {}, a);
    expect(faultOf(res)).toMatchObject({
      status: 500,
      code: 'env:Receiver',
      subcodes: [],
      reason: 'Internal error while processing the request',
    });
    expect(res.body).not.toMatch(/secret internal detail|at .*\.ts/);
    expect(errors).toEqual([boom]);
    await a.close();
  });
});

/** ITI-41 as the OpenXDS sample sends it, with the document moved into an MTOM part. */
async function pnrMtom(
  docs: { id: string; bytes: Buffer }[],
): Promise<{ contentType: string; stream: Readable }> {
  const sample = await readFile(
    new URL('samples/ProvideAndRegisterDocumentSet-bRequest.xml', OPENXDS),
    'utf8',
  );
  // The sample carries one inline (truncated) base64 document; XOP replaces it with includes.
  const body = sample.replace(
    /<ihe:Document [^>]*>[^<]*<\/ihe:Document>/,
    docs
      .map(
        (d) =>
          `<ihe:Document xmlns:ihe="${NS.xdsb}" id="${d.id}">${xopInclude(`${d.id.slice(9)}@openxds`)}</ihe:Document>`,
      )
      .join(''),
  );
  return buildMtom({
    version: '1.2',
    action: PNR,
    envelope: envelope(body, { action: PNR }),
    attachments: docs.map((d) => ({
      contentId: `${d.id.slice(9)}@openxds`,
      contentType: 'text/xml',
      open: () => Readable.from([d.bytes]),
    })),
  });
}

describe('MTOM', () => {
  let received: { id: string; size: number; sha1: string; text: string; path?: string }[];
  const pnrOp = (claimTo?: string): SoapOperation => ({
    transaction: 'ITI-41',
    action: PNR,
    responseAction: PNR_RESP,
    handler: async (req) => {
      expect(req.mtom).toBe(true);
      for (const d of children(req.body, NS.xdsb, 'Document')) {
        const a = req.resolveInclude(d)!;
        received.push({
          id: d.getAttribute('id')!,
          size: a.size,
          sha1: a.sha1,
          text: (await a.bytes()).toString('utf8').slice(0, 40),
          ...(a.path ? { path: a.path } : {}),
        });
        if (claimTo) await a.claim(join(claimTo, `${a.sha1}.bin`));
      }
      return { body: SUCCESS };
    },
  });
  beforeEach(() => {
    received = [];
  });

  it('parses ITI-41 built from the OpenXDS samples (PnR metadata + CDA documents) and cleans the spool', async () => {
    const cda1 = await readFile(new URL('test-data/medical_summary.xml', OPENXDS));
    const cda2 = await readFile(new URL('test-data/referral_summary.xml', OPENXDS));
    const a = await build([pnrOp()]);
    const m = await pnrMtom([
      { id: 'urn:uuid:87f7bc82-87f0-3782-afba-0c60760bb03d', bytes: cda1 },
      { id: 'urn:uuid:0a0b0c0d-87f0-3782-afba-0c60760bb03d', bytes: cda2 },
    ]);
    const res = await post(m.stream, m.contentType, {}, a);
    expect(res.statusCode, res.body).toBe(200);
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ size: cda1.length, sha1: sha1(cda1) });
    expect(received[1]).toMatchObject({ size: cda2.length, sha1: sha1(cda2) });
    expect(received[0]!.text).toMatch(/^<\?xml|^<!--|^<ClinicalDocument/);
    // medical_summary.xml (67 KB) exceeds the 64 KB memory threshold: it was spooled, then deleted.
    expect(received[0]!.path).toBeDefined();
    expect(await spoolLeft()).toEqual([]);
    await a.close();
  });

  it('parses an ITI-41 request written the way Axis2 writes it (hand-built, not by buildMtom)', async () => {
    const cda = await readFile(new URL('test-data/submit_document.xml', OPENXDS));
    const sample = await readFile(
      new URL('samples/ProvideAndRegisterDocumentSet-bRequest.xml', OPENXDS),
      'utf8',
    );
    const id = '1.urn:uuid:5117AAE1116EA8B87A1200060184692@apache.org';
    const body = sample.replace(
      /(<ihe:Document [^>]*>)[^<]*(<\/ihe:Document>)/,
      `$1<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:${id}"/>$2`,
    );
    const boundary = 'MIMEBoundaryurn_uuid_5117AAE1116EA8B87A1200060184690';
    const raw = Buffer.concat([
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n` +
          `Content-Transfer-Encoding: binary\r\nContent-ID: <0.urn:uuid:5117AAE1116EA8B87A1200060184691@apache.org>\r\n\r\n` +
          envelope(body, { action: PNR }) +
          `\r\n--${boundary}\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${id}>\r\n\r\n`,
      ),
      cda,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const ct =
      `multipart/related; boundary=${boundary}; type="application/xop+xml"; ` +
      `start="<0.urn:uuid:5117AAE1116EA8B87A1200060184691@apache.org>"; start-info="application/soap+xml"; action="${PNR}"`;
    const a = await build([pnrOp()]);
    const res = await post(raw, ct, {}, a);
    expect(res.statusCode, res.body).toBe(200);
    expect(received).toEqual([
      {
        id: 'urn:uuid:87f7bc82-87f0-3782-afba-0c60760bb03d',
        size: cda.length,
        sha1: sha1(cda),
        text: cda.toString('utf8').slice(0, 40),
      },
    ]);
    await a.close();
  });

  it('accepts MTOM carrying a SOAP 1.1 envelope where 1.1 is enabled, and answers in 1.1', async () => {
    const a = await build([pnrOp()], { soapVersions: ['1.2', '1.1'] });
    const sample = await readFile(
      new URL('samples/ProvideAndRegisterDocumentSet-bRequest.xml', OPENXDS),
      'utf8',
    );
    const body = sample.replace(/(<ihe:Document [^>]*>)[^<]*(<\/ihe:Document>)/, `$1${xopInclude('d@x')}$2`);
    const m = buildMtom({
      version: '1.1',
      envelope: envelope(body, { action: PNR, version: '1.1' }),
      attachments: [
        { contentId: 'd@x', contentType: 'text/xml', open: () => Readable.from([Buffer.from('<doc/>')]) },
      ],
    });
    expect(parseMediaType(m.contentType)!.params['start-info']).toBe('text/xml');
    const res = await post(m.stream, m.contentType, { soapaction: `"${PNR}"` }, a);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=UTF-8');
    expect(received).toHaveLength(1);
    await a.close();
  });

  it('keeps a claimed attachment and deletes the rest', async () => {
    const keep = await mkdtemp(join(tmpdir(), 'soap-keep-'));
    const a = await build([pnrOp(keep)]);
    const big = Buffer.alloc(200_000, 0x41);
    const m = await pnrMtom([{ id: 'urn:uuid:87f7bc82-87f0-3782-afba-0c60760bb03d', bytes: big }]);
    expect((await post(m.stream, m.contentType, {}, a)).statusCode).toBe(200);
    expect(await spoolLeft()).toEqual([]);
    expect(await readdir(keep)).toEqual([`${sha1(big)}.bin`]);
    await a.close();
    await rm(keep, { recursive: true, force: true });
  });

  it('answers ITI-43 as MTOM (mtomResponse) with the attachment streamed back', async () => {
    const doc = await readFile(new URL('test-data/referral_summary.xml', OPENXDS));
    const retrieve: SoapOperation = {
      transaction: 'ITI-43',
      action: RET,
      responseAction: RET_RESP,
      mtomResponse: true,
      handler: () =>
        Promise.resolve({
          body: `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}">${SUCCESS}<xdsb:DocumentResponse><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>${xopInclude('doc 1@mesh')}</xdsb:Document></xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse>`,
          attachments: [
            { contentId: 'doc 1@mesh', contentType: 'text/xml', open: () => Readable.from([doc]) },
          ],
        }),
    };
    const a = await build([retrieve]);
    const sample = await readFile(new URL('samples/RetrieveDocumentSetRequest.xml', OPENXDS), 'utf8');
    const res = await post(envelope(sample, { action: RET }), ct12(RET), {}, a);
    expect(res.statusCode).toBe(200);
    const mt = parseMediaType(res.headers['content-type'] as string)!;
    expect(mt).toMatchObject({
      mediaType: 'multipart/related',
      params: { type: 'application/xop+xml', 'start-info': 'application/soap+xml', action: RET_RESP },
    });
    expect(mt.params.start).toMatch(/^<.+>$/);
    const spool = new Spool(spoolDir);
    const parsed = await parseMultipartRelated(Readable.from([res.rawPayload]), mt, {
      limits: soapLimits(),
      spool,
    });
    const env = parseXml(parsed.root.bytes).documentElement as Element;
    const inc = (env.getElementsByTagNameNS(NS.xop, 'Include')[0] as Element).getAttribute('href');
    expect(inc).toBe('cid:doc%201@mesh');
    const att = parsed.attachments.get('doc 1@mesh')!;
    expect(att.sha1).toBe(sha1(doc));
    expect(parseMediaType(parsed.root.contentType.params.type)).toMatchObject({
      mediaType: 'application/soap+xml',
      params: { action: RET_RESP },
    });
    await spool.dispose();
    // Without mtomResponse and attachments, the same body is answered as plain SOAP.
    const plain = await build([
      { ...retrieve, mtomResponse: false, handler: () => Promise.resolve({ body: SUCCESS }) },
    ]);
    const r2 = await post(envelope(sample, { action: RET }), ct12(RET), {}, plain);
    expect(parseMediaType(r2.headers['content-type'] as string)!.mediaType).toBe('application/soap+xml');
    await a.close();
    await plain.close();
  });

  it('supports inline base64 documents in plain SOAP (the OpenXDS sample as is)', async () => {
    const sample = await readFile(
      new URL('samples/ProvideAndRegisterDocumentSet-bRequest.xml', OPENXDS),
      'utf8',
    );
    let inline = '';
    const a = await build([
      {
        transaction: 'ITI-41',
        action: PNR,
        responseAction: PNR_RESP,
        handler: (req) => {
          const d = child(req.body, NS.xdsb, 'Document')!;
          expect(req.resolveInclude(d)).toBeUndefined();
          inline = text(d)!;
          return Promise.resolve({ body: SUCCESS });
        },
      },
    ]);
    expect((await post(envelope(sample, { action: PNR }), ct12(PNR), {}, a)).statusCode).toBe(200);
    expect(inline).toMatch(/^PD94bWwg/);
    await a.close();
  });

  it('refuses broken multipart bodies with Sender faults and leaves no temp file', async () => {
    const a = await build([pnrOp()]);
    const big = Buffer.alloc(150_000, 0x42);
    const m = await pnrMtom([{ id: 'urn:uuid:87f7bc82-87f0-3782-afba-0c60760bb03d', bytes: big }]);
    const chunks: Buffer[] = [];
    for await (const c of m.stream) chunks.push(c as Buffer);
    const full = Buffer.concat(chunks);
    const truncated = full.subarray(0, full.length - 40);
    const t = faultOf(await post(truncated, m.contentType, {}, a));
    expect(t).toMatchObject({ status: 400, code: 'env:Sender' });
    expect(t.reason).toMatch(/closing boundary is missing/);
    const badStart = faultOf(
      await post(full, m.contentType.replace(/start="[^"]*"/, 'start="<nope@x>"'), {}, a),
    );
    expect(badStart.reason).toMatch(/start parameter names no MIME part/);
    const noRoot = faultOf(
      await post(
        Buffer.from('--b\r\n\r\n'),
        'multipart/related; type="application/xop+xml"; boundary=b',
        {},
        a,
      ),
    );
    expect(noRoot.reason).toMatch(/closing boundary/);
    const empty = faultOf(
      await post(
        Buffer.from('--b--\r\n'),
        'multipart/related; type="application/xop+xml"; boundary=b',
        {},
        a,
      ),
    );
    expect(empty.reason).toMatch(/without parts/);
    const swa = faultOf(
      await post(full, m.contentType.replace('type="application/xop+xml"', 'type="text/xml"'), {}, a),
    );
    expect(swa).toMatchObject({ status: 415 });
    expect(received).toHaveLength(0);
    expect(await spoolLeft()).toEqual([]);
    await a.close();
  });

  it('enforces per-attachment and total size limits and deletes the temp files', async () => {
    const docs = [1, 2, 3].map((i) => ({
      id: `urn:uuid:87f7bc82-87f0-3782-afba-0c60760bb03${i}`,
      bytes: Buffer.alloc(300_000, i),
    }));
    for (const limits of [{ maxAttachmentBytes: 250_000 }, { maxTotalBytes: 700_000 }, { maxParts: 3 }]) {
      const a = await build([pnrOp()], { limits });
      const m = await pnrMtom(docs);
      const res = await post(m.stream, m.contentType, {}, a);
      const f = faultOf(res);
      expect(f).toMatchObject({ status: 400, code: 'env:Sender' });
      expect(f.reason).toMatch(
        /Attachment exceeds 250000 bytes|Message exceeds 700000 bytes|Too many MIME parts/,
      );
      expect(res.headers.connection).toBe('close');
      expect(received).toHaveLength(0);
      expect(await spoolLeft()).toEqual([]);
      await a.close();
    }
  });
});

describe('registration', () => {
  it('refuses two operations with the same action', async () => {
    const a = Fastify();
    await expect(
      a.register(soapEndpoint, { path: '/x', operations: [echo, echo], spoolDir }).ready(),
    ).rejects.toThrow(/Two operations/);
    await a.close();
  });

  it('serializes the request DOM for handlers that need the raw XML', async () => {
    await post(envelope('<t:Ping xmlns:t="urn:test">x</t:Ping>'), ct12());
    expect(serialize(seen[0]!.req.body)).toBe('<t:Ping xmlns:t="urn:test">x</t:Ping>');
  });
});
