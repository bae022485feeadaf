/**
 * The registry served with another affinity domain (AFFINITY_DOMAIN_FILE): the IPF sample
 * submissions of ../shared/conformance/02-xds-metadata/ipf, read in place, registered over
 * SOAP exactly as written, queried back, then updated with the IPF ITI-57 sample. The domain is
 * the shipped default widened with the samples' patient-id authority, codes and repository, as
 * an operator would load a Connectathon code set.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import type { MeshProcess } from '@mesh/runtime';
import { DISTRIBUTED, publishPatientCreated, startTestMesh } from '@mesh/test-support';
import type { TestMesh } from '@mesh/test-support';
import { readSubmitObjectsRequest, writeSubmitObjectsRequest } from '@mesh/xds';
import type { Code, Submission } from '@mesh/xds';
import { NS, parseXml, select } from '@mesh/xml';
import { registryService } from './service.js';

const IPF = new URL('../../../../shared/conformance/02-xds-metadata/ipf/', import.meta.url);
const SAMPLES = [
  'SubmitObjectsRequest_ebrs30.xml',
  'SubmitObjectsRequest_ebrs30_2.xml',
  'SubmitObjectsRequest_ebrs3_extra_metadata.xml',
];
const UPDATE = 'SubmitObjectsRequest_ebrs30_update.xml';
const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';
const FAILURE = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure';

const sample = (name: string): Promise<string> => readFile(new URL(name, IPF), 'utf8');
const body = (xml: string): string => xml.replace(/^<\?xml[^>]*\?>\s*/, '');

/** The default domain plus every code, authority and repository the samples use. */
async function sampleDomain(submissions: readonly Submission[]): Promise<unknown> {
  const d = JSON.parse(await readFile(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as {
    patientIdAuthority: { oid: string };
    repositories: { repositoryUniqueId: string; name: string }[];
    valueSets: Record<string, unknown[]>;
  };
  const add = (set: string, c: Code | undefined): void => {
    if (c === undefined) return;
    const list = (d.valueSets[set] ??= []) as { code: string; codeSystem: string }[];
    if (!list.some((x) => x.code === c.code && x.codeSystem === c.codingScheme))
      list.push({
        code: c.code,
        codeSystem: c.codingScheme,
        displayName: c.displayName?.value ?? c.code,
      } as never);
  };
  for (const s of submissions) {
    const authority = s.submissionSet.patientId?.raw.split('&')[1];
    if (authority) d.patientIdAuthority = { ...d.patientIdAuthority, oid: authority };
    add('contentTypeCode', s.submissionSet.contentTypeCode);
    for (const e of s.documentEntries) {
      add('classCode', e.classCode);
      add('typeCode', e.typeCode);
      add('formatCode', e.formatCode);
      add('healthcareFacilityTypeCode', e.healthcareFacilityTypeCode);
      add('practiceSettingCode', e.practiceSettingCode);
      for (const c of e.confidentialityCodes) add('confidentialityCode', c);
      for (const c of e.eventCodeList) add('eventCodeList', c);
      if (e.mimeType && !d.valueSets['mimeType']?.includes(e.mimeType))
        d.valueSets['mimeType']?.push(e.mimeType);
      if (e.languageCode && !d.valueSets['languageCode']?.includes(e.languageCode))
        d.valueSets['languageCode']?.push(e.languageCode);
      if (e.repositoryUniqueId && !d.repositories.some((r) => r.repositoryUniqueId === e.repositoryUniqueId))
        d.repositories.push({ repositoryUniqueId: e.repositoryUniqueId, name: 'IPF sample repository' });
    }
    for (const f of s.folders) for (const c of f.codeList) add('folderCodeList', c);
  }
  return d;
}

describe(`registry with the IPF samples (${DISTRIBUTED ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'})`, () => {
  let dir: string;
  let test: TestMesh;
  let mesh: MeshProcess;
  let patients: string[] = [];

  async function soap(action: string, xml: string): Promise<Document> {
    const res = await fetch(`${mesh.url}/xds/registry`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${action}"` },
      body: `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action s:mustUnderstand="true">${action}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${body(xml)}</s:Body></s:Envelope>`,
    });
    expect(res.status).toBe(200);
    return parseXml(await res.text());
  }
  const status = (d: Document): string =>
    (select('/soap12:Envelope/soap12:Body/*/@status', d)[0] as Attr | undefined)?.value ?? '';
  const errors = (d: Document): string[] =>
    (select('//rs:RegistryError', d) as Element[]).map(
      (e) =>
        `${e.getAttribute('errorCode') ?? ''} ${e.getAttribute('location') ?? ''}: ${e.getAttribute('codeContext') ?? ''}`,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-registry-ipf-'));
    const submissions = await Promise.all(
      [...SAMPLES, UPDATE].map(async (n) => {
        const s = readSubmitObjectsRequest(parseXml(await sample(n)).documentElement).submission;
        if (!s) throw new Error(`${n} did not read`);
        return s;
      }),
    );
    patients = [...new Set(submissions.map((s) => s.submissionSet.patientId?.raw ?? ''))];
    await writeFile(join(dir, 'domain.json'), JSON.stringify(await sampleDomain(submissions)));
    test = await startTestMesh({
      modules: { registry: registryService },
      service: 'registry',
      env: { AFFINITY_DOMAIN_FILE: join(dir, 'domain.json') },
    });
    mesh = test.mesh;
    for (const cx of patients) {
      const [id, , , hd] = cx.split('^');
      await publishPatientCreated(mesh.bus, id ?? '', hd?.split('&')[1] ?? '');
    }
  }, 180_000);

  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Submits until the patient event has been consumed (XDSUnknownPatientId before that). */
  async function registerSample(xml: string): Promise<Document> {
    let doc = await soap('urn:ihe:iti:2007:RegisterDocumentSet-b', xml);
    for (let i = 0; i < 40 && errors(doc).some((e) => e.startsWith('XDSUnknownPatientId')); i++) {
      await new Promise((r) => setTimeout(r, 250));
      doc = await soap('urn:ihe:iti:2007:RegisterDocumentSet-b', xml);
    }
    return doc;
  }

  // The source samples are ITI-41 metadata from a Document Source: no hash/size/repository yet,
  // and scheme UUIDs with a stray space. The registry refuses each whole, naming every problem
  // (the same list @mesh/xds-validation's ipf-samples test pins), and stores nothing.
  it.each(SAMPLES)('refuses %s over SOAP with every problem located', async (name) => {
    const doc = await registerSample(await sample(name));
    expect(status(doc)).toBe(FAILURE);
    const found = (select('//rs:RegistryError', doc) as Element[]).map((e) => [
      e.getAttribute('errorCode'),
      e.getAttribute('location'),
    ]);
    expect(found.length).toBeGreaterThan(10);
    expect(found).toEqual(
      expect.arrayContaining([
        ['XDSRegistryMetadataError', 'DocumentEntry[Document01].hash'],
        ['XDSRegistryMetadataError', 'DocumentEntry[Document01].size'],
        ['XDSRegistryMetadataError', 'DocumentEntry[Document01].repositoryUniqueId'],
        ['XDSRegistryMetadataError', 'SubmissionSet.uniqueId'],
      ]),
    );
    for (const [code, location] of found) {
      expect(code).toMatch(/^XDS(RegistryMetadataError|ExtraMetadataNotSaved)$/);
      expect(location).toBeTruthy();
    }
  });

  it('applies the IPF ITI-57 sample to version 1 of the DocumentEntry it names', async () => {
    const raw = await sample(UPDATE);
    const u = readSubmitObjectsRequest(parseXml(raw).documentElement).submission!;
    const target = u.documentEntries[0]!;
    // Fresh ids each run (the database may outlive the test): the sample's lid, document and
    // SubmissionSet uniqueIds are replaced. The sample's one defect is corrected: the assigning
    // authority '3.4.5' of its sourcePatientId is no OID (first arc 0, 1 or 2). Everything else
    // is sent as written.
    const lid = `urn:uuid:${randomUUID()}`;
    const other = `urn:uuid:${randomUUID()}`; // the DocumentEntry its UpdateAvailabilityStatus deprecates
    const uid = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
    const update = raw
      .replaceAll(target.logicalID ?? '', lid)
      .replaceAll(`"${target.uniqueId ?? ''}"`, `"${uid}"`)
      .replaceAll(`"${u.submissionSet.uniqueId ?? ''}"`, `"${uid}.1"`)
      .replaceAll('&amp;3.4.5&amp;', '&amp;1.3.4.5&amp;')
      .replaceAll('urn:uuid:e0985823-dc50-45a5-a6c8-a11a829893bd', other);
    const corrected = readSubmitObjectsRequest(parseXml(update).documentElement).submission!
      .documentEntries[0]!;
    // Version 1: the same document as a first version, registered with ITI-42.
    const { version: _v, availabilityStatus: _a, ...first } = target;
    const v1: Submission = {
      submissionSet: { ...u.submissionSet, entryUUID: 'SubmissionSet01', uniqueId: `${uid}.2` },
      documentEntries: [
        {
          ...first,
          entryUUID: lid,
          logicalID: lid,
          uniqueId: uid,
          sourcePatientId: corrected.sourcePatientId,
        },
        {
          ...first,
          entryUUID: other,
          logicalID: other,
          uniqueId: `${uid}.3`,
          sourcePatientId: corrected.sourcePatientId,
        },
      ],
      folders: [],
      associations: [
        {
          entryUUID: 'as01',
          extraSlots: [],
          associationType: 'HasMember',
          sourceObject: 'SubmissionSet01',
          targetObject: lid,
          submissionSetStatus: 'Original',
        },
        {
          entryUUID: 'as02',
          extraSlots: [],
          associationType: 'HasMember',
          sourceObject: 'SubmissionSet01',
          targetObject: other,
          submissionSetStatus: 'Original',
        },
      ],
      objectRefs: [],
    };
    const reg = await registerSample(writeSubmitObjectsRequest(v1));
    expect(errors(reg)).toEqual([]);
    const res = await soap('urn:ihe:iti:2010:UpdateDocumentSet', update);
    expect(errors(res)).toEqual([]);
    expect(status(res)).toBe(SUCCESS);
    // Both versions are registered under the one logicalID: version 1 Deprecated, version 2 Approved.
    const both = await soap(
      'urn:ihe:iti:2007:RegistryStoredQuery',
      `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/><rim:AdhocQuery id="urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"><rim:Slot name="$XDSDocumentEntryUniqueId"><rim:ValueList><rim:Value>('${uid}','${uid}.3')</rim:Value></rim:ValueList></rim:Slot><rim:Slot name="$MetadataLevel"><rim:ValueList><rim:Value>2</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery></query:AdhocQueryRequest>`,
    );
    expect(
      (select('//rim:ExtrinsicObject', both) as Element[])
        .map((e) => [e.getAttribute('lid'), e.getAttribute('status')?.split(':').pop()])
        .sort((x, y) => String(x[1]).localeCompare(String(y[1])) || String(x[0]).localeCompare(String(y[0]))),
    ).toEqual([
      [lid, 'Approved'],
      ...[
        [lid, 'Deprecated'],
        [other, 'Deprecated'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ]);
  });
});
