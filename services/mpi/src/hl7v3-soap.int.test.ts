/**
 * The MPI's HL7 V3 side over SOAP in a mesh process: the IPF PIXV3 feed sample
 * (PRPA_IN201301UV02) registered as written, an ITI-45 query built from the IPF NIST sample
 * finding its cross-reference, ITI-47 from the IPF PDQ sample finding the patient with
 * continuation and cancel, and refusals (unknown domain, unreadable message). The affinity
 * domain is the shipped default plus the samples' assigning authorities (AFFINITY_DOMAIN_FILE).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import { buildAck, parseIti44 } from '@mesh/hl7v3';
import { createMllpClient } from '@mesh/mllp';
import { soapEndpoint } from '@mesh/soap';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { NS, parseXml, serialize } from '@mesh/xml';
import { mpiService } from './service.js';

const IPF = new URL('../../../../shared/conformance/03-hl7v3/ipf/translation/', import.meta.url);
const distributed = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;
const V3 = 'urn:hl7-org:v3';
const SAMPLE_AUTHORITIES = [
  '1.3.6.1.4.1.21367.2005.1.1',
  '1.3.6.1.4.1.21367.2005.1.2',
  '1.2.3.4.5.1000',
  '2.16.840.1.113883.4.1',
  '1.2.3',
];

const sample = (path: string): Promise<string> => readFile(new URL(path, IPF), 'utf8');
const body = (xml: string): string => xml.replace(/^<\?xml[^>]*\?>\s*/, '');

describe(`MPI HL7 V3 over SOAP (${distributed ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'})`, () => {
  let dir: string;
  let mesh: MeshProcess;
  /** A PIX Consumer subscribed to ITI-46: what it received (patient ids of each notification). */
  let consumer: FastifyInstance;
  const notified: string[][] = [];
  // Ids unique per run: the database may outlive the test.
  const run = randomUUID().slice(0, 8).toUpperCase();

  async function soap(path: '/pix' | '/pdq', action: string, xml: string): Promise<Document> {
    const res = await fetch(`${mesh.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${action}"` },
      body: `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action s:mustUnderstand="true">${action}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${body(xml)}</s:Body></s:Envelope>`,
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const env = parseXml(text);
    const bodyEl = env.getElementsByTagNameNS(NS.soap12, 'Body')[0];
    const first = bodyEl && Array.from(bodyEl.childNodes).find((n) => n.nodeType === 1);
    if (!first) throw new Error(`no body element in ${text.slice(0, 500)}`);
    return parseXml(serialize(first));
  }
  const v3 = (d: Document, name: string): Element[] => Array.from(d.getElementsByTagNameNS(V3, name));
  const ackCode = (d: Document): string | null =>
    v3(d, 'acknowledgement')[0]?.getElementsByTagNameNS(V3, 'typeCode')[0]?.getAttribute('code') ?? null;
  const queryResponseCode = (d: Document): string | null =>
    v3(d, 'queryResponseCode')[0]?.getAttribute('code') ?? null;
  const details = (d: Document): string =>
    v3(d, 'acknowledgementDetail')
      .map((e) => e.textContent)
      .join(' | ');
  const quantity = (d: Document, name: string): number => Number(v3(d, name)[0]?.getAttribute('value'));
  const patientIds = (d: Document): string[] =>
    v3(d, 'patient').flatMap((p) =>
      Array.from(p.childNodes)
        .filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === 'id')
        .map((e) => `${e.getAttribute('extension') ?? ''}@${e.getAttribute('root') ?? ''}`),
    );

  // Birth dates shifted per run: the matching scores similar names, so earlier runs' patients
  // on a shared database must not share a birth date with this run's.
  const shift = Number.parseInt(run, 16) % 20_000;
  const dob = (d: string): string =>
    new Date(
      Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) - shift * 86_400_000,
    )
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');

  /** The IPF feed sample with this run's ids (its patient ids and names made unique). */
  async function feed(
    suffix: string,
    family: string,
    birthTime = '19771208',
    given = 'MARY',
  ): Promise<string> {
    return (await sample('pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml'))
      .replace('<birthTime value="19771208"/>', `<birthTime value="${dob(birthTime)}"/>`)
      .replace('<given>MARY</given>', `<given>${given}</given>`)
      .replace(/extension="PIX10515W(\d)"/g, `extension="PIX10515W$1-${run}-${suffix}"`)
      .replace(/extension="100-09-1234"/g, `extension="100-${run}-${suffix}"`)
      .replace(/extension="100-09-123456"/g, `extension="100-${run}-${suffix}-1"`)
      .replace(/<family>WASHINGTON<\/family>/, `<family>${family}</family>`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-mpi-v3-'));
    const domain = JSON.parse(await readFile(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as {
      assigningAuthorities: { oid: string; name: string; kind: string }[];
    };
    for (const oid of SAMPLE_AUTHORITIES)
      domain.assigningAuthorities.push({ oid, name: `IPF sample authority ${oid}`, kind: 'hospital' });
    await writeFile(join(dir, 'domain.json'), JSON.stringify(domain));
    consumer = Fastify();
    await consumer.register(soapEndpoint, {
      path: '/pixv3-consumer',
      spoolDir: dir,
      operations: [
        {
          transaction: 'ITI-46',
          action: 'urn:hl7-org:v3:PRPA_IN201302UV02',
          responseAction: 'urn:hl7-org:v3:MCCI_IN000002UV01',
          handler: (req) => {
            // The notification has the shape of an ITI-44 revise (PRPA_IN201302UV02).
            const n = parseIti44(req.body);
            if (n.ok) notified.push(n.value.patient.ids.map((i) => `${i.extension ?? ''}@${i.root}`));
            return Promise.resolve({
              body: buildAck({
                messageId: { root: randomUUID() },
                creationTime: new Date(),
                ...(n.ok ? { request: n.value.header } : {}),
                issues: n.ok ? [] : n.issues,
              }),
            });
          },
        },
      ],
    });
    const consumerUrl = await consumer.listen({ port: 0, host: '127.0.0.1' });
    const env = {
      DATA_DIR: dir,
      PORT: '0',
      MLLP_PORT: '0',
      AFFINITY_DOMAIN_FILE: join(dir, 'domain.json'),
      MPI_ITI46_SUBSCRIBERS: `${consumerUrl}/pixv3-consumer=1.2.840.114350.1.13.99998.8734`,
      ...(distributed
        ? {
            DATABASE_URL: process.env.DATABASE_URL,
            NATS_URL: process.env.NATS_URL,
            MESH_SERVICE: 'mpi',
            NATS_SUBJECT_PREFIX: `mpiv3${process.pid}x${Date.now()}.`,
          }
        : {}),
    };
    mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { mpi: mpiService },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    await consumer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ITI-44: the IPF feed sample is acknowledged AA, then ITI-45 finds its cross-reference', async () => {
    const ack = await soap('/pix', 'urn:hl7-org:v3:PRPA_IN201301UV02', await feed('A', `WASH${run}`));
    expect(v3(ack, 'acknowledgementDetail').map((e) => e.textContent)).toEqual([]);
    expect(ackCode(ack)).toBe('AA');
    expect(ack.documentElement.localName).toBe('MCCI_IN000002UV01');

    const query = (await sample('pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml'))
      .replace('extension="PIX10501"', `extension="PIX10515W3-${run}-A"`)
      .replace('<value root="1.3.6.1.4.1.21367.2005.1.2"/>', '<value root="1.2.3.4.5.1000"/>');
    const r = await soap('/pix', 'urn:hl7-org:v3:PRPA_IN201309UV02', query);
    expect(r.documentElement.localName).toBe('PRPA_IN201310UV02');
    expect(ackCode(r)).toBe('AA');
    expect(queryResponseCode(r)).toBe('OK');
    expect(patientIds(r)).toEqual([`PIX10515W4-${run}-A@1.2.3.4.5.1000`]);
  });

  it('ITI-46: the subscribed PIX Consumer is notified of the new cross-references', async () => {
    const mine = (): string[] | undefined =>
      notified.find((ids) => ids.includes(`PIX10515W3-${run}-A@1.3.6.1.4.1.21367.2005.1.1`));
    for (let i = 0; i < 100 && !mine(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(mine()).toEqual(
      expect.arrayContaining([
        `PIX10515W3-${run}-A@1.3.6.1.4.1.21367.2005.1.1`,
        `PIX10515W4-${run}-A@1.2.3.4.5.1000`,
        expect.stringMatching(/@1\.3\.6\.1\.4\.1\.99999\.1\.1$/), // the national identifier
      ]),
    );
  });

  it('ITI-45 for an unknown patient answers AE / AE with code 204 at the patient identifier', async () => {
    const query = (await sample('pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml')).replace(
      'extension="PIX10501"',
      `extension="NOBODY-${run}"`,
    );
    const r = await soap('/pix', 'urn:hl7-org:v3:PRPA_IN201309UV02', query);
    expect(ackCode(r)).toBe('AE');
    expect(queryResponseCode(r)).toBe('AE');
    const detail = v3(r, 'acknowledgementDetail')[0];
    expect(detail?.getElementsByTagNameNS(V3, 'code')[0]?.getAttribute('code')).toBe('204');
  });

  it('ITI-47: the IPF PDQ sample (adapted to the fed patients) pages with continuation and cancels', async () => {
    const family = `PDQ${run}`;
    // Three different people of one family (other first names and birth dates: no match).
    const people: [string, string, string][] = [
      ['B', '19501103', 'KATHERINE'],
      ['C', '19620417', 'ELIZABETH'],
      ['D', '19891225', 'JOSEPHINE'],
    ];
    for (const [s, birth, given] of people) {
      const ack = await soap('/pix', 'urn:hl7-org:v3:PRPA_IN201301UV02', await feed(s, family, birth, given));
      expect(ackCode(ack)).toBe('AA');
    }
    const queryId = `Q${run}`;
    const pdq = (await sample('pdq/v3/PDQ.xml'))
      .replace(/<queryId root="([^"]+)" extension="[^"]*"\/>/, `<queryId root="$1" extension="${queryId}"/>`)
      .replace('<family>Heidi</family>', `<family>${family}</family>`)
      .replace(/<livingSubjectBirthTime>[\s\S]*?<\/livingSubjectBirthTime>/, '')
      .replace(/<livingSubjectName>\s*<value>\s*<given>MARY<\/given>[\s\S]*?<\/livingSubjectName>/, '')
      .replace('<value root="1.3.6.1.4.1.21367.2005.1.2"/>', '<value root="1.3.6.1.4.1.21367.2005.1.1"/>')
      .replace(/<patientAddress>[\s\S]*?<\/patientAddress>/, '')
      .replace(/<matchCriterionList>[\s\S]*?<\/matchCriterionList>/, '')
      .replace('<initialQuantity value="2"/>', '<initialQuantity value="1"/>');
    const first = await soap('/pdq', 'urn:hl7-org:v3:PRPA_IN201305UV02', pdq);
    expect(first.documentElement.localName).toBe('PRPA_IN201306UV02');
    expect(ackCode(first), details(first)).toBe('AA');
    expect(queryResponseCode(first)).toBe('OK');
    expect(quantity(first, 'resultCurrentQuantity')).toBe(1);
    expect(quantity(first, 'resultRemainingQuantity')).toBe(2);
    expect(v3(first, 'queryAck')[0]?.getElementsByTagNameNS(V3, 'statusCode')[0]?.getAttribute('code')).toBe(
      'waitContinuedQueryResponse',
    );

    const previous = Array.from(first.documentElement.childNodes)
      .filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === 'id')[0]
      ?.getAttribute('root');
    const control = (element: 'QUQI_IN000003UV01' | 'QUQI_IN000003UV01_Cancel', status: string) =>
      `<${element} xmlns="${V3}" ITSVersion="XML_1.0"><id root="${randomUUID()}"/><creationTime value="20261125120000"/><interactionId root="2.16.840.1.113883.1.6" extension="QUQI_IN000003UV01"/><processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="AL"/><receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.840.114350.1.13.99999.4567"/></device></receiver><sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.840.114350.1.13.99998.8734"/></device></sender><acknowledgement><typeCode code="AA"/><targetMessage><id root="${previous}"/></targetMessage></acknowledgement><controlActProcess classCode="CACT" moodCode="EVN"><code code="PRPA_TE000003UV01" codeSystem="2.16.840.1.113883.1.6"/><queryContinuation><queryId root="1.2.840.114350.1.13.28.1.18.5.999" extension="${queryId}"/><statusCode code="${status}"/><continuationQuantity value="1"/></queryContinuation></controlActProcess></${element}>`;
    const next = await soap(
      '/pdq',
      'urn:hl7-org:v3:QUQI_IN000003UV01_Continue',
      control('QUQI_IN000003UV01', 'waitContinuedQueryResponse'),
    );
    expect(ackCode(next), details(next)).toBe('AA');
    expect(quantity(next, 'resultCurrentQuantity')).toBe(1);
    expect(quantity(next, 'resultRemainingQuantity')).toBe(1);
    expect(patientIds(next)).not.toEqual(patientIds(first));

    const cancel = await soap(
      '/pdq',
      'urn:hl7-org:v3:QUQI_IN000003UV01_Cancel',
      control('QUQI_IN000003UV01_Cancel', 'aborted'),
    );
    expect(cancel.documentElement.localName).toBe('MCCI_IN000002UV01');
    expect(ackCode(cancel), details(cancel)).toBe('AA');
    const after = await soap(
      '/pdq',
      'urn:hl7-org:v3:QUQI_IN000003UV01_Continue',
      control('QUQI_IN000003UV01', 'waitContinuedQueryResponse'),
    );
    expect(ackCode(after)).toBe('AE');
  });

  it('ITI-47 continues a query this process holds no state for, from the MPI database (another replica answered first)', async () => {
    // The first page comes from ITI-21 over MLLP under the query tag the V3 continuation names
    // (a root-only queryId): the MPI keeps the rest in its database, not in this handler.
    const family = `PDQ${run}`;
    const tag = `1.3.6.1.4.1.99999.77.${Number.parseInt(run, 16)}`;
    const served = mesh.served.find((x) => x.service === 'mpi' && x.kind === 'mllp');
    const client = createMllpClient({
      host: '127.0.0.1',
      port: Number(served?.where.split(':').pop()),
      timeoutMs: 10_000,
    });
    try {
      const rsp = (
        await client.request(
          Buffer.from(
            [
              `MSH|^~\\&|PDQC|CCHC|MESH_MPI|MESH|20261125120000||QBP^Q22^QBP_Q21|${randomUUID()}|P|2.5`,
              `QPD|IHE PDQ Query|${tag}|@PID.5.1.1^${family}`,
              'RCP|I|1^RD',
            ].join('\r'),
          ),
        )
      ).toString();
      expect(rsp).toMatch(/QAK\|[^|]*\|OK\|/);
    } finally {
      await client.close();
    }
    const next = await soap(
      '/pdq',
      'urn:hl7-org:v3:QUQI_IN000003UV01_Continue',
      `<QUQI_IN000003UV01 xmlns="${V3}" ITSVersion="XML_1.0"><id root="${randomUUID()}"/><creationTime value="20261125120000"/><interactionId root="2.16.840.1.113883.1.6" extension="QUQI_IN000003UV01"/><processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="AL"/><receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.840.114350.1.13.99999.4567"/></device></receiver><sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.840.114350.1.13.99998.8734"/></device></sender><acknowledgement><typeCode code="AA"/><targetMessage><id root="${randomUUID()}"/></targetMessage></acknowledgement><controlActProcess classCode="CACT" moodCode="EVN"><code code="PRPA_TE000003UV01" codeSystem="2.16.840.1.113883.1.6"/><queryContinuation><queryId root="${tag}"/><statusCode code="waitContinuedQueryResponse"/><continuationQuantity value="1"/></queryContinuation></controlActProcess></QUQI_IN000003UV01>`,
    );
    expect(ackCode(next), details(next)).toBe('AA');
    expect(queryResponseCode(next)).toBe('OK');
    expect(quantity(next, 'resultCurrentQuantity')).toBe(1);
    expect(patientIds(next).length).toBeGreaterThan(0);
  });

  it('answers an unreadable ITI-44 with an AR/AE acknowledgement, not a crash', async () => {
    const r = await soap(
      '/pix',
      'urn:hl7-org:v3:PRPA_IN201301UV02',
      `<PRPA_IN201301UV02 xmlns="${V3}" ITSVersion="XML_1.0"><id root="${randomUUID()}"/></PRPA_IN201301UV02>`,
    );
    expect(r.documentElement.localName).toBe('MCCI_IN000002UV01');
    expect(['AE', 'AR']).toContain(ackCode(r));
    expect(v3(r, 'acknowledgementDetail').length).toBeGreaterThan(0);
  });
});
