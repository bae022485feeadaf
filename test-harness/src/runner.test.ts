import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml, selectString } from '@mesh/xml';
import { hl7Get, parseHl7 } from './hl7.js';
import type { ScenarioResult, StepResult, Target } from './model.js';
import { buildMtom, parseMultipart, sha1Hex } from './mtom.js';
import { parseScenarioYaml } from './load.js';
import { runScenarios } from './runner.js';
import {
  eventually,
  selfSignedCert,
  startHttp,
  startMllp,
  startSyslogTls,
  startSyslogUdp,
} from './fake-servers.test-helper.js';
import type { CannedResponse, FakeHttp, FakeListener } from './fake-servers.test-helper.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const WSA = 'http://www.w3.org/2005/08/addressing';

// Prefixes deliberately differ from the ones scenarios use: matching is by namespace.
const FAULT12 = `<e:Envelope xmlns:e="${SOAP12}" xmlns:a="${WSA}"><e:Body><e:Fault>
<e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>a:ActionNotSupported</e:Value></e:Subcode></e:Code>
<e:Reason><e:Text xml:lang="en">action not supported</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`;

const FAULT11 = `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body><soapenv:Fault>
<faultcode>soapenv:VersionMismatch</faultcode><faultstring>SOAP 1.2 only</faultstring>
</soapenv:Fault></soapenv:Body></soapenv:Envelope>`;

const REGISTRY_FAILURE = `<s:Envelope xmlns:s="${SOAP12}"><s:Body>
<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure">
<rs:RegistryErrorList>
<rs:RegistryError errorCode="XDSRegistryMetadataError" codeContext="bad slot" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/>
<rs:RegistryError errorCode="XDSPatientIdDoesNotMatch" codeContext="pid" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/>
</rs:RegistryErrorList></rs:RegistryResponse></s:Body></s:Envelope>`;

const PARTIAL = `<s:Envelope xmlns:s="${SOAP12}"><s:Body>
<query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"/>
</s:Body></s:Envelope>`;

const RETRIEVED = Buffer.from('%PDF-1.4 retrieved document bytes\r\n--not-a-boundary\r\n', 'utf8');
const mtomResponse = buildMtom({
  envelope: `<s:Envelope xmlns:s="${SOAP12}"><s:Body><xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007">
<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>
<xdsb:DocumentResponse><xdsb:DocumentUniqueId>1.2.3</xdsb:DocumentUniqueId>
<xdsb:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc1%40mesh"/></xdsb:Document>
</xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse></s:Body></s:Envelope>`,
  soapContentType: 'application/soap+xml',
  action: 'urn:ihe:iti:2007:RetrieveDocumentSetResponse',
  parts: [{ contentId: 'doc1@mesh', contentType: 'application/pdf', data: RETRIEVED }],
});

const ACK = (msg: string, code: string): string => {
  const ctrl = hl7Get(parseHl7(msg), 'MSH-10') ?? '';
  return `MSH|^~\\&|MPI|MESH|LAB|HOSP|20260101120000||ACK^A01^ACK|ACK${ctrl}|P|2.5\rMSA|${code}|${ctrl}\rERR||PID^1^3|204^Unknown key^HL70357|E\rERR||PID^1^5|101^Required field missing~102^Data type error^HL70357|E\r`;
};

let http: FakeHttp;
let mllp: FakeListener<string>;
let syslogTls: Awaited<ReturnType<typeof startSyslogTls>>;
let syslogUdp: FakeListener<string>;
let tlsMaterial: { cert: Buffer; key: Buffer };
let target: Target;

function route(path: string, n: number): CannedResponse {
  const xml12 = { 'content-type': 'application/soap+xml; charset=UTF-8' };
  switch (path) {
    case '/ok':
      return {
        status: 200,
        headers: { 'content-type': 'text/plain', 'x-trace': 'abc-123' },
        body: 'hello world',
      };
    case '/json':
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-trace': 'abc-123' },
        body: JSON.stringify({ status: 'ready', items: [{ id: 'a1', n: 3 }], ok: true }),
      };
    case '/fault12':
      return { status: 400, headers: xml12, body: FAULT12 };
    case '/fault11':
      return { status: 500, headers: { 'content-type': 'text/xml' }, body: FAULT11 };
    case '/registry':
      return { status: 200, headers: xml12, body: REGISTRY_FAILURE };
    case '/partial':
      return { status: 200, headers: xml12, body: PARTIAL };
    case '/mtom':
      return { status: 200, headers: { 'content-type': mtomResponse.contentType }, body: mtomResponse.body };
    case '/broken-mtom':
      return {
        status: 200,
        headers: { 'content-type': 'multipart/related; boundary=zz' },
        body: '--zz\r\nContent-Type: text/xml\r\n\r\n<a/>',
      };
    case '/not-xml':
      return { status: 200, headers: xml12, body: 'plain words' };
    case '/echo':
      return { status: 200, headers: xml12, body: `<s:Envelope xmlns:s="${SOAP12}"><s:Body/></s:Envelope>` };
    default:
      if (path.startsWith('/flaky')) return { status: n % 3 === 0 ? 200 : 503, body: `attempt ${n}` };
      if (path.startsWith('/items/a1')) return { status: 200, body: 'found a1' };
      return { status: 404, body: 'no route' };
  }
}

beforeAll(async () => {
  http = await startHttp((req, n) => route(req.url, n));
  mllp = await startMllp((msg) =>
    msg.includes('NOREPLY') ? undefined : ACK(msg, msg.includes('BAD') ? 'AE' : 'AA'),
  );
  tlsMaterial = selfSignedCert();
  syslogTls = await startSyslogTls(tlsMaterial);
  syslogUdp = await startSyslogUdp();
  target = {
    baseUrl: http.url,
    mllp: { host: '127.0.0.1', port: mllp.port },
    syslogTls: { host: '127.0.0.1', port: syslogTls.port },
    syslogUdp: { host: '127.0.0.1', port: syslogUdp.port },
    ca: tlsMaterial.cert,
    timeoutMs: 3000,
  };
});

afterAll(async () => {
  await Promise.all([http.close(), mllp.close(), syslogTls.close(), syslogUdp.close()]);
});

/** Runs one inline scenario made of `steps` and returns its result. */
async function play(
  steps: unknown[],
  extra: Record<string, unknown> = {},
  t: Target = target,
): Promise<ScenarioResult> {
  const report = await runScenarios({ scenarios: [{ id: 't', title: 't', steps, ...extra }], target: t });
  return report.scenarios[0]!;
}

/** The single step's result, asserting the expected status. */
async function step(
  s: unknown,
  status: 'passed' | 'failed',
  extra?: Record<string, unknown>,
): Promise<StepResult> {
  const r = await play([s], extra);
  const st = r.steps[0]!;
  expect(st.status, JSON.stringify(st.failures)).toBe(status);
  return st;
}

describe('http steps and generic expectations', () => {
  it('passes status, headers, bodyContains and bodyNotContains that hold', async () => {
    await step(
      {
        http: { path: '/ok' },
        expect: {
          status: 200,
          headers: { 'X-Trace': 'abc' },
          bodyContains: ['hello'],
          bodyNotContains: 'secret',
        },
      },
      'passed',
    );
  });

  it('reports each expectation that does not hold, with expected and actual', async () => {
    const st = await step(
      {
        http: { path: '/ok' },
        expect: {
          status: [201, 204],
          headers: { 'content-type': 'json' },
          bodyContains: 'bye',
          bodyNotContains: 'world',
        },
      },
      'failed',
    );
    expect(st.failures.map((f) => f.check)).toEqual([
      'status',
      'header content-type',
      'bodyContains',
      'bodyNotContains',
    ]);
    expect(st.failures[0]).toMatchObject({ expected: '201 or 204', actual: '200' });
    expect(st.excerpt).toContain('hello world');
  });

  it('json paths: equal values pass, different or absent ones fail', async () => {
    await step(
      {
        http: { path: '/json' },
        expect: { json: { status: 'ready', 'items.0.id': 'a1', 'items.0.n': 3, ok: true } },
      },
      'passed',
    );
    const st = await step(
      { http: { path: '/json' }, expect: { json: { status: 'down', 'items.1.id': 'a2' } } },
      'failed',
    );
    expect(st.failures).toEqual([
      { check: 'json status', expected: '"down"', actual: '"ready"' },
      { check: 'json items.1.id', expected: '"a2"', actual: '(absent)' },
    ]);
    const notJson = await step({ http: { path: '/ok' }, expect: { json: {} } }, 'failed');
    expect(notJson.failures[0]!.actual).toMatch(/not JSON/);
  });

  it('sends method, headers and a JSON body with substitution', async () => {
    await step(
      {
        http: { method: 'post', path: '/echo', headers: { 'X-Id': '${pid}' }, json: { id: '${pid}', n: 1 } },
      },
      'passed',
      {
        vars: { pid: 'P-${uuid}' },
      },
    );
    const req = http.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body.toString()) as { id: string; n: number };
    expect(body.id).toMatch(/^P-[0-9a-f-]{36}$/);
    expect(req.headers['x-id']).toBe(body.id);
  });

  it('a transport error fails the step and skips the following ones', async () => {
    const r = await play(
      [{ http: { path: '/ok' } }, { http: { path: '/ok' } }],
      {},
      { baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 },
    );
    expect(r.status).toBe('failed');
    expect(r.steps[0]!.failures[0]!.check).toBe('transport');
    expect(r.steps[1]!.status).toBe('skipped');
  });

  it('retry re-runs a step until its expectations hold', async () => {
    const before = http.requests.length;
    const st = await step(
      { http: { path: '/flaky' }, retry: { attempts: 5, intervalMs: 1 }, expect: { status: 200 } },
      'passed',
    );
    expect(st.attempts).toBeGreaterThan(1);
    expect(http.requests.length - before).toBe(st.attempts);
    const never = await step(
      { http: { path: '/ok' }, retry: { attempts: 2, intervalMs: 1 }, expect: { status: 500 } },
      'failed',
    );
    expect(never.attempts).toBe(2);
  });
});

describe('soap steps', () => {
  it('builds a SOAP 1.2 envelope with WS-Addressing headers and the action parameter', async () => {
    await step(
      {
        soap: {
          path: '/echo',
          action: 'urn:ihe:iti:2007:RegistryStoredQuery',
          body: '<q:Ping xmlns:q="urn:q">${v}</q:Ping>',
        },
      },
      'passed',
      { vars: { v: 'a<b&c' } },
    );
    const req = http.requests.at(-1)!;
    expect(req.headers['content-type']).toBe(
      'application/soap+xml; charset=UTF-8; action="urn:ihe:iti:2007:RegistryStoredQuery"',
    );
    const doc = parseXml(req.body);
    const ns = { e: SOAP12, q: 'urn:q' };
    expect(selectString('/e:Envelope/e:Header/wsa:Action', doc, {}, ns)).toBe(
      'urn:ihe:iti:2007:RegistryStoredQuery',
    );
    expect(selectString('/e:Envelope/e:Header/wsa:Action/@e:mustUnderstand', doc, {}, ns)).toBe('1');
    expect(selectString('/e:Envelope/e:Header/wsa:MessageID', doc, {}, ns)).toMatch(
      /^urn:uuid:[0-9a-f-]{36}$/,
    );
    expect(selectString('/e:Envelope/e:Header/wsa:ReplyTo/wsa:Address', doc, {}, ns)).toBe(
      `${WSA}/anonymous`,
    );
    expect(selectString('/e:Envelope/e:Header/wsa:To', doc, {}, ns)).toBe(`${http.url}/echo`);
    // Substituted values are XML-escaped: the markup of the body is unchanged.
    expect(selectString('/e:Envelope/e:Body/q:Ping', doc, {}, ns)).toBe('a<b&c');
  });

  it('omits wsa:Action when no action is given; SOAP 1.1 uses text/xml and SOAPAction', async () => {
    await step({ soap: { path: '/echo', body: '<x/>' } }, 'passed');
    const noAction = http.requests.at(-1)!;
    expect(noAction.headers['content-type']).toBe('application/soap+xml; charset=UTF-8');
    expect(noAction.body.toString()).not.toContain('wsa:Action');
    expect(noAction.body.toString()).toContain('wsa:MessageID');

    await step({ soap: { path: '/echo', version: 1.1, action: 'urn:a', body: '<x/>' } }, 'passed');
    const v11 = http.requests.at(-1)!;
    expect(v11.headers['content-type']).toBe('text/xml; charset=UTF-8');
    expect(v11.headers.soapaction).toBe('"urn:a"');
    expect(v11.body.toString()).toContain(`xmlns:s="${SOAP11}"`);
  });

  it('sends a raw envelope byte-for-byte with its content type', async () => {
    const raw = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "${notAVar}">]><x>&e;</x>';
    await step({ soap: { path: '/echo', rawEnvelope: raw, contentType: 'application/soap+xml' } }, 'passed');
    const req = http.requests.at(-1)!;
    expect(req.body.toString()).toBe(raw);
    expect(req.headers['content-type']).toBe('application/soap+xml');
  });

  it('soapFault: code and subcode are compared as resolved QNames', async () => {
    await step(
      {
        soap: { path: '/fault12', action: 'urn:x', body: '<x/>' },
        expect: { status: 400, soapFault: { code: 'env:Sender', subcode: 'wsa:ActionNotSupported' } },
      },
      'passed',
    );
    const st = await step(
      {
        soap: { path: '/fault12', action: 'urn:x', body: '<x/>' },
        expect: { soapFault: { code: 'env:Receiver', subcode: 'wsa:MessageAddressingHeaderRequired' } },
      },
      'failed',
    );
    expect(st.failures.map((f) => f.check)).toEqual(['soapFault.code', 'soapFault.subcode']);
    expect(st.failures[0]!.actual).toBe(`e:Sender ({${SOAP12}}Sender)`);
    // Same local name in another namespace does not match.
    await step(
      {
        soap: { path: '/fault12', action: 'urn:x', body: '<x/>' },
        expect: { soapFault: { subcode: 'other:ActionNotSupported' } },
      },
      'failed',
      {
        namespaces: { other: 'urn:other' },
      },
    );
    // No fault at all.
    const none = await step(
      {
        soap: { path: '/echo', action: 'urn:x', body: '<x/>' },
        expect: { soapFault: { code: 'env:Sender' } },
      },
      'failed',
    );
    expect(none.failures[0]!.actual).toBe('no SOAP Fault in the response');
  });

  it('soapFault: env: means the envelope namespace of the response (SOAP 1.1 fault)', async () => {
    await step(
      {
        soap: { path: '/fault11', version: '1.1', action: 'urn:x', body: '<x/>' },
        expect: { status: 500, soapFault: { code: 'env:VersionMismatch' } },
      },
      'passed',
    );
    await step(
      {
        soap: { path: '/fault11', action: 'urn:x', body: '<x/>' },
        expect: { soapFault: { code: 'soap12:VersionMismatch' } },
      },
      'failed',
    );
  });

  it('registryStatus and errorCodes / exactErrorCodes', async () => {
    const s = { soap: { path: '/registry', action: 'urn:x', body: '<x/>' } };
    await step(
      {
        ...s,
        expect: {
          registryStatus: 'Failure',
          errorCodes: ['XDSPatientIdDoesNotMatch'],
          exactErrorCodes: ['XDSPatientIdDoesNotMatch', 'XDSRegistryMetadataError'],
        },
      },
      'passed',
    );
    const st = await step(
      {
        ...s,
        expect: {
          registryStatus: 'Success',
          errorCodes: ['XDSDuplicateUniqueIdInRegistry'],
          exactErrorCodes: ['XDSRegistryMetadataError'],
        },
      },
      'failed',
    );
    expect(st.failures.map((f) => f.check)).toEqual(['registryStatus', 'errorCodes', 'exactErrorCodes']);
    expect(st.failures[0]!.actual).toBe('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure');
    await step(
      {
        soap: { path: '/partial', action: 'urn:x', body: '<x/>' },
        expect: { registryStatus: 'PartialSuccess' },
      },
      'passed',
    );
  });

  it('xpath: equals, matches, count, exists pass and fail; $vars and scenario namespaces', async () => {
    const s = { soap: { path: '/registry', action: 'urn:x', body: '<x/>' } };
    await step(
      {
        ...s,
        expect: {
          xpath: [
            { expr: '//rs:RegistryError[1]/@codeContext', equals: 'bad slot' },
            { expr: '//rs:RegistryError[@errorCode = $code]/@codeContext', equals: 'pid' },
            { expr: '//r:RegistryError', count: 2 },
            { expr: '//rs:RegistryResponse/@status', matches: ':Failure$' },
            { expr: '//rs:RegistryObjectList', exists: false },
            { expr: 'count(//rs:RegistryError) = 2', exists: true },
            { expr: '/s:Envelope/env:Body', exists: true },
          ],
        },
      },
      'passed',
      {
        vars: { code: 'XDSPatientIdDoesNotMatch' },
        namespaces: { r: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0' },
      },
    );
    const st = await step(
      {
        ...s,
        expect: {
          xpath: [
            { expr: '//rs:RegistryError[1]/@codeContext', equals: 'other' },
            { expr: '//rs:RegistryError', count: 3 },
            { expr: '//rs:RegistryError/@errorCode', matches: '^Nope' },
            { expr: '//rs:RegistryErrorList', exists: false },
            { expr: '//rs:Nothing', exists: true },
            { expr: '//rs:[', equals: 'x' },
          ],
        },
      },
      'failed',
    );
    expect(st.failures).toHaveLength(6);
    expect(st.failures[1]).toMatchObject({ expected: 'count 3', actual: 'count 2' });
    expect(st.failures[5]!.expected).toBe('a valid XPath');
  });

  it('an XML expectation on a non-XML response fails with the reason', async () => {
    const st = await step(
      {
        soap: { path: '/not-xml', action: 'urn:x', body: '<x/>' },
        expect: { xpath: [{ expr: '/*', exists: true }] },
      },
      'failed',
    );
    expect(st.failures[0]).toMatchObject({ check: 'xml' });
    expect(st.failures[0]!.actual).toMatch(/not usable XML/);
  });
});

describe('MTOM', () => {
  it('sends attachments as multipart/related XOP, with att.<id>.sha1/size available to the body', async () => {
    await step(
      {
        soap: {
          path: '/echo',
          action: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
          body: '<d hash="${att.doc1.sha1}" size="${att.doc1.size}"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc1"/></d>',
          attachments: [
            { contentId: 'doc1', contentType: 'text/xml', text: '<ClinicalDocument/>' },
            { contentId: 'big', contentType: 'application/octet-stream', generate: { bytes: 5000 } },
          ],
        },
      },
      'passed',
    );
    const req = http.requests.at(-1)!;
    const ct = req.headers['content-type']!;
    expect(ct).toMatch(
      /^multipart\/related; type="application\/xop\+xml"; boundary="[^"]+"; start="<[^>]+>"; start-info="application\/soap\+xml"; action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"$/,
    );
    // Independent check of the framing: the root part is declared as XOP and holds the envelope.
    const boundary = /boundary="([^"]+)"/.exec(ct)![1]!;
    const text = req.body.toString('latin1');
    expect(
      text.startsWith(
        `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"`,
      ),
    ).toBe(true);
    expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
    const mp = parseMultipart(ct, req.body);
    expect(mp.attachments.map((a) => [a.contentId, a.contentType, a.data.length])).toEqual([
      ['doc1', 'text/xml', 19],
      ['big', 'application/octet-stream', 5000],
    ]);
    const doc = parseXml(mp.root.data);
    expect(selectString('//d/@hash', doc)).toBe(sha1Hex(Buffer.from('<ClinicalDocument/>')));
    expect(selectString('//d/@size', doc)).toBe('19');
  });

  it('mtom: true sends a one-part XOP package', async () => {
    await step(
      { soap: { path: '/echo', action: 'urn:ihe:iti:2007:RetrieveDocumentSet', mtom: true, body: '<r/>' } },
      'passed',
    );
    const req = http.requests.at(-1)!;
    const mp = parseMultipart(req.headers['content-type']!, req.body);
    expect(mp.attachments).toHaveLength(0);
    expect(mp.root.contentType).toContain('application/xop+xml');
  });

  it('a broken multipart response fails the step as a finding, with the body as excerpt', async () => {
    const st = await step(
      { soap: { path: '/broken-mtom', action: 'urn:x', body: '<r/>' }, expect: { status: 200 } },
      'failed',
    );
    expect(st.failures[0]).toMatchObject({
      check: 'multipart',
      actual: expect.stringContaining('truncated'),
    });
    expect(st.excerpt).toContain('--zz');
  });

  it('parses an MTOM response: XPath on the root part, attachment checks by include, id and index', async () => {
    const s = { soap: { path: '/mtom', action: 'urn:ihe:iti:2007:RetrieveDocumentSet', body: '<r/>' } };
    const sha1 = sha1Hex(RETRIEVED);
    await step(
      {
        ...s,
        expect: {
          registryStatus: 'Success',
          attachmentCount: 1,
          attachments: [
            {
              include:
                '//xdsb:DocumentResponse[xdsb:DocumentUniqueId="1.2.3"]/xdsb:Document/xop:Include/@href',
              sha1,
              size: RETRIEVED.length,
              contentType: 'application/pdf',
            },
            { contentId: 'doc1@mesh', text: RETRIEVED.toString('utf8') },
            { index: 1, sha1: '${expected}' },
          ],
        },
      },
      'passed',
      { vars: { expected: sha1 } },
    );
    const st = await step(
      {
        ...s,
        expect: {
          attachmentCount: 2,
          attachments: [{ index: 1, sha1: '0000', size: 1 }, { contentId: 'nope' }],
        },
      },
      'failed',
    );
    expect(st.failures.map((f) => f.check)).toEqual([
      'attachmentCount',
      'attachments[1].sha1',
      'attachments[1].size',
      'attachments[2]',
    ]);
  });
});

describe('TLS targets', () => {
  it('HTTPS base URL trusted through target.ca; refused without it', async () => {
    const https = await startHttp(() => ({ status: 200, body: 'secure' }), tlsMaterial);
    try {
      const t: Target = { baseUrl: https.url, ca: tlsMaterial.cert, timeoutMs: 3000 };
      expect((await play([{ http: { path: '/' }, expect: { bodyContains: 'secure' } }], {}, t)).status).toBe(
        'passed',
      );
      const untrusted = await play([{ http: { path: '/' } }], {}, { baseUrl: https.url, timeoutMs: 3000 });
      expect(untrusted.steps[0]!.failures[0]!.check).toBe('transport');
    } finally {
      await https.close();
    }
  });

  it('MLLP over TLS', async () => {
    const secure = await startMllp((msg) => ACK(msg, 'AA'), tlsMaterial);
    try {
      const t: Target = { ...target, mllp: { host: '127.0.0.1', port: secure.port, tls: true } };
      const r = await play(
        [
          {
            mllp: { message: 'MSH|^~\\&|A|B|C|D|20260101||ADT^A01|T1|P|2.5' },
            expect: { hl7: [{ field: 'MSA-2', equals: 'T1' }] },
          },
        ],
        {},
        t,
      );
      expect(r.status, JSON.stringify(r.steps)).toBe('passed');
      expect(secure.received).toHaveLength(1);
    } finally {
      await secure.close();
    }
  });
});

describe('captures and substitution', () => {
  it('carries json, xpath, header and regex captures into later steps', async () => {
    const r = await play([
      {
        http: { path: '/json' },
        capture: { itemId: 'items.0.id', n: { json: 'items.0.n' }, trace: { header: 'X-Trace' } },
      },
      {
        soap: { path: '/registry', action: 'urn:x', body: '<x/>' },
        capture: {
          ctx1: '//rs:RegistryError[1]/@codeContext',
          word: { regex: 'errorCode="(XDS\\w+)"', group: 1 },
        },
      },
      {
        http: { path: '/items/${itemId}', headers: { 'x-all': '${n}|${trace}|${ctx1}|${word}' } },
        expect: { status: 200, bodyContains: 'found ${itemId}' },
      },
    ]);
    expect(r.status, JSON.stringify(r.steps)).toBe('passed');
    expect(http.requests.at(-1)!.headers['x-all']).toBe('3|abc-123|bad slot|XDSRegistryMetadataError');
  });

  it('a capture that finds nothing fails the step', async () => {
    const st = await step({ http: { path: '/json' }, capture: { x: 'items.5.id' } }, 'failed');
    expect(st.failures[0]).toMatchObject({ check: 'capture x', actual: 'nothing found' });
  });

  it('an unknown variable fails the step with a clear message', async () => {
    const st = await step({ http: { path: '/items/${missing}' } }, 'failed');
    expect(st.failures[0]).toEqual({
      check: 'substitution',
      expected: 'a defined variable',
      actual: 'unknown variable ${missing}',
    });
  });

  it('built-ins: fresh uuid/uniqueOid per use, vars bind them once, now/nowHl7 formats', async () => {
    await step(
      {
        http: {
          method: 'POST',
          path: '/echo',
          body: '${uuid} ${uuid} ${uniqueOid} ${id} ${id} ${now} ${nowHl7}',
        },
      },
      'passed',
      { vars: { id: '${uniqueOid}' } },
    );
    const [u1, u2, oid, id1, id2, now, hl7] = http.requests.at(-1)!.body.toString().split(' ');
    expect(u1).not.toBe(u2);
    expect(oid).toMatch(/^2\.25\.\d+$/);
    expect(id1).toBe(id2);
    expect(oid).not.toBe(id1);
    expect(now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(hl7).toMatch(/^\d{14}\+0000$/);
  });
});

describe('mllp steps', () => {
  it('frames the message, normalises LF to CR and checks the ACK', async () => {
    const r = await play(
      [
        {
          mllp: {
            message:
              'MSH|^~\\&|LAB|HOSP|MPI|MESH|${nowHl7}||ADT^A01^ADT_A01|${ctrl}|P|2.5\nPID|1||12345^^^&1.2.3&ISO||Doe^John\n',
          },
          expect: {
            hl7: [
              { field: 'MSA-1', equals: 'AA' },
              { field: 'MSA-2', equals: '${ctrl}' },
              { field: 'MSH-9.1', equals: 'ACK' },
              { field: 'ERR[2]-3(2).1', equals: '102' },
              { field: 'ERR[2]-3', equals: '101^Required field missing~102^Data type error^HL70357' },
              { field: 'ERR[2]-3.2', equals: 'Required field missing' },
              { field: 'ERR-2', equals: 'PID^1^3' },
              { field: 'ERR-2.3', equals: '3' },
              { field: 'MSH-1', equals: '|' },
              { field: 'MSH-2', equals: '^~\\&' },
              { field: 'PID-1', exists: false },
            ],
          },
          capture: { ackId: 'MSH-10' },
        },
        { http: { path: '/items/a1', headers: { 'x-ack': '${ackId}' } } },
      ],
      { vars: { ctrl: 'C-${uuid}' } },
    );
    expect(r.status, JSON.stringify(r.steps)).toBe('passed');
    const sent = mllp.received.at(-1)!;
    expect(sent).not.toContain('\n');
    expect(sent.split('\r')).toHaveLength(3); // two segments, each ending with CR
    expect(http.requests.at(-1)!.headers['x-ack']).toMatch(/^ACKC-/);
  });

  it('fails hl7 expectations that do not hold', async () => {
    const st = await step(
      {
        mllp: { message: 'MSH|^~\\&|A|B|C|D|20260101||ADT^A01|BAD1|P|2.5' },
        expect: {
          hl7: [
            { field: 'MSA-1', equals: 'AA' },
            { field: 'ERR-3.2', matches: '^Missing' },
          ],
        },
      },
      'failed',
    );
    expect(st.failures).toEqual([
      { check: 'hl7 MSA-1', expected: '"AA"', actual: '"AE"' },
      { check: 'hl7 ERR-3.2', expected: 'matches /^Missing/', actual: '"Unknown key"' },
    ]);
    expect(st.excerpt).toContain('MSA|AE|BAD1\n');
  });

  it('a peer that closes without answering fails the step', async () => {
    const st = await step(
      { mllp: { message: 'MSH|^~\\&|A|B|C|D|20260101||ADT^A01|NOREPLY|P|2.5' } },
      'failed',
    );
    expect(st.failures[0]!.check).toBe('transport');
  });

  it('a scenario needing MLLP is skipped when the target has none', async () => {
    const r = await play([{ mllp: { message: 'MSH|^~\\&|A' } }], {}, { baseUrl: http.url });
    expect(r).toMatchObject({ status: 'skipped', skipReason: expect.stringContaining('--mllp') });
  });
});

describe('syslog steps', () => {
  it('TLS: octet-counting frames (length in octets, not characters)', async () => {
    const msg = '<85>1 2026-01-01T00:00:00Z host app 1 IHE+RFC-3881 - <AuditMessage>é ${tag}</AuditMessage>';
    const before = syslogTls.received.length;
    await step({ syslog: { transport: 'tls', message: [msg, 'second ${tag}'] } }, 'passed', {
      vars: { tag: 'T1' },
    });
    await eventually(() => syslogTls.received.length >= before + 2);
    const expected = msg.replace('${tag}', 'T1');
    expect(syslogTls.received.slice(before)).toEqual([expected, 'second T1']);
    const raw = Buffer.concat(syslogTls.raw).toString('utf8');
    expect(raw).toContain(`${Buffer.byteLength(expected)} ${expected}`);
    expect(Buffer.byteLength(expected)).toBe(expected.length + 1); // é is two octets
  });

  it('TLS: built from fields with PRI, version, MSGID and a run-time timestamp', async () => {
    const before = syslogTls.received.length;
    await step({ syslog: { fields: { appName: 'mesh-test', msg: '<AuditMessage/>' } } }, 'passed');
    await eventually(() => syslogTls.received.length > before);
    expect(syslogTls.received.at(-1)).toMatch(
      /^<85>1 \d{4}-\d\d-\d\dT[\d:.]+Z mesh-harness mesh-test \d+ IHE\+RFC-3881 - <AuditMessage\/>$/,
    );
  });

  it('TLS: an untrusted server certificate fails the step', async () => {
    const st = (
      await play([{ syslog: { transport: 'tls', message: 'x' } }], {}, { ...target, ca: undefined })
    ).steps[0]!;
    expect(st.status).toBe('failed');
    expect(st.failures[0]!.check).toBe('transport');
  });

  it('TLS: a receiver that never closes its side is accepted after a short grace', async () => {
    const halfOpen = await startSyslogTls(tlsMaterial, { neverClose: true });
    try {
      const t: Target = { ...target, syslogTls: { host: '127.0.0.1', port: halfOpen.port } };
      const r = await play([{ syslog: { message: 'kept' } }], {}, t);
      expect(r.status, JSON.stringify(r.steps)).toBe('passed');
      expect(r.steps[0]!.durationMs).toBeLessThan(3000);
      await eventually(() => halfOpen.received.length === 1);
    } finally {
      await halfOpen.close();
    }
  });

  it('TLS: a receiver demanding a client certificate rejects a sender without one', async () => {
    const mutual = await startSyslogTls(tlsMaterial, { requireClientCert: true });
    try {
      const t: Target = { ...target, syslogTls: { host: '127.0.0.1', port: mutual.port } };
      const r = await play([{ syslog: { message: 'anonymous' } }], {}, t);
      expect(r.steps[0]!.failures[0]!.check).toBe('transport');
      const withCert = await play(
        [{ syslog: { message: 'authenticated' } }],
        {},
        { ...t, cert: tlsMaterial.cert, key: tlsMaterial.key },
      );
      expect(withCert.status, JSON.stringify(withCert.steps)).toBe('passed');
      await eventually(() => mutual.received.includes('authenticated'));
      expect(mutual.received).not.toContain('anonymous');
    } finally {
      await mutual.close();
    }
  });

  it('UDP: one message per datagram, unframed', async () => {
    await step(
      { syslog: { transport: 'udp', message: ['<85>1 - h a - - - one', '<85>1 - h a - - - two'] } },
      'passed',
    );
    await eventually(() => syslogUdp.received.length >= 2);
    expect(syslogUdp.received.slice(-2)).toEqual(['<85>1 - h a - - - one', '<85>1 - h a - - - two']);
  });
});

describe('scenario sources', () => {
  it('runs validated scenarios as they are, validates look-alikes, rejects duplicate ids', async () => {
    const [loaded] = parseScenarioYaml(
      `id: y1\nsteps:\n  - http: { path: /ok }\n    expect: { status: 200 }\n`,
      '/tmp/y1.yaml',
    );
    expect((await runScenarios({ scenarios: [loaded], target })).ok).toBe(true);
    await expect(runScenarios({ scenarios: [{ ...loaded }], target })).rejects.toThrow(
      "<inline #1>: scenario 'y1': unknown key 'file'",
    );
    await expect(
      runScenarios({ scenarios: [loaded, { id: 'y1', steps: [{ http: { path: '/ok' } }] }], target }),
    ).rejects.toThrow("<inline #2>: scenario 'y1': duplicate id (also in /tmp/y1.yaml)");
  });
});

describe('report', () => {
  it('counts passed, failed and skipped scenarios; ok only without failures', async () => {
    const report = await runScenarios({
      scenarios: [
        { id: 'a', tags: ['x'], steps: [{ http: { path: '/ok' }, expect: { status: 200 } }] },
        { id: 'b', tags: ['y'], steps: [{ http: { path: '/ok' }, expect: { status: 404 } }] },
        { id: 'c', tags: ['x'], steps: [{ mllp: { message: 'MSH|^~\\&|A' } }] },
      ],
      target: { baseUrl: http.url },
    });
    expect(report).toMatchObject({ passed: 1, failed: 1, skipped: 1, ok: false });
    const onlyX = await runScenarios({
      scenarios: [
        { id: 'a', tags: ['x'], steps: [{ http: { path: '/ok' }, expect: { status: 200 } }] },
        { id: 'b', tags: ['y'], steps: [{ http: { path: '/ok' }, expect: { status: 404 } }] },
      ],
      target: { baseUrl: http.url },
      tags: ['x'],
    });
    expect(onlyX).toMatchObject({ passed: 1, failed: 0, skipped: 0, ok: true });
    expect(onlyX.scenarios.map((s) => s.id)).toEqual(['a']);
  });
});
