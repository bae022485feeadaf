/**
 * Storage on a real database (PGlite, or PostgreSQL when DATABASE_URL is set; own schema per
 * file): the 18 IPF DICOM audit messages parsed, stored and searched; de-duplication; the
 * hash chain verified, then tampered with (altered, removed, re-linked rows) and caught;
 * retention with export.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSource, buildTransactionAudit, parseAuditXml, toAuditXml } from '@mesh/audit';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { toAccessEntry } from './accesses.js';
import { toAuditEvent } from './fhir.js';
import { AUDIT_MIGRATIONS } from './migrations.js';
import { prepareRecord } from './record.js';
import type { PreparedRecord } from './record.js';
import { parseAuditQuery, searchAudit } from './search.js';
import { createAuditStore } from './store.js';
import { physician } from './testing/physician.js';
import type { AuditStore } from './store.js';
import { verifyChains } from './verify.js';
import { createAuditWriter } from './writer.js';
import type { AuditWriter } from './writer.js';

const IPF_DIR = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/', import.meta.url));
const VERIFY_CLI = fileURLToPath(new URL('./verify-main.ts', import.meta.url));
const ipfFiles = readdirSync(IPF_DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort();

const silent = { warn: () => undefined, error: () => undefined };
const NOW = new Date('2026-11-25T10:00:00.000Z');

function iti43(patient: string, user: string, uniqueId: string, at = new Date()): string {
  return toAuditXml(
    buildTransactionAudit({
      transaction: 'ITI-43',
      side: 'responder',
      outcome: 'Success',
      eventDateTime: at,
      initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.0.0.9' },
      responder: { userId: 'https://mesh.example/xds/repository', networkAccessPoint: 'mesh.example' },
      principal: physician(`Dr ${user}`, user, {
        organization: 'Hopital Example',
        organizationId: '1.2.3.77',
      }),
      auditSource: auditSource('mesh-repository', 'LU'),
      patientId: patient,
      documents: [{ uniqueId, repositoryUniqueId: '1.2.3.100' }],
    }),
  );
}

describe(`audit store (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: Db;
  let store: AuditStore;
  let writer: AuditWriter;
  const clock = () => NOW;

  beforeAll(async () => {
    db = await openTestDb({ prefix: 'audit' });
    await migrate(db, AUDIT_MIGRATIONS);
    store = createAuditStore(db);
    await store.initChains(3);
    await store.ensurePartitions(NOW, 1);
    writer = createAuditWriter({ store, chains: 3, maxBatch: 50, clock, logger: silent });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  const submit = (r: PreparedRecord) => writer.submit(r);

  it('stores and finds each of the 18 IPF DICOM audit messages', async () => {
    expect(ipfFiles).toHaveLength(18);
    for (const f of ipfFiles) {
      const xml = readFileSync(join(IPF_DIR, f), 'utf8');
      const rec = prepareRecord({ xml, transport: 'tls', peer: '127.0.0.1' });
      expect(await submit(rec)).toBe('stored');
      // Found by its source and event code, newest first within them.
      const page = await searchAudit(
        db,
        parseAuditQuery({ source: rec.sourceId, type: rec.eventCode, _count: '200' }, 200),
      );
      const found = page.records.find((r) => r.xml === xml);
      expect(found, f).toBeDefined();
      expect(toAuditEvent(found!.id, parseAuditXml(found!.xml))).toMatchObject({
        resourceType: 'AuditEvent',
        type: { code: rec.eventCode },
      });
    }
    // The PIX feed message names its patient: found by it, CX or FHIR token form alike.
    const byCx = await searchAudit(
      db,
      parseAuditQuery({ patient: 'MW-10001^^^NIST2010&2.16.840.1.113883.3.72.5.9.1&ISO' }, 200),
    );
    const byToken = await searchAudit(
      db,
      parseAuditQuery({ patient: 'urn:oid:2.16.840.1.113883.3.72.5.9.1|MW-10001' }, 200),
    );
    expect(byCx.records.length).toBeGreaterThan(0);
    expect(byToken.records.map((r) => r.id)).toEqual(byCx.records.map((r) => r.id));
  });

  it('de-duplicates by message id, within a batch and across batches', async () => {
    const id = randomUUID();
    const xml = iti43('dup-1^^^&1.2.3&ISO', 'u1', '1.2.3.1');
    const rec = prepareRecord({ xml, transport: 'bus', messageId: id });
    const results = await Promise.all([submit(rec), submit(rec), submit(rec)]);
    expect(results.filter((r) => r === 'stored')).toHaveLength(1);
    expect(await submit(rec)).toBe('duplicate');
    const page = await searchAudit(db, parseAuditQuery({ patient: 'dup-1^^^&1.2.3&ISO' }, 200));
    expect(page.records).toHaveLength(1);
  });

  it('searches by patient, user, type, subtype, outcome, date and pages with a cursor', async () => {
    const patient = `pat-${randomUUID().slice(0, 8)}^^^&1.2.3&ISO`;
    const base = Date.parse('2026-11-20T08:00:00Z');
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        submit(
          prepareRecord({
            xml: iti43(patient, i % 2 === 0 ? 'alice' : 'bob', `1.2.9.${i}`, new Date(base + i * 60_000)),
            transport: 'bus',
            messageId: randomUUID(),
          }),
        ),
      ),
    );
    const q = (p: Record<string, string>) => searchAudit(db, parseAuditQuery({ patient, ...p }, 200));
    expect((await q({})).records).toHaveLength(7);
    expect((await q({ user: 'alice' })).records).toHaveLength(4);
    expect((await q({ user: 'Dr bob' })).records).toHaveLength(3);
    expect((await q({ type: 'http://dicom.nema.org/resources/ontology/DCM|110106' })).records).toHaveLength(
      7,
    );
    expect((await q({ subtype: 'ITI-43' })).records).toHaveLength(7);
    expect((await q({ subtype: 'ITI-18' })).records).toHaveLength(0);
    expect((await q({ outcome: '8' })).records).toHaveLength(0);
    expect((await q({ date: 'ge2026-11-20T08:03:00Z' })).records).toHaveLength(4);
    expect((await q({ date: '2026-11-20' })).records).toHaveLength(7);
    expect((await q({ date: 'lt2026-11-20' })).records).toHaveLength(0);
    // Paging: newest first, 3 + 3 + 1, no overlap.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await q({ _count: '3', ...(cursor ? { _cursor: cursor } : {}) });
      seen.push(...page.records.map((r) => r.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    const times = (await q({})).records.map((r) => r.eventTime.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Who accessed: the user, the organisation/system, the document and the purpose.
    const first = (await q({ _count: '1' })).records[0]!;
    expect(toAccessEntry(first.id, parseAuditXml(first.xml))).toMatchObject({
      action: 'R',
      transaction: { code: 'ITI-43' },
      who: { userId: 'alice', userName: 'Dr alice', roles: [{ code: '158965000' }] },
      organisation: { kind: 'system', id: 'https://mesh.example/xds/repository' },
      what: [{ type: 'document', id: '1.2.9.6', repositoryUniqueId: '1.2.3.100' }],
      why: [{ code: 'TREATMENT' }],
    });
  });

  // PostgreSQL only: PGlite is built without lz4 and keeps pglz (migrations/0002_xml_lz4.sql).
  it.runIf(process.env.DATABASE_URL)('compresses the stored XML with lz4 in every partition', async () => {
    await store.ensurePartitions(new Date(Date.UTC(2027, 0, 1)), 0); // one created after the migration
    const r = await db.query<{ relname: string; attcompression: string }>(
      `SELECT c.relname, a.attcompression FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'xml'
        WHERE i.inhparent = 'event'::regclass`,
    );
    expect(r.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of r.rows) expect(row, row.relname).toMatchObject({ attcompression: 'l' });
  });

  it('refuses unknown search parameters and bad values', () => {
    expect(() => parseAuditQuery({ patinet: 'x' }, 200)).toThrow(/unsupported/);
    expect(() => parseAuditQuery({ date: 'yesterday' }, 200)).toThrow(/date/);
    expect(() => parseAuditQuery({ _count: '100000' }, 200)).toThrow(/_count/);
    expect(() => parseAuditQuery({ outcome: '3' }, 200)).toThrow(/outcome/);
    expect(() => parseAuditQuery({ _cursor: 'garbage' }, 200)).toThrow(/cursor/);
  });

  it('verifies the chains, and reports altered, removed and re-linked records (tamper test)', async () => {
    await writer.drain();
    const clean = await verifyChains(db);
    expect(clean.problems).toEqual([]);
    expect(clean.records).toBe(await store.count());

    const pick = async (offset: number) =>
      (
        await db.query<{ chain: number; seq: string }>(
          'SELECT chain, seq FROM event WHERE chain = 0 ORDER BY seq OFFSET $1 LIMIT 1',
          [offset],
        )
      ).rows[0]!;
    // Alter the outcome of one record (a failed access made to look successful), and the XML of another.
    const a = await pick(1);
    await db.query(
      `UPDATE event SET outcome = 0, xml = replace(xml, 'EventOutcomeIndicator="0"', 'EventOutcomeIndicator="8"') WHERE chain = $1 AND seq = $2`,
      [a.chain, a.seq],
    );
    const b = await pick(3);
    await db.query(`UPDATE event SET source_id = 'someone-else' WHERE chain = $1 AND seq = $2`, [
      b.chain,
      b.seq,
    ]);
    // Remove one record in the middle of chain 1 and the last record of chain 2.
    const mid = (
      await db.query<{ seq: string }>('SELECT seq FROM event WHERE chain = 1 ORDER BY seq OFFSET 2 LIMIT 1')
    ).rows[0]!;
    await db.query('DELETE FROM event WHERE chain = 1 AND seq = $1', [mid.seq]);
    const last = (await db.query<{ seq: string }>('SELECT max(seq) AS seq FROM event WHERE chain = 2'))
      .rows[0]!;
    await db.query('DELETE FROM event WHERE chain = 2 AND seq = $1', [last.seq]);

    const r = await verifyChains(db);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'altered', chain: a.chain, seq: Number(a.seq) }),
        expect.objectContaining({ kind: 'altered', chain: b.chain, seq: Number(b.seq) }),
        expect.objectContaining({ kind: 'removed', chain: 1, seq: Number(mid.seq) }),
        expect.objectContaining({ kind: 'removed', chain: 2, seq: Number(last.seq) }),
      ]),
    );
    expect(r.problems).toHaveLength(4);

    // The operator's command says the same (PostgreSQL only: an in-memory PGlite is not shareable).
    if (process.env.DATABASE_URL) {
      const cli = spawnSync(process.execPath, ['--import', 'tsx', VERIFY_CLI, '--schema', db.schema], {
        encoding: 'utf8',
        env: process.env,
      });
      expect(cli.status).toBe(1);
      const out = JSON.parse(cli.stdout) as { ok: boolean; problems: unknown[] };
      expect(out.ok).toBe(false);
      expect(out.problems).toHaveLength(4);
    }
  });
});

describe('audit store retention', () => {
  let db: Db;
  let dir: string;

  beforeAll(async () => {
    db = await openTestDb({ prefix: 'auditret' });
    await migrate(db, AUDIT_MIGRATIONS);
    dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops old months after exporting them; what remains still verifies from the anchor', async () => {
    const store = createAuditStore(db);
    await store.initChains(1);
    let now = new Date('2026-01-15T00:00:00Z');
    await store.ensurePartitions(now, 0);
    const writer = createAuditWriter({ store, chains: 1, maxBatch: 10, clock: () => now, logger: silent });
    const put = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          writer.submit(
            prepareRecord({
              xml: iti43('ret^^^&1.2.3&ISO', 'u', `1.5.${i}`, now),
              transport: 'bus',
              messageId: randomUUID(),
            }),
          ),
        ),
      );
    await put(5);
    now = new Date('2026-02-15T00:00:00Z'); // no partition yet: the writer creates it on demand
    await put(4);
    now = new Date('2026-05-01T00:00:00Z');
    const dropped = await store.applyRetention(now, 3, dir);
    expect(dropped).toEqual(['event_p202601']);
    expect(await store.count()).toBe(4);
    const exported = (await readFile(join(dir, 'event_p202601.ndjson'), 'utf8')).trim().split('\n');
    expect(exported).toHaveLength(5);
    expect(JSON.parse(exported[0]!)).toMatchObject({ chain: 0, seq: 1, transport: 'bus' });
    expect(await readdir(dir)).toEqual(['event_p202601.ndjson']);
    expect((await verifyChains(db)).problems).toEqual([]);
  });
});
