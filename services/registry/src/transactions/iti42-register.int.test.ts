import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome, RequestContext } from '@mesh/core';
import type { Db } from '@mesh/db';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { writeSubmitObjectsRequest } from '@mesh/xds';
import type { Submission } from '@mesh/xds';
import { NS, attr, children, parseXml } from '@mesh/xml';
import type { RegistryStore } from '../store.js';
import { openRegistryTestEnv, testContext } from '../test-env.js';
import {
  code,
  domainDocument as doc,
  domainSubmission as sub,
  folder,
  oid,
  submission,
  urn,
} from '../fixtures.js';
import { association as relation } from '../fixtures.js';
import { registerDocumentSet } from './iti42-register.js';
import { registryResponseXml } from './iti42-response.js';

// Codes and ids of the shipped default affinity domain (libs/affinity-domain/default-affinity-domain.json).
const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const LOINC = '2.16.840.1.113883.6.1';
const pid = (n: string): string => `${n}^^^&${NATIONAL}&ISO`;

let db: Db;
let store: RegistryStore;
let domain: AffinityDomain;
const now = new Date('2026-11-25T10:00:00Z');
const ctx: RequestContext = testContext('ITI-42', 'urn:uuid:5e0e1d0c-2f5a-4b8e-9a43-0c5f3b8a1e11');

beforeAll(async () => {
  ({ db, store, domain } = await openRegistryTestEnv('registry_iti42'));
});
afterAll(async () => {
  await db.close();
});

const upper = (u: string): string => `urn:uuid:${u.slice('urn:uuid:'.length).toUpperCase()}`;
const element = (xml: string): Element => parseXml(xml).documentElement;
const register = (s: Submission): Promise<Outcome<Submission>> =>
  registerDocumentSet(element(writeSubmitObjectsRequest(s)), ctx, { db, store, domain, clock: () => now });

async function newPatient(name: string): Promise<string> {
  const cx = pid(`${name}-${oid()}`);
  await store.upsertPatient(cx);
  return cx;
}

async function rowCount(): Promise<number> {
  const r = await db.query<{ n: string | number }>(
    `SELECT (SELECT count(*) FROM document_entries) + (SELECT count(*) FROM submission_sets)
          + (SELECT count(*) FROM folders) + (SELECT count(*) FROM associations)
          + (SELECT count(*) FROM document_unique_ids) AS n`,
  );
  return Number(r.rows[0]?.n);
}

/** The response as a receiver reads it: status URN and [errorCode, severity URN, location]. */
function rendered(o: Outcome<unknown>): { status: string | undefined; errors: (string | undefined)[][] } {
  const root = element(registryResponseXml(o));
  expect([root.namespaceURI, root.localName]).toEqual([NS.rs, 'RegistryResponse']);
  const list = children(root, NS.rs, 'RegistryErrorList')[0];
  const errors = list
    ? children(list, NS.rs, 'RegistryError').map((e) => [
        attr(e, 'errorCode'),
        attr(e, 'severity'),
        attr(e, 'location'),
      ])
    : [];
  return { status: attr(root, 'status'), errors };
}
const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';
const FAILURE = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure';
const ERROR = 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error';
const codes = (o: Outcome<unknown>): string[] => o.issues.map((i) => i.code);

describe('ITI-42 registerDocumentSet', () => {
  it('registers a valid one-document submission with symbolic ids, Approved, extra metadata kept', async () => {
    const p = await newPatient('valid');
    const d = doc(p, { entryUUID: 'Document01' });
    const s = sub(p, [d]);
    const o = await register(s);
    expect(o).toMatchObject({ status: 'Success', issues: [] });
    const [back, ...more] = await store.getDocumentsByUniqueId([d.uniqueId ?? '']);
    expect(more).toEqual([]);
    expect(back?.entryUUID).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(back).toMatchObject({
      availabilityStatus: 'Approved',
      patientId: { raw: p },
      classCode: { code: '18842-5' },
      extraSlots: [{ name: 'urn:lu:esante:priority', values: ['normal'] }],
    });
    expect(rendered(o)).toEqual({ status: SUCCESS, errors: [] });
  });

  it('RPLC deprecates its target, APND keeps it Approved', async () => {
    const p = await newPatient('rplc');
    const original = doc(p);
    const appended = doc(p);
    expect((await register(sub(p, [original, appended]))).status).toBe('Success');

    const replacement = doc(p);
    const addendum = doc(p);
    const o = await register(
      sub(
        p,
        [replacement, addendum],
        [
          // UUIDs are case-insensitive (RFC 4122 3): the registry matches an upper-case spelling.
          relation('RPLC', replacement.entryUUID, upper(original.entryUUID)),
          relation('APND', addendum.entryUUID, appended.entryUUID),
        ],
      ),
    );
    expect(o).toMatchObject({ status: 'Success', issues: [] });
    const byId = new Map(
      (
        await store.getDocumentsByUuid([
          original.entryUUID,
          appended.entryUUID,
          replacement.entryUUID,
          addendum.entryUUID,
        ])
      ).map((x) => [x.entryUUID, x.availabilityStatus]),
    );
    expect(Object.fromEntries(byId)).toEqual({
      [original.entryUUID]: 'Deprecated',
      [appended.entryUUID]: 'Approved',
      [replacement.entryUUID]: 'Approved',
      [addendum.entryUUID]: 'Approved',
    });

    // A Deprecated document cannot be replaced again.
    const again = doc(p);
    const o2 = await register(sub(p, [again], [relation('RPLC', again.entryUUID, original.entryUUID)]));
    expect(codes(o2)).toContain('XDSRegistryDeprecatedDocumentError');
    expect(await store.getDocumentsByUuid([again.entryUUID])).toEqual([]);
  });

  it('of two concurrent replacements of one document exactly one succeeds', async () => {
    const p = await newPatient('race');
    const original = doc(p);
    expect((await register(sub(p, [original]))).status).toBe('Success');
    const a = doc(p);
    const b = doc(p);
    const outcomes = await Promise.all([
      register(sub(p, [a], [relation('RPLC', a.entryUUID, original.entryUUID)])),
      register(sub(p, [b], [relation('RPLC', b.entryUUID, original.entryUUID)])),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['Failure', 'Success']);
    const failed = outcomes.find((o) => o.status === 'Failure');
    expect(failed && codes(failed)).toEqual(['XDSRegistryDeprecatedDocumentError']);
    expect((await store.getDocumentsByUuid([a.entryUUID, b.entryUUID])).length).toBe(1);
  });

  it('re-checks targets inside the transaction: a change after validation fails the submission', async () => {
    const p = await newPatient('stale');
    const elsewhere = await newPatient('stale-other');
    const appended = doc(p);
    const moved = doc(p);
    expect((await register(sub(p, [appended, moved]))).status).toBe('Success');
    // The real store, with a concurrent ITI-57 deprecation and a concurrent patient merge landing
    // right after the handler loaded the targets (what validation saw is then stale).
    const racing: RegistryStore = {
      ...store,
      async getDocumentsByUuid(uuids, q) {
        const seen = await store.getDocumentsByUuid(uuids, q);
        if (q === undefined) {
          await store.deprecate(db, [appended.entryUUID]);
          await db.query(`UPDATE document_entries SET patient_id = $2 WHERE entry_uuid = $1::uuid`, [
            moved.entryUUID.slice('urn:uuid:'.length),
            elsewhere,
          ]);
        }
        return seen;
      },
    };
    const a = doc(p);
    const b = doc(p);
    const before = await rowCount();
    const o = await registerDocumentSet(
      element(
        writeSubmitObjectsRequest(
          sub(
            p,
            [a, b],
            [
              relation('APND', a.entryUUID, appended.entryUUID),
              relation('XFRM', b.entryUUID, moved.entryUUID),
            ],
          ),
        ),
      ),
      ctx,
      { db, store: racing, domain, clock: () => now },
    );
    expect(o.issues).toMatchObject([
      { code: 'XDSRegistryDeprecatedDocumentError', location: expect.stringMatching(/targetObject$/) },
      { code: 'XDSPatientIdDoesNotMatch', location: expect.stringMatching(/targetObject$/) },
    ]);
    expect(o.status).toBe('Failure');
    expect(await rowCount()).toBe(before);
  });

  it('rejects a relationship to a document of another patient (XDSPatientIdDoesNotMatch)', async () => {
    const other = await newPatient('other');
    const p = await newPatient('mine');
    const theirs = doc(other);
    expect((await register(sub(other, [theirs]))).status).toBe('Success');
    const before = await rowCount();
    const mine = doc(p);
    const o = await register(sub(p, [mine], [relation('RPLC', mine.entryUUID, theirs.entryUUID)]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSPatientIdDoesNotMatch');
    expect(await rowCount()).toBe(before);
    expect((await store.getDocumentsByUuid([theirs.entryUUID]))[0]?.availabilityStatus).toBe('Approved');
    expect(rendered(o).errors).toContainEqual(['XDSPatientIdDoesNotMatch', ERROR, expect.any(String)]);
  });

  it('rejects an unknown patient id (XDSUnknownPatientId) and stores nothing', async () => {
    const p = pid(`unknown-${oid()}`);
    const before = await rowCount();
    const o = await register(sub(p, [doc(p)]));
    expect(o.status).toBe('Failure');
    expect(codes(o)).toContain('XDSUnknownPatientId');
    expect(await rowCount()).toBe(before);
    const r = rendered(o);
    expect(r.status).toBe(FAILURE);
    expect(r.errors.map((e) => e[0])).toContain('XDSUnknownPatientId');
  });

  it('stores nothing of a two-document submission with one invalid document', async () => {
    const p = await newPatient('two');
    const good = doc(p);
    const bad = doc(p, { classCode: code('NOT-IN-DOMAIN', LOINC) });
    const before = await rowCount();
    const o = await register(sub(p, [good, bad]));
    expect(o.status).toBe('Failure');
    expect(o.issues.some((i) => i.severity === 'Error' && /classCode/.test(i.location ?? ''))).toBe(true);
    expect(await rowCount()).toBe(before);
    expect(await store.getDocumentsByUniqueId([good.uniqueId ?? ''])).toEqual([]);
  });

  it('stores nothing when the store rejects the second document inside the transaction', async () => {
    const p = await newPatient('twostore');
    const first = doc(p);
    expect((await register(sub(p, [first]))).status).toBe('Success');
    const good = doc(p);
    const clash = doc(p, { uniqueId: first.uniqueId, hash: 'ffffffffffffffffffffffffffffffffffffffff' });
    const before = await rowCount();
    const o = await register(sub(p, [good, clash]));
    expect(codes(o)).toEqual(['XDSNonIdenticalHash']);
    expect(await rowCount()).toBe(before);
    expect(rendered(o)).toMatchObject({
      status: FAILURE,
      errors: [['XDSNonIdenticalHash', ERROR, expect.any(String)]],
    });
  });

  it('accepts a resubmission with identical hash and size, rejects a different hash', async () => {
    const p = await newPatient('resubmit');
    const d = doc(p);
    expect((await register(sub(p, [d]))).status).toBe('Success');
    const same = await register(sub(p, [{ ...d, entryUUID: urn() }]));
    expect(same).toMatchObject({ status: 'Success', issues: [] });
    expect((await store.getDocumentsByUniqueId([d.uniqueId ?? ''])).length).toBe(2);

    const before = await rowCount();
    const other = await register(
      sub(p, [{ ...d, entryUUID: urn(), hash: '0000000000000000000000000000000000000000' }]),
    );
    expect(codes(other)).toEqual(['XDSNonIdenticalHash']);
    expect(await rowCount()).toBe(before);
  });

  it('reports malformed metadata as XDSRegistryMetadataError with a location, storing nothing', async () => {
    const p = await newPatient('malformed');
    const before = await rowCount();
    const wrongRoot = await registerDocumentSet(
      element(`<rs:RegistryResponse xmlns:rs="${NS.rs}" status="x"/>`),
      ctx,
      { db, store, domain, clock: () => now },
    );
    expect(wrongRoot.issues).toMatchObject([
      { code: 'XDSRegistryMetadataError', location: 'SubmitObjectsRequest' },
    ]);

    // Markup characters in a value the sender controls, echoed in the codeContext.
    const xml = writeSubmitObjectsRequest(sub(p, [doc(p, { creationTime: 'yesterday<&>"' })]));
    const o = await registerDocumentSet(element(xml), ctx, {
      db,
      store,
      domain,
      clock: () => now,
    });
    expect(o.status).toBe('Failure');
    const issue = o.issues.find((i) => i.code === 'XDSRegistryMetadataError');
    expect(issue?.location).toMatch(/creationTime/);
    expect(await rowCount()).toBe(before);
    const r = rendered(o);
    expect(r.status).toBe(FAILURE);
    expect(r.errors).toContainEqual(['XDSRegistryMetadataError', ERROR, issue?.location]);
  });

  it('updates lastUpdateTime of an existing folder that receives a new document', async () => {
    const p = await newPatient('folder');
    const f = folder(p, { codeList: [code('EPISODE-OF-CARE', '1.3.6.1.4.1.99999.5.3', 'Episode of care')] });
    const first = doc(p);
    const s = submission(p, [first], {
      folders: [f],
      set: { contentTypeCode: code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4', 'Inpatient stay') },
    });
    const o1 = await register(s);
    expect(o1).toMatchObject({ status: 'Success', issues: [] });
    const later = new Date('2026-11-26T08:30:00Z');
    const d = doc(p);
    const s2 = sub(p, [d], [relation('HasMember', f.entryUUID, d.entryUUID)]);
    const o2 = await registerDocumentSet(element(writeSubmitObjectsRequest(s2)), ctx, {
      db,
      store,
      domain,
      clock: () => later,
    });
    expect(o2).toMatchObject({ status: 'Success', issues: [] });
    const r = await db.query<{ t: string }>(
      `SELECT last_update_time AS t FROM folders WHERE unique_id = $1`,
      [f.uniqueId],
    );
    expect(r.rows[0]?.t).toBe('20261126083000');
  });

  it('renders warnings with a Success status and escapes values', () => {
    const xml = registryResponseXml({
      status: 'Success',
      issues: [{ code: 'X"<&', severity: 'Warning', context: 'a\u0000b\n"c"', location: "l'" }],
    });
    const root = element(xml);
    const e = children(children(root, NS.rs, 'RegistryErrorList')[0] as Element, NS.rs, 'RegistryError')[0];
    expect(attr(root, 'status')).toBe(SUCCESS);
    expect(e && [attr(e, 'errorCode'), attr(e, 'codeContext'), attr(e, 'location')]).toEqual([
      'X"<&',
      'a\uFFFDb\n"c"',
      "l'",
    ]);
  });
});
