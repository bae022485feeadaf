/**
 * The registry as the mesh runs it: its module inside a real process (PGlite + in-process
 * bus, or PostgreSQL + NATS when DATABASE_URL / NATS_URL are set), fed a patient by an MPI
 * event on the bus, then ITI-42 over SOAP, ITI-18 over SOAP finding it, and ITI-42 from a
 * repository over the `registry.register` subject.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '@mesh/core';
import type { MeshProcess } from '@mesh/runtime';
import { DISTRIBUTED, publishPatientCreated, startTestMesh } from '@mesh/test-support';
import type { TestMesh } from '@mesh/test-support';
import { writeSubmitObjectsRequest } from '@mesh/xds';
import { NS, parseXml, select } from '@mesh/xml';
import { domainDocument, domainSubmission, oid } from './fixtures.js';
import { registryService } from './service.js';

const NATIONAL = '1.3.6.1.4.1.99999.1.1';

function envelope(action: string, body: string): string {
  return `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action s:mustUnderstand="true">${action}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID></s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

describe(`registry service (${DISTRIBUTED ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'})`, () => {
  let test: TestMesh;
  let mesh: MeshProcess;
  const patientId = `svc-${oid()}`;
  const cx = `${patientId}^^^&${NATIONAL}&ISO`;

  async function soap(action: string, body: string): Promise<Document> {
    const res = await fetch(`${mesh.url}/xds/registry`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${action}"` },
      body: envelope(action, body),
    });
    expect(res.status).toBe(200);
    return parseXml(await res.text());
  }
  const status = (d: Document): string =>
    (select('/soap12:Envelope/soap12:Body/*/@status', d)[0] as Attr | undefined)?.value ?? '';

  beforeAll(async () => {
    test = await startTestMesh({ modules: { registry: registryService }, service: 'registry' });
    mesh = test.mesh;
    await publishPatientCreated(mesh.bus, patientId, NATIONAL);
  }, 180_000);

  afterAll(async () => {
    await test?.close();
  });

  it('registers over SOAP once the MPI has made the patient known, and ITI-18 finds it', async () => {
    const xml = writeSubmitObjectsRequest(domainSubmission(cx, [domainDocument(cx)]));
    let doc = await soap('urn:ihe:iti:2007:RegisterDocumentSet-b', xml);
    // The patient event is consumed asynchronously: until then the answer is XDSUnknownPatientId.
    for (let i = 0; i < 40 && status(doc).endsWith('Failure'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      doc = await soap('urn:ihe:iti:2007:RegisterDocumentSet-b', xml);
    }
    expect(status(doc)).toBe('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success');

    const query = `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/><rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"><rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'${cx.replace(/&/g, '&amp;')}'</rim:Value></rim:ValueList></rim:Slot><rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery></query:AdhocQueryRequest>`;
    const found = await soap('urn:ihe:iti:2007:RegistryStoredQuery', query);
    expect(status(found)).toBe('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success');
    expect(select('//rim:RegistryObjectList/rim:ExtrinsicObject', found)).toHaveLength(1);
  });

  it('audits ITI-42 and ITI-18 on the registry side (ATNA)', async () => {
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`audit records missing; saw ${[...seen].join(',')}`)),
        15_000,
      );
      const sub = mesh.bus.consume(
        'audit.record-submitted',
        { durable: `registry-test-${randomUUID().slice(0, 8)}`, inactiveThresholdMs: 30_000 },
        (rec) => {
          if (!rec.xml.includes(patientId) && !rec.xml.includes('ParticipantObjectQuery'))
            return Promise.resolve();
          for (const tx of ['ITI-42', 'ITI-18']) if (rec.xml.includes(`csd-code="${tx}"`)) seen.add(tx);
          if (seen.size === 2) {
            clearTimeout(timer);
            void sub.close();
            resolve();
          }
          return Promise.resolve();
        },
      );
    });
    expect([...seen].sort()).toEqual(['ITI-18', 'ITI-42']);
  });

  it('serves registry.register for the repository over the bus', async () => {
    const xml = writeSubmitObjectsRequest(domainSubmission(cx, [domainDocument(cx)]));
    const reply = await mesh.bus.request('registry.register', {
      submission: xml,
      context: {
        transaction: 'ITI-42',
        principal: ANONYMOUS,
        traceId: '0'.repeat(32),
        messageId: `urn:uuid:${randomUUID()}`,
      },
    });
    expect(reply.status).toBe('Success');
    expect(reply.responseXml).toContain('ResponseStatusType:Success');
  });

  it('publishes xds.document-registered, then ITI-62 over SOAP removes it and publishes xds.document-removed', async () => {
    const s = domainSubmission(cx, [domainDocument(cx)]);
    const uniqueId = s.documentEntries[0]?.uniqueId ?? '';
    const events: string[] = [];
    let done: () => void = () => undefined;
    const got = new Promise<void>((resolve) => (done = resolve));
    const seen = (what: string) => {
      events.push(what);
      if (events.includes('registered') && events.includes('removed')) done();
    };
    const opts = { inactiveThresholdMs: 30_000 };
    const subs = [
      mesh.bus.consume(
        'xds.document-registered',
        { durable: `t-reg-${randomUUID().slice(0, 8)}`, ...opts },
        (e) => {
          if (e.documents.some((d) => d.uniqueId === uniqueId)) seen('registered');
          return Promise.resolve();
        },
      ),
      mesh.bus.consume(
        'xds.document-removed',
        { durable: `t-rm-${randomUUID().slice(0, 8)}`, ...opts },
        (e) => {
          if (e.documents.some((d) => d.uniqueId === uniqueId)) seen('removed');
          return Promise.resolve();
        },
      ),
    ];
    await Promise.all(subs.map((x) => x.ready));
    expect(
      status(await soap('urn:ihe:iti:2007:RegisterDocumentSet-b', writeSubmitObjectsRequest(s))),
    ).toMatch(/Success$/);
    const ids = [
      s.submissionSet.entryUUID,
      ...s.documentEntries.map((d) => d.entryUUID),
      ...s.associations.map((a) => a.entryUUID),
    ];
    const removal = `<lcm:RemoveObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"><rim:ObjectRefList>${ids
      .map((id) => `<rim:ObjectRef id="${id}"/>`)
      .join('')}</rim:ObjectRefList></lcm:RemoveObjectsRequest>`;
    expect(status(await soap('urn:ihe:iti:2010:DeleteDocumentSet', removal))).toMatch(/Success$/);
    const again = await soap('urn:ihe:iti:2010:DeleteDocumentSet', removal);
    expect(status(again)).toMatch(/Failure$/);
    expect(select('//rs:RegistryError/@errorCode', again).map((a) => (a as Attr).value)).toContain(
      'UnresolvedReferenceException',
    );
    await got;
    await Promise.all(subs.map((x) => x.close()));
    expect(events.sort()).toEqual(['registered', 'removed']);
  });

  it('answers hostile XML (DOCTYPE, too deep, too large) with a SOAP Sender fault and registers nothing', async () => {
    const findXml = `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnComposedObjects="true" returnType="ObjectRef"/><rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"><rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'${cx.replace(/&/g, '&amp;')}'</rim:Value></rim:ValueList></rim:Slot><rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery></query:AdhocQueryRequest>`;
    const count = async () =>
      select('//rim:ObjectRef', await soap('urn:ihe:iti:2007:RegistryStoredQuery', findXml)).length;
    const before = await count();
    const action = 'urn:ihe:iti:2007:RegisterDocumentSet-b';
    const valid = writeSubmitObjectsRequest(domainSubmission(cx, [domainDocument(cx)]));
    const post = (raw: string) =>
      fetch(`${mesh.url}/xds/registry`, {
        method: 'POST',
        headers: { 'content-type': `application/soap+xml; charset=UTF-8; action="${action}"` },
        body: raw,
      });
    const hostile = [
      `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>${envelope(action, valid)}`,
      envelope(
        action,
        valid.replace(
          '</rim:RegistryObjectList>',
          `${'<x>'.repeat(5_000)}${'</x>'.repeat(5_000)}</rim:RegistryObjectList>`,
        ),
      ),
      envelope(
        action,
        valid.replace(
          '</rim:RegistryObjectList>',
          `<!--${'a'.repeat(80 * 1024 * 1024)}--></rim:RegistryObjectList>`,
        ),
      ),
    ];
    for (const raw of hostile) {
      const res = await post(raw);
      expect([400, 413]).toContain(res.status);
      const text = await res.text();
      if (res.status === 400) expect(text).toMatch(/Sender/);
      expect(text).not.toContain('root:');
    }
    expect(await count()).toBe(before);
  });

  it('serves its affinity domain', async () => {
    const res = await fetch(`${mesh.url}/api/affinity-domain`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { homeCommunityId: string }).homeCommunityId).toMatch(/^urn:oid:/);
  });
});
