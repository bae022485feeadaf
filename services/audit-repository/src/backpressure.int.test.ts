/**
 * TLS ingest applies backpressure instead of dropping (issue 6, RFC 5425 has no
 * acknowledgement): while the database cannot commit (the chain heads are locked by another
 * transaction), the receiver stops reading once a connection has its quota of uncommitted
 * records, the sender's writes stall in TCP flow control, nothing is dropped; once the
 * database is back every record is stored. PGlite or PostgreSQL (DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSource, buildTransactionAudit, toAuditXml } from '@mesh/audit';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { createSyslogTlsServer, formatSyslog, sendSyslogTls } from '@mesh/syslog';
import type { SyslogServer } from '@mesh/syslog';
import { createTestPki } from '@mesh/test-support';
import { createIngest } from './ingest.js';
import { AUDIT_MIGRATIONS } from './migrations.js';
import { createAuditStore } from './store.js';
import type { AuditStore } from './store.js';
import { createAuditWriter } from './writer.js';

const N = 3000;
const PER_CONNECTION = 32;
const silent = { warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`TLS backpressure (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: Db;
  let store: AuditStore;
  let server: SyslogServer;

  beforeAll(async () => {
    db = await openTestDb({ prefix: 'auditbp' });
    await migrate(db, AUDIT_MIGRATIONS);
    store = createAuditStore(db);
    await store.initChains(2);
    await store.ensurePartitions(new Date(), 1);
  }, 120_000);

  afterAll(async () => {
    await server?.close({ timeoutMs: 1_000 });
    await db?.close();
  });

  it('stops reading while commits cannot happen, loses nothing, and catches up after', async () => {
    const writer = createAuditWriter({
      store,
      chains: 2,
      maxBatch: 200,
      clock: () => new Date(),
      logger: silent,
    });
    const noop = (): void => undefined;
    const ingest = createIngest({
      writer,
      logger: silent,
      counters: { received: noop, stored: noop, duplicate: noop, rejected: noop },
    });
    const pki = createTestPki();
    const rejected: string[] = [];
    server = createSyslogTlsServer({
      tls: {
        key: pki.server.key,
        cert: pki.server.cert,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      maxInFlightPerConnection: PER_CONNECTION,
      onMessage: async (m) => {
        await ingest.ingest({ xml: m.msg, transport: 'tls' });
      },
      onReject: (reason) => rejected.push(reason),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    const xml = toAuditXml(
      buildTransactionAudit({
        transaction: 'ITI-43',
        side: 'responder',
        outcome: 'Success',
        eventDateTime: new Date(),
        initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous' },
        responder: { userId: 'https://mesh.example/xds/repository' },
        auditSource: auditSource('bp'),
        patientId: `bp^^^&1.2.3&ISO`,
        // A long id pads each record to ~6 kB, so N records exceed what socket buffers hold.
        documents: [{ uniqueId: `1.2.3.${'9'.repeat(4000)}`, repositoryUniqueId: '1.2.3.100' }],
      }),
    );
    const lines = Array.from({ length: N }, () => formatSyslog({ hostname: 'bp', appName: 'bp', msg: xml }));

    // The database stalls: another transaction holds every chain head.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const blocker = db.transaction(async (tx) => {
      await tx.query('SELECT chain FROM chain_head FOR UPDATE');
      locked();
      await held;
    });
    await isLocked;

    let sent = false;
    const sending = sendSyslogTls('127.0.0.1', port, lines, {
      tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key, servername: 'localhost' },
      timeoutMs: 120_000,
    }).then(() => (sent = true));
    await sleep(2_000);
    const during = server.stats();
    expect(sent).toBe(false);
    expect(during.inFlight).toBeLessThanOrEqual(PER_CONNECTION);
    expect(during.inFlight).toBeGreaterThan(0);
    expect(during.received).toBeLessThan(N);
    expect(rejected).toEqual([]);

    release();
    await blocker;
    await sending;
    // The sender is done once its bytes are out; the receiver may still be storing the last ones.
    for (let i = 0; i < 200 && server.stats().accepted < N; i++) await sleep(50);
    await writer.drain();
    const after = server.stats();
    expect(after.received).toBe(N);
    expect(after.accepted).toBe(N);
    expect(rejected).toEqual([]);
    expect(await store.count()).toBe(N);
  }, 180_000);
});
