/**
 * The MPI core on a real database (PGlite, or PostgreSQL when DATABASE_URL is set; own
 * schema per file) and the in-process bus: deterministic national-id links, collisions,
 * vigilance decisions with history, merges that keep everything, events after commit, and
 * the IPF ITI-8 samples (../shared/conformance/03-hl7v2/ipf, read in place) through the
 * ITI-8 handler with an affinity domain that knows their authorities.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFFINITY_DOMAIN_URL, parseAffinityDomain } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { createInProcessBus } from '@mesh/bus';
import type { Bus, EventSubject } from '@mesh/bus';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { parseHl7 } from '@mesh/hl7v2';
import { createLogger } from '@mesh/observability';
import { MPI_MIGRATIONS } from './migrations.js';
import { createMpi } from './mpi.js';
import type { Mpi } from './mpi.js';
import { DEFAULT_MATCH_POLICY } from './matching.js';
import type { Demographics } from './matching.js';
import { MpiError } from './model.js';
import { handleIti8 } from './transactions/iti8.js';
import { handleIti9 } from './transactions/iti9.js';
import { handleIti21 } from './transactions/iti21.js';
import { namespaceLookup } from './transactions/context.js';

const ipf = fileURLToPath(new URL('../../../../shared/conformance/03-hl7v2/ipf/', import.meta.url));
const NATIONAL = '1.3.6.1.4.1.99999.1.1';
const CCHC = '1.3.6.1.4.1.99999.2.10001.1';
const NRH = '1.3.6.1.4.1.99999.2.10002.1';

// The default domain plus the authorities of the IPF samples.
const base = JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as {
  assigningAuthorities: unknown[];
};
const domain: AffinityDomain = parseAffinityDomain({
  ...base,
  assigningAuthorities: [
    ...base.assigningAuthorities,
    { oid: '1.3.6.1.4.1.21367.2005.1.1', name: 'HIMSS2005', namespaceId: 'HIMSS2005', kind: 'other' },
    { oid: '1.2.3.4.5.1000', name: 'IPF feed domain', kind: 'other' },
    { oid: '1.2.3.4.666', name: 'IPF merge domain', namespaceId: 'domain1', kind: 'other' },
    { oid: '1.2.3.4.667', name: 'IPF domain2', namespaceId: 'domain2', kind: 'other' },
    { oid: '1.2.3', name: 'IPF account domain', kind: 'other' },
    { oid: '1.12.23.34.45', name: 'IPF null domain', kind: 'other' },
    { oid: '2.16.840.1.113883.3.37.4.1.1.2.611.1', name: 'BBB', namespaceId: 'BBB', kind: 'other' },
    { oid: '2.16.840.1.113883.3.37.4.1.1.2.711.1', name: 'CCC', namespaceId: 'CCC', kind: 'other' },
    { oid: '2.16.840.1.113883.3.37.4.1.1.2.1.1', name: 'MPI-NS-P', namespaceId: 'MPI-NS-P', kind: 'other' },
  ],
});

const person = (family: string, given: string, birthDate: string, sex = 'F'): Demographics => ({
  names: [{ family, given: [given], use: 'L' }],
  birthDate,
  sex,
});

describe('MPI core', () => {
  let db: Db;
  let bus: Bus;
  let mpi: Mpi;
  const events: { subject: EventSubject; payload: unknown }[] = [];
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const id = (p: string): string => `${p}-${run}-${++n}`;
  const actor = { id: 'test|unit', transaction: 'ITI-8' as const };
  const deps = () => ({
    mpi,
    domain,
    namespaceOf: namespaceLookup(domain),
    responder: { application: 'MPI', facility: 'T', nextControlId: () => `c${++n}`, clock: () => new Date() },
  });

  beforeAll(async () => {
    db = await openTestDb({ prefix: 'mpi' });
    await migrate(db, MPI_MIGRATIONS);
    bus = createInProcessBus();
    await bus.ensureStreams();
    for (const subject of [
      'mpi.patient-created',
      'mpi.patient-updated',
      'mpi.patient-linked',
      'mpi.patient-merged',
    ] as const)
      bus.consume(subject, { durable: `t-${subject}` }, (e) => {
        events.push({ subject, payload: e });
        return Promise.resolve();
      });
    mpi = createMpi({
      db,
      bus,
      domain,
      policy: DEFAULT_MATCH_POLICY,
      clock: () => new Date(),
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
  }, 120_000);

  afterAll(async () => {
    await mpi?.close();
    await bus?.close();
    await db?.close();
  });

  it('links deterministically on the national identifier and refuses one it did not issue', async () => {
    const a = await mpi.feed({
      action: 'add',
      identifiers: [{ id: id('a'), assigningAuthority: CCHC }],
      demographics: person('Lenz', 'Ida', '1990-01-01'),
      actor,
    });
    expect(a.decision).toBe('new');
    expect(a.enterpriseId.assigningAuthority).toBe(NATIONAL);
    expect(a.enterpriseId.id).toMatch(/^\d{10}$/);
    // A totally different demographic record under the national id is still linked: the id decides.
    const b = await mpi.feed({
      action: 'add',
      identifiers: [
        { id: a.enterpriseId.id, assigningAuthority: NATIONAL },
        { id: id('b'), namespaceId: 'NRH' },
      ],
      demographics: person('Other', 'Name', '1950-05-05', 'M'),
      actor,
    });
    expect(b).toMatchObject({ decision: 'national-id', enterpriseId: a.enterpriseId });
    await expect(
      mpi.feed({
        action: 'add',
        identifiers: [
          { id: '9999999999', assigningAuthority: NATIONAL },
          { id: id('c'), assigningAuthority: CCHC },
        ],
        demographics: person('X', 'Y', '1990-01-01'),
        actor,
      }),
    ).rejects.toMatchObject({ code: 'UnknownPatient', target: 'identifiers', index: 0 });
  });

  it('opens a collision when an update describes someone else, and applies the update', async () => {
    const local = id('col');
    const first = await mpi.feed({
      action: 'add',
      identifiers: [{ id: local, assigningAuthority: CCHC }],
      demographics: person('Faber', 'Anne', '1980-02-02'),
      actor,
    });
    const upd = await mpi.feed({
      action: 'revise',
      identifiers: [{ id: local, assigningAuthority: CCHC }],
      demographics: person('Kremer', 'Paul', '1944-09-09', 'M'),
      actor,
    });
    expect(upd.decision).toBe('existing');
    expect(upd.reviewItems).toHaveLength(1);
    const item = await mpi.reviewItem(upd.reviewItems[0] as number);
    expect(item).toMatchObject({
      kind: 'collision',
      status: 'open',
      source: { id: local, enterpriseId: first.enterpriseId },
    });
    const hist = (await mpi.history(first.enterpriseId.id)) as { kind: string }[];
    expect(hist.map((h) => h.kind)).toEqual(['created', 'linked', 'updated']);
  });

  it('refuses unknown authorities and A08 for unknown patients with the field at fault', async () => {
    await expect(
      mpi.feed({
        action: 'add',
        identifiers: [
          { id: 'x', assigningAuthority: CCHC },
          { id: 'y', assigningAuthority: '9.9.9' },
        ],
        demographics: person('A', 'B', '2000-01-01'),
        actor,
      }),
    ).rejects.toMatchObject({ code: 'UnknownDomain', index: 1, part: 'authority' });
    await expect(
      mpi.feed({
        action: 'revise',
        identifiers: [{ id: id('nope'), assigningAuthority: CCHC }],
        demographics: person('A', 'B', '2000-01-01'),
        actor,
      }),
    ).rejects.toBeInstanceOf(MpiError);
    // Nothing was left behind by the refused feeds.
    expect(
      (await db.query("SELECT count(*)::int AS c FROM source_identity WHERE local_id IN ('x', 'y')")).rows[0],
    ).toEqual({ c: 0 });
  });

  it('decides potential duplicates: unlink keeps a new identity, merge retires one, all in history', async () => {
    const a = id('dup');
    const b = id('dup');
    const fa = await mpi.feed({
      action: 'add',
      identifiers: [{ id: a, assigningAuthority: CCHC }],
      demographics: person('Majerus', 'Claude', '1961-07-07', 'M'),
      actor,
    });
    const fb = await mpi.feed({
      action: 'add',
      identifiers: [{ id: b, assigningAuthority: NRH }],
      demographics: person('Majerus', 'Claude', '1961-07-08', 'M'),
      actor,
    });
    expect(fb.decision).toBe('review');
    expect(fb.enterpriseId).not.toEqual(fa.enterpriseId);
    const merged = await mpi.decideReview({
      itemId: fb.reviewItems[0] as number,
      action: 'merge',
      by: 'officer',
      note: 'same',
    });
    expect(merged).toMatchObject({ status: 'merged', decidedBy: 'officer', note: 'same' });
    const pix = await mpi.pixQuery({ id: b, assigningAuthority: NRH });
    expect(pix.enterpriseId).toEqual(fa.enterpriseId);
    expect(pix.identifiers).toContainEqual({ id: a, assigningAuthority: CCHC });
    // The retired national id still answers, with the survivor.
    const old = await mpi.pixQuery({ id: fb.enterpriseId.id, assigningAuthority: NATIONAL });
    expect(old).toMatchObject({ enterpriseId: fa.enterpriseId, merged: true });
    const rows = await db.query<{ status: string }>(
      'SELECT status FROM enterprise_identity WHERE national_id = $1',
      [fb.enterpriseId.id],
    );
    expect(rows.rows).toEqual([{ status: 'merged' }]);
    await expect(
      mpi.decideReview({ itemId: fb.reviewItems[0] as number, action: 'dismiss', by: 'x' }),
    ).rejects.toMatchObject({ code: 'InvalidValue' });
  });

  it('publishes events after commit and empties the outbox', async () => {
    const local = id('ev');
    const r = await mpi.feed({
      action: 'add',
      identifiers: [{ id: local, assigningAuthority: CCHC }],
      demographics: person('Event', 'Eva', '1999-09-09'),
      actor,
    });
    for (
      let i = 0;
      i < 50 &&
      !events.some(
        (e) => (e.payload as { enterpriseId?: { id: string } }).enterpriseId?.id === r.enterpriseId.id,
      );
      i++
    )
      await new Promise((res) => setTimeout(res, 50));
    const ev = events.find(
      (e) => (e.payload as { enterpriseId?: { id: string } }).enterpriseId?.id === r.enterpriseId.id,
    );
    expect(ev).toMatchObject({
      subject: 'mpi.patient-created',
      payload: { identifiers: [{ id: local, assigningAuthority: CCHC }], transaction: 'ITI-8' },
    });
    for (
      let i = 0;
      i < 50 &&
      Number((await db.query<{ c: number }>('SELECT count(*)::int AS c FROM outbox')).rows[0]?.c) > 0;
      i++
    )
      await new Promise((res) => setTimeout(res, 50));
    expect((await db.query('SELECT count(*)::int AS c FROM outbox')).rows[0]).toEqual({ c: 0 });
  });

  it('continues a PDQ by its query tag with the domains of the first page (ITI-47 style)', async () => {
    const family = `Cont${run.replace(/[0-9]/g, 'x')}`;
    for (const [g, aa] of [
      ['Ana', CCHC],
      ['Bea', NRH],
      ['Cid', CCHC],
    ] as const)
      await mpi.feed({
        action: 'add',
        identifiers: [{ id: id('pdq'), assigningAuthority: aa }],
        demographics: person(family, g, '1977-07-07'),
        actor,
      });
    const tag = id('tag');
    const first = await mpi.pdqQuery(
      { family },
      { limit: 1, queryTag: tag, targetDomains: [{ id: '', assigningAuthority: CCHC }] },
    );
    expect(first.patients).toHaveLength(1);
    expect(first.remaining).toBe(2);
    const next = await mpi.pdqContinue(tag, { limit: 10 });
    // Bea has no CCHC id: not returned (ITI TF-2 3.21.4.1.3 what domains returned).
    expect(next.patients.map((p) => p.demographics.names[0]?.given[0])).toEqual(['Cid']);
    expect(next.patients[0]?.identifiers.every((i) => i.assigningAuthority === CCHC)).toBe(true);
    await expect(mpi.pdqContinue(tag)).rejects.toMatchObject({ code: 'InvalidValue' });
  });

  it('does not create two identities for one person fed by two sources at the same time', async () => {
    const family = `Race${run.replace(/[0-9]/g, 'y')}`;
    const [a, b] = await Promise.all([
      mpi.feed({
        action: 'add',
        identifiers: [{ id: id('ra'), assigningAuthority: CCHC }],
        demographics: person(family, 'Tom', '1912-12-12', 'M'),
        actor,
      }),
      mpi.feed({
        action: 'add',
        identifiers: [{ id: id('rb'), assigningAuthority: NRH }],
        demographics: person(family, 'Tom', '1912-12-12', 'M'),
        actor,
      }),
    ]);
    expect(a.enterpriseId).toEqual(b.enterpriseId);
    expect([a.decision, b.decision].sort()).toEqual(['link', 'new']);
  });

  it('creates one identity when eight sources feed one new person at once (match key guard)', async () => {
    const family = `Herd${run.replace(/[0-9]/g, 'z')}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        mpi.feed({
          action: 'add',
          identifiers: [{ id: id(`herd${i}`), assigningAuthority: i % 2 === 0 ? CCHC : NRH }],
          demographics: person(family, 'Ida', '1913-11-13', 'F'),
          actor,
        }),
      ),
    );
    expect(new Set(results.map((r) => r.enterpriseId.id)).size).toBe(1);
    expect(results.filter((r) => r.decision === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.decision === 'link')).toHaveLength(7);
  });

  it('takes the IPF ITI-8 feed samples (register, revise, merge) and answers the IPF queries', async () => {
    const read = (f: string) => parseHl7(readFileSync(join(ipf, f)));
    const reg = await handleIti8(read('translation/pixfeed/v2/PIX_FEED_REG_Maximal_Request.hl7'), deps());
    // PIX10515W5^^^domain2: namespace-only authority resolved through the domain.
    expect(reg.reply.segment('MSA')?.get(1)).toBe('AA');
    const rev = await handleIti8(read('translation/pixfeed/v2/PIX_FEED_REV_Maximal_Request.hl7'), deps());
    expect(rev.reply.segment('MSA')?.get(1)).toBe('AA');
    expect(rev.result?.decision).toBe('existing');
    const pix = await mpi.pixQuery({ id: 'PIX10515W3', assigningAuthority: '1.3.6.1.4.1.21367.2005.1.1' });
    expect(pix.identifiers).toEqual(
      expect.arrayContaining([
        { id: 'PIX10515W4', assigningAuthority: '1.2.3.4.5.1000' },
        { id: 'PIX10515W5', assigningAuthority: '1.2.3.4.667' },
      ]),
    );
    // The merge sample's prior id (120-02, domain1) was never fed: AE 204 at MRG-1.
    const merge = await handleIti8(read('translation/pixfeed/v2/PIX_FEED_MERGE_Maximal_Request.hl7'), deps());
    expect(merge.reply.segment('MSA')?.get(1)).toBe('AE');
    expect(merge.reply.segment('ERR')?.raw(1)).toBe('MRG^1^1^204&Unknown key identifier&HL70357');
    // Feed the prior, then the same merge is accepted.
    await mpi.feed({
      action: 'add',
      identifiers: [{ id: '120-02', assigningAuthority: '1.2.3.4.666' }],
      demographics: person('Prior', 'P', '1970-01-01'),
      actor,
    });
    const merge2 = await handleIti8(
      read('translation/pixfeed/v2/PIX_FEED_MERGE_Maximal_Request.hl7'),
      deps(),
    );
    expect(merge2.reply.segment('MSA')?.get(1)).toBe('AA');
    expect((await mpi.pixQuery({ id: '120-02', assigningAuthority: '1.2.3.4.666' })).merged).toBe(true);
    // The IPF A40 with MRG-1 repetitions of several domains.
    for (const f of ['iti8_iti8-a40.hl7', 'iti8_iti8-a40-iso-8859-1.hl7']) {
      const r = await handleIti8(read(f), deps());
      // 305010 carries no assigning authority at all: 204 at MRG-1 repetition 1, component 4.
      expect(r.reply.segment('ERR')?.raw(1)).toBe('MRG^1^1^204&Unknown key identifier&HL70357');
    }
    // The incomplete A01 (no PID) is a 100 segment sequence error before any handler runs.
    // IPF PDQ samples: the maximal query's QPD-8 domain is known; the ID query's @PID.18 is not supported.
    const pdq = await handleIti21(read('translation/pdq/v2/PDQ_Maximal_Query.hl7'), deps());
    expect(pdq.reply.segment('MSA')?.get(1)).toBe('AE');
    expect(pdq.reply.segment('ERR')?.raw(2)).toBe('QPD^1^8^1^4');
    const byId = await handleIti21(read('translation/pdq/v2/PDQ_ID_Query.hl7'), deps());
    expect(byId.reply.segment('ERR')?.get(3)).toBe('103');
    const q21 = await handleIti21(read('hl7_iti-21.hl7'), deps());
    expect(q21.reply.segment('MSA')?.get(1)).toBe('AA');
    expect(q21.reply.segment('QAK')?.get(2)).toBe('NF');
    const q9 = await handleIti9(
      parseHl7(
        'MSH|^~\\&|A|B|C|D|1||QBP^Q23^QBP_Q21|1|P|2.5\rQPD|IHE PIX Query|t1|PIX10515W3^^^HIMSS2005|^^^&1.2.3.4.5.1000&ISO\rRCP|I\r',
      ),
      deps(),
    );
    expect(q9.reply.segment('PID')?.get(3)).toBe('PIX10515W4');
  });
});
