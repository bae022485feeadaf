/**
 * The repository as the mesh runs it (PGlite + in-process bus, one real process): ITI-41 over
 * SOAP/MTOM, ITI-43 and ITI-86 over SOAP, with `registry.register` answered on the real bus by a
 * registry stand-in the test controls (Success, Failure, or no answer), so the refusal paths can
 * be driven. The registry itself is exercised end to end in services/launcher (repository.int.test.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryRegisterRequest } from '@mesh/bus';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { soapCall } from '@mesh/soap';
import type { SoapResponse } from '@mesh/soap';
import { readSubmitObjectsRequest } from '@mesh/xds';
import { NS, child, children, childText, parseXml, selectString } from '@mesh/xml';
import { createRepositoryService } from './service.js';
import type { CdaValidator } from './cda.js';
import {
  ITI41_ACTION,
  ITI43_ACTION,
  ITI86_ACTION,
  REPOSITORY_ID,
  cda,
  documentRequests,
  entry,
  iti41Request,
  newPatient,
  sha1,
  submission,
} from './test-fixtures.js';

const OPENXDS = new URL('../../../../shared/conformance/02-xds-metadata/openxds/', import.meta.url);
const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';
const FAILURE = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure';
const PARTIAL = 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess';

type RegistryMode = 'success' | 'failure' | 'silent';

describe('repository service (PGlite + in-process bus, registry stand-in on the bus)', () => {
  let dataDir: string;
  let mesh: MeshProcess;
  let url: string;
  let mode: RegistryMode = 'success';
  const registered: RegistryRegisterRequest[] = [];
  const validatorFindings: { severity: 'Error' | 'Warning'; message: string }[] = [];
  const validator: CdaValidator = {
    validate: () => Promise.resolve(validatorFindings),
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-repository-'));
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      REPOSITORY_REGISTER_TIMEOUT_MS: '500',
      REPOSITORY_CDA_VALIDATION: 'error',
    };
    mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { repository: createRepositoryService({ cdaValidator: validator }) },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    url = `${mesh.url}/xds/repository`;
    // The registry's side of ITI-42 as the registry serves it (services/registry), answered as the test says.
    const sub = mesh.bus.serve(
      'registry.register',
      async (req) => {
        if (mode === 'silent') {
          // Answers after the repository gave up waiting; not counted as a registration.
          await new Promise((r) => setTimeout(r, 2_000));
          return {
            responseXml: `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${SUCCESS}"/>`,
            status: 'Success',
          };
        }
        registered.push(req);
        return mode === 'success'
          ? {
              responseXml: `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${SUCCESS}"/>`,
              status: 'Success',
            }
          : {
              responseXml:
                `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${FAILURE}"><rs:RegistryErrorList highestSeverity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error">` +
                `<rs:RegistryError errorCode="XDSUnknownPatientId" codeContext="unknown patient" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse>`,
              status: 'Failure',
            };
      },
      { queue: 'registry' },
    );
    await sub.ready;
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    mode = 'success';
    registered.length = 0;
    validatorFindings.length = 0;
  });

  const blobDir = (): string => join(dataDir, 'repository', 'blobs');
  async function blobFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const d of await readdir(blobDir()).catch(() => [] as string[]))
      for (const f of await readdir(join(blobDir(), d))) out.push(f);
    return out;
  }
  async function spoolFiles(): Promise<string[]> {
    return readdir(join(dataDir, 'spool', 'mesh'));
  }

  async function provide(
    s: ReturnType<typeof submission>,
    parts: Parameters<typeof iti41Request>[1],
  ): Promise<{ status: string; codes: string[]; res: SoapResponse }> {
    const { body, attachments } = iti41Request(s, parts);
    const res = await soapCall(url, { action: ITI41_ACTION, body, attachments, mtom: true });
    await res.dispose();
    expect(res.fault, res.fault?.reason).toBeUndefined();
    return {
      status: res.body.getAttribute('status') ?? '',
      codes: Array.from(res.body.getElementsByTagNameNS(NS.rs, 'RegistryError')).map(
        (e) => e.getAttribute('errorCode') ?? '',
      ),
      res,
    };
  }

  async function retrieve(
    docs: Parameters<typeof documentRequests>[1],
  ): Promise<{ status: string; codes: string[]; docs: Map<string, Buffer>; res: SoapResponse }> {
    const res = await soapCall(url, {
      action: ITI43_ACTION,
      body: documentRequests('RetrieveDocumentSetRequest', docs),
    });
    try {
      expect(res.fault, res.fault?.reason).toBeUndefined();
      const out = new Map<string, Buffer>();
      for (const dr of children(res.body, NS.xdsb, 'DocumentResponse')) {
        const a = res.resolveInclude(child(dr, NS.xdsb, 'Document') as Element);
        out.set(childText(dr, NS.xdsb, 'DocumentUniqueId') ?? '', a ? await a.bytes() : Buffer.alloc(0));
      }
      const rr = child(res.body, NS.rs, 'RegistryResponse') as Element;
      return {
        status: rr.getAttribute('status') ?? '',
        codes: Array.from(rr.getElementsByTagNameNS(NS.rs, 'RegistryError')).map(
          (e) => e.getAttribute('errorCode') ?? '',
        ),
        docs: out,
        res,
      };
    } finally {
      await res.dispose();
    }
  }

  it('stores an MTOM document, registers it over the bus with hash, size and repositoryUniqueId, and serves it back', async () => {
    const patient = newPatient();
    const body = cda(patient, 5000);
    const e = entry(patient, 'Document01');
    const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }]);
    expect(r.status).toBe(SUCCESS);
    expect(registered).toHaveLength(1);
    const sent = readSubmitObjectsRequest(parseXml(registered[0]!.submission)).submission!;
    expect(sent.documentEntries[0]).toMatchObject({
      hash: sha1(body),
      size: String(body.length),
      repositoryUniqueId: REPOSITORY_ID,
      uniqueId: e.uniqueId,
    });
    expect(registered[0]!.context.transaction).toBe('ITI-42');

    const got = await retrieve([{ uniqueId: e.uniqueId! }]);
    expect(got.status).toBe(SUCCESS);
    expect(got.docs.get(e.uniqueId!)?.equals(body)).toBe(true);
    expect(selectString('string(//xdsb:DocumentResponse/xdsb:mimeType)', got.res.envelope)).toBe('text/xml');
    // The spooled MTOM part was moved into the blob store, not left in the spool.
    expect(await spoolFiles()).toEqual([]);
  });

  it('accepts a supplied hash in upper case and the matching size (NIST tests)', async () => {
    const patient = newPatient();
    const body = cda(patient, 3000);
    const e = entry(patient, 'Document01', { hash: sha1(body).toUpperCase(), size: String(body.length) });
    const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }]);
    expect(r.status).toBe(SUCCESS);
  });

  it('refuses a wrong hash, a wrong size and a foreign repositoryUniqueId with XDSRepositoryMetadataError, storing nothing', async () => {
    const before = await blobFiles();
    const patient = newPatient();
    const body = cda(patient, 3000);
    for (const over of [
      { hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      { size: String(body.length + 1) },
      { repositoryUniqueId: '1.3.6.1.4.1.99999.4.2' },
    ]) {
      const e = entry(patient, 'Document01', over);
      const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }]);
      expect(r.status).toBe(FAILURE);
      expect(r.codes).toEqual(['XDSRepositoryMetadataError']);
      expect((await retrieve([{ uniqueId: e.uniqueId! }])).codes).toEqual(['XDSDocumentUniqueIdError']);
    }
    expect(registered).toHaveLength(0);
    expect(await blobFiles()).toEqual(before);
    expect(await spoolFiles()).toEqual([]);
  });

  it('answers XDSMissingDocument for an entry without its part and XDSMissingDocumentMetadata for a part without its entry', async () => {
    const patient = newPatient();
    const e1 = entry(patient, 'Document01');
    const e2 = entry(patient, 'Document02');
    // Document02's xop:Include names a Content-ID that is not in the message.
    const missing = await provide(submission(patient, [e1, e2]), [
      { id: 'Document01', bytes: cda(patient) },
      { id: 'Document02', contentId: 'nowhere@test' },
    ]);
    expect(missing.status).toBe(FAILURE);
    expect(missing.codes).toContain('XDSMissingDocument');
    // No Document element at all for an entry.
    const absent = await provide(submission(patient, [e1, e2]), [{ id: 'Document01', bytes: cda(patient) }]);
    expect(absent.codes).toEqual(['XDSMissingDocument']);
    // A Document whose id is no DocumentEntry.
    const extra = await provide(submission(patient, [e1]), [
      { id: 'Document01', bytes: cda(patient) },
      { id: 'Document99', bytes: cda(patient) },
    ]);
    expect(extra.codes).toEqual(['XDSMissingDocumentMetadata']);
    expect(registered).toHaveLength(0);
    expect((await retrieve([{ uniqueId: e1.uniqueId! }])).status).toBe(FAILURE);
  });

  it('deletes what it stored when the registry refuses, and answers with the registry outcome', async () => {
    const before = await blobFiles();
    mode = 'failure';
    const patient = newPatient();
    const e = entry(patient, 'Document01');
    const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient, 200_000) }]);
    expect(r.status).toBe(FAILURE);
    expect(r.codes).toEqual(['XDSUnknownPatientId']);
    expect(registered).toHaveLength(1);
    expect((await retrieve([{ uniqueId: e.uniqueId! }])).codes).toEqual(['XDSDocumentUniqueIdError']);
    expect(await blobFiles()).toEqual(before);
  });

  it('answers XDSRegistryNotAvailable when the registry does not answer in time, storing nothing', async () => {
    const before = await blobFiles();
    mode = 'silent';
    const patient = newPatient();
    const e = entry(patient, 'Document01');
    const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient) }]);
    expect(r.status).toBe(FAILURE);
    expect(r.codes).toEqual(['XDSRegistryNotAvailable']);
    mode = 'success';
    expect((await retrieve([{ uniqueId: e.uniqueId! }])).codes).toEqual(['XDSDocumentUniqueIdError']);
    expect(await blobFiles()).toEqual(before);
  });

  it('is safe to retry: the same document again is not stored twice; other content under its uniqueId is refused', async () => {
    const patient = newPatient();
    const body = cda(patient, 4000);
    const e = entry(patient, 'Document01');
    expect((await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }])).status).toBe(
      SUCCESS,
    );
    const files = await blobFiles();
    // The retry (the source did not see the first answer) stores nothing new; the registry decides.
    expect((await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }])).status).toBe(
      SUCCESS,
    );
    expect(await blobFiles()).toEqual(files);
    // A registry refusal of the retry does not remove the committed original.
    mode = 'failure';
    expect((await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }])).status).toBe(
      FAILURE,
    );
    mode = 'success';
    expect((await retrieve([{ uniqueId: e.uniqueId! }])).docs.get(e.uniqueId!)?.equals(body)).toBe(true);
    const other = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient, 4001) }]);
    expect(other.status).toBe(FAILURE);
    expect(other.codes).toEqual(['XDSNonIdenticalHash']);
  });

  it('retrieves several documents in one request, with PartialSuccess and the codes of the missing ones', async () => {
    const patient = newPatient();
    const b1 = cda(patient, 1000);
    const b2 = cda(patient, 70_000);
    const e1 = entry(patient, 'Document01');
    const e2 = entry(patient, 'Document02');
    expect(
      (
        await provide(submission(patient, [e1, e2]), [
          { id: 'Document01', bytes: b1 },
          { id: 'Document02', bytes: b2 },
        ])
      ).status,
    ).toBe(SUCCESS);
    const all = await retrieve([{ uniqueId: e1.uniqueId! }, { uniqueId: e2.uniqueId! }]);
    expect(all.status).toBe(SUCCESS);
    expect(all.docs.get(e1.uniqueId!)?.equals(b1)).toBe(true);
    expect(all.docs.get(e2.uniqueId!)?.equals(b2)).toBe(true);

    const some = await retrieve([
      { uniqueId: e1.uniqueId! },
      { uniqueId: '1.2.3.4.404' },
      { uniqueId: e2.uniqueId!, repositoryUniqueId: '1.3.6.1.4.1.99999.4.2' },
      { uniqueId: e2.uniqueId!, homeCommunityId: 'urn:oid:1.3.6.1.4.1.99999.3.1' },
    ]);
    expect(some.status).toBe(PARTIAL);
    expect(some.codes.sort()).toEqual(['XDSDocumentUniqueIdError', 'XDSUnknownRepositoryId']);
    expect([...some.docs.keys()].sort()).toEqual([e1.uniqueId!, e2.uniqueId!].sort());
    // HomeCommunityId is echoed for the request that carried it.
    expect(selectString('count(//xdsb:DocumentResponse/xdsb:HomeCommunityId)', some.res.envelope)).toBe('1');

    const none = await retrieve([{ uniqueId: '1.2.3.4.404' }]);
    expect(none.status).toBe(FAILURE);
    expect(none.docs.size).toBe(0);
  });

  it('checks CDA content: patient mismatch, DOCTYPE, broken XML and the validation hook', async () => {
    const patient = newPatient();
    const other = cda(newPatient());
    const e = entry(patient, 'Document01');
    const mismatch = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: other }]);
    expect(mismatch.codes).toEqual(['XDSPatientIdDoesNotMatch']);
    const doctype = await provide(submission(patient, [e]), [
      { id: 'Document01', bytes: cda(patient, 2000, { doctype: true }) },
    ]);
    expect(doctype.codes).toEqual(['XDSRepositoryMetadataError']);
    const broken = cda(patient).subarray(0, 600);
    expect((await provide(submission(patient, [e]), [{ id: 'Document01', bytes: broken }])).codes).toEqual([
      'XDSRepositoryMetadataError',
    ]);
    validatorFindings.push({ severity: 'Error', message: 'Schematron rule failed' });
    expect(
      (await provide(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient) }])).codes,
    ).toEqual(['XDSRepositoryMetadataError']);
    expect(registered).toHaveLength(0);
    // The CDA header may name the patient by the hospital's local id (sourcePatientId).
    validatorFindings.length = 0;
    const local = await provide(submission(patient, [e]), [
      { id: 'Document01', bytes: cda('H-778^^^&1.3.6.1.4.1.99999.2.10001.1&ISO') },
    ]);
    expect(local.status).toBe(SUCCESS);
  });

  it('checks large CDAs (parsed a few at a time) and stores them', async () => {
    const patient = newPatient();
    const results = await Promise.all(
      [1, 2, 3].map(async () => {
        const body = cda(patient, 3 * 1024 * 1024);
        const e = entry(patient, 'Document01');
        const r = await provide(submission(patient, [e]), [{ id: 'Document01', bytes: body }]);
        return { r, e, body };
      }),
    );
    for (const { r, e, body } of results) {
      expect(r.status).toBe(SUCCESS);
      expect((await retrieve([{ uniqueId: e.uniqueId! }])).docs.get(e.uniqueId!)?.equals(body)).toBe(true);
    }
    const wrong = await provide(submission(patient, [entry(patient, 'Document01')]), [
      { id: 'Document01', bytes: cda(newPatient(), 3 * 1024 * 1024) },
    ]);
    expect(wrong.codes).toEqual(['XDSPatientIdDoesNotMatch']);
  });

  it('answers hostile input with a fault and stores nothing', async () => {
    const before = await blobFiles();
    const patient = newPatient();
    const { body } = iti41Request(submission(patient, [entry(patient, 'Document01')]), [
      { id: 'Document01', bytes: cda(patient) },
    ]);
    const env = (b: string, extra = ''): string =>
      `${extra}<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${ITI41_ACTION}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${b}</s:Body></s:Envelope>`;
    const post = async (
      contentType: string,
      payload: string | Buffer,
    ): Promise<{ status: number; text: string }> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: typeof payload === 'string' ? payload : new Uint8Array(payload),
      });
      return { status: res.status, text: await res.text() };
    };
    // Wrong content type.
    const wrong = await post('text/plain', env(body));
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.text).toContain('Fault');
    // DOCTYPE in the envelope.
    const dtd = await post(
      `application/soap+xml; action="${ITI41_ACTION}"`,
      env(body, '<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
    );
    expect(dtd.status).toBeGreaterThanOrEqual(400);
    expect(dtd.text).toContain('Fault');
    // Broken multipart: the closing boundary never comes.
    const boundary = 'MIMEBoundary_broken';
    const broken = Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\nContent-ID: <root@x>\r\n\r\n${env(body)}\r\n` +
        `--${boundary}\r\nContent-Type: text/xml\r\nContent-ID: <doc@x>\r\n\r\n<ClinicalDocument`,
    );
    const mp = await post(
      `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root@x>"; start-info="application/soap+xml"`,
      broken,
    );
    expect(mp.status).toBeGreaterThanOrEqual(400);
    expect(mp.text).toContain('Fault');
    expect(registered).toHaveLength(0);
    expect(await blobFiles()).toEqual(before);
    expect(await spoolFiles()).toEqual([]);
  });

  it('reads the openxds Provide and Register samples (inline and MTOM) and reports their problems against the national domain, storing nothing', async () => {
    const strip = (x: string): string =>
      x
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/<\?xml[^>]*\?>/, '')
        .trim();
    const codesOf = (res: SoapResponse): string[] =>
      Array.from(res.body.getElementsByTagNameNS(NS.rs, 'RegistryError')).map(
        (e) => e.getAttribute('errorCode') ?? '',
      );
    // 1. The sample with its (truncated) document inline as base64.
    const inline = strip(
      await readFile(new URL('samples/ProvideAndRegisterDocumentSet-bRequest.xml', OPENXDS), 'utf8'),
    );
    const a = await soapCall(url, { action: ITI41_ACTION, body: inline, mtom: true });
    await a.dispose();
    expect(a.fault).toBeUndefined();
    expect(a.body.getAttribute('status')).toBe(FAILURE);
    expect(codesOf(a)).toContain('XDSRepositoryMetadataError');
    // 2. The submit_document metadata with the medical_summary CDA as an MTOM part.
    const metadata = strip(await readFile(new URL('test-data/submit_document.xml', OPENXDS), 'utf8'));
    const cdaBytes = await readFile(new URL('test-data/medical_summary.xml', OPENXDS));
    const body = metadata.replace(
      '</axis2ns1:ProvideAndRegisterDocumentSetRequest>',
      `<axis2ns1:Document id="$doc1"><xop:Include xmlns:xop="${NS.xop}" href="cid:medical-summary@openxds"/></axis2ns1:Document></axis2ns1:ProvideAndRegisterDocumentSetRequest>`,
    );
    const b = await soapCall(url, {
      action: ITI41_ACTION,
      body,
      attachments: [
        {
          contentId: 'medical-summary@openxds',
          contentType: 'text/xml',
          open: () => Readable.from([cdaBytes], { objectMode: false }),
        },
      ],
    });
    await b.dispose();
    expect(b.fault).toBeUndefined();
    expect(b.body.getAttribute('status')).toBe(FAILURE);
    expect(codesOf(b)).toContain('XDSRepositoryMetadataError');
    expect(codesOf(b)).not.toContain('XDSMissingDocument');
    expect(registered).toHaveLength(0);
  });

  it('removes documents (ITI-86): Success, then XDSDocumentUniqueIdError for what is gone', async () => {
    const patient = newPatient();
    const e = entry(patient, 'Document01');
    expect(
      (await provide(submission(patient, [e]), [{ id: 'Document01', bytes: cda(patient) }])).status,
    ).toBe(SUCCESS);
    const files = (await blobFiles()).length;
    const remove = async (): Promise<Element> => {
      const res = await soapCall(url, {
        action: ITI86_ACTION,
        body: documentRequests('RemoveDocumentsRequest', [{ uniqueId: e.uniqueId! }]),
      });
      await res.dispose();
      expect(res.fault, res.fault?.reason).toBeUndefined();
      return res.body;
    };
    expect((await remove()).getAttribute('status')).toBe(SUCCESS);
    expect((await blobFiles()).length).toBe(files - 1);
    const again = await remove();
    expect(again.getAttribute('status')).toBe(FAILURE);
    expect(again.getElementsByTagNameNS(NS.rs, 'RegistryError')[0]?.getAttribute('errorCode')).toBe(
      'XDSDocumentUniqueIdError',
    );
    expect((await retrieve([{ uniqueId: e.uniqueId! }])).codes).toEqual(['XDSDocumentUniqueIdError']);
  });

  it('stores and serves a 50 MB document as streams', async () => {
    const patient = newPatient();
    const size = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const hash = createHash('sha1');
    for (let i = 0; i < 50; i++) hash.update(chunk);
    const e = entry(patient, 'Document01', { mimeType: 'application/xml' });
    const s = submission(patient, [e]);
    const { body } = iti41Request(s, [{ id: 'Document01', contentId: 'big@test' }]);
    const res = await soapCall(url, {
      action: ITI41_ACTION,
      body,
      attachments: [
        {
          contentId: 'big@test',
          contentType: 'application/octet-stream',
          size,
          open: () =>
            Readable.from(
              (function* () {
                for (let i = 0; i < 50; i++) yield chunk;
              })(),
            ),
        },
      ],
      timeoutMs: 120_000,
    });
    await res.dispose();
    expect(res.body.getAttribute('status')).toBe(SUCCESS);
    const sent = readSubmitObjectsRequest(parseXml(registered[0]!.submission)).submission!;
    expect(sent.documentEntries[0]?.size).toBe(String(size));
    expect(sent.documentEntries[0]?.hash).toBe(hash.digest('hex'));

    const back = await soapCall(url, {
      action: ITI43_ACTION,
      body: documentRequests('RetrieveDocumentSetRequest', [{ uniqueId: e.uniqueId! }]),
      spoolDir: dataDir,
      timeoutMs: 120_000,
    });
    try {
      const part = back.resolveInclude(
        child(child(back.body, NS.xdsb, 'DocumentResponse') as Element, NS.xdsb, 'Document') as Element,
      );
      expect(part?.size).toBe(size);
      expect(part?.sha1).toBe(sent.documentEntries[0]?.hash);
    } finally {
      await back.dispose();
    }
  }, 180_000);

  it('audits ITI-41, ITI-42 (as initiator), ITI-43 and ITI-86 on the repository side', async () => {
    const seen = new Set<string>();
    const subs: { close(): Promise<void> }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`audit records missing; saw ${[...seen].join(',')}`)),
        15_000,
      );
      const see = (xml: string): Promise<void> => {
        for (const tx of ['ITI-41', 'ITI-42', 'ITI-43', 'ITI-86'])
          if (xml.includes(`csd-code="${tx}"`)) seen.add(tx);
        if (seen.size === 4) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      };
      const durable = `repository-test-${randomUUID().slice(0, 8)}`;
      // The Secure Node sends a record alone, or with those handed over meanwhile in one batch.
      subs.push(mesh.bus.consume('audit.record-submitted', { durable }, (rec) => see(rec.xml)));
      subs.push(
        mesh.bus.consume('audit.records-submitted', { durable: `${durable}-batches` }, async (batch) => {
          for (const rec of batch.records) await see(rec.xml);
        }),
      );
    });
    await Promise.all(subs.map((s) => s.close()));
    expect([...seen].sort()).toEqual(['ITI-41', 'ITI-42', 'ITI-43', 'ITI-86']);
  });
});
