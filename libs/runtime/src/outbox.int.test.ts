/**
 * The transactional outbox on a real database (PGlite, or PostgreSQL with DATABASE_URL) and
 * the in-process bus: events of committed transactions are published and their rows deleted;
 * a rolled-back transaction publishes nothing; a committed event whose publish never happened
 * (process killed) or failed (bus down) is published by the flush; published rows are gone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus } from '@mesh/bus';
import type { Bus, EventOf } from '@mesh/bus';
import { openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { createOutbox } from './outbox.js';

const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
const logger = { ...silent, child: () => logger };

let db: Db;
beforeAll(async () => {
  db = await openTestDb({ prefix: 'outbox' });
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
  await db.query(`CREATE TABLE outbox (id bigserial PRIMARY KEY, subject text NOT NULL,
    event_id uuid NOT NULL UNIQUE, payload jsonb NOT NULL, created_at timestamptz NOT NULL)`);
});
afterAll(async () => {
  await db.close();
});

const removed = (n: string): EventOf<'xds.document-removed'> => ({
  eventId: randomUUID(),
  occurredAt: new Date().toISOString(),
  patientId: `p-${n}`,
  transaction: 'ITI-62',
  documents: [],
});

async function received(bus: Bus): Promise<{ seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sub = bus.consume('xds.document-removed', { durable: `t-${randomUUID().slice(0, 8)}` }, (e) => {
    seen.push(e.patientId);
    return Promise.resolve();
  });
  await sub.ready;
  return { seen, close: () => sub.close() };
}
const rows = async (): Promise<number> =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]?.n);
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('outbox', () => {
  it('publishes what committed, nothing of a rollback, and deletes published rows', async () => {
    const bus = createInProcessBus();
    await bus.ensureStreams();
    const outbox = createOutbox({ db, bus, logger, clock: () => new Date() });
    const r = await received(bus);
    const staged = await db.transaction((tx) => outbox.stage(tx, 'xds.document-removed', removed('a')));
    await db
      .transaction(async (tx) => {
        await outbox.stage(tx, 'xds.document-removed', removed('rolled-back'));
        throw new Error('abort');
      })
      .catch(() => undefined);
    await outbox.publish([staged]);
    await settle();
    expect(r.seen).toEqual(['p-a']);
    expect(await rows()).toBe(0);
    await r.close();
    await outbox.close();
  });

  it('deletes published rows together after a delay, at once on close', async () => {
    const bus = createInProcessBus();
    await bus.ensureStreams();
    const outbox = createOutbox({ db, bus, logger, clock: () => new Date(), deleteDelayMs: 60_000 });
    const staged = await Promise.all(
      ['x', 'y'].map((p) => db.transaction((tx) => outbox.stage(tx, 'xds.document-removed', removed(p)))),
    );
    const done = Promise.all(staged.map((e) => outbox.publish([e])));
    await settle();
    expect(await rows()).toBe(2); // published, waiting for the batch's delete
    const started = Date.now();
    await outbox.close();
    await done;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await rows()).toBe(0);
  });

  it('a committed event never published (crash) or not published (bus down) goes out with the flush', async () => {
    const bus = createInProcessBus();
    await bus.ensureStreams();
    const outbox = createOutbox({ db, bus, logger, clock: () => new Date() });
    const r = await received(bus);
    // Committed, then the process "died" before publishing.
    await db.transaction((tx) => outbox.stage(tx, 'xds.document-removed', removed('crash')));
    // Committed; the publish fails (a bus that refuses), the row stays.
    const down: Bus = { ...bus, publish: () => Promise.reject(new Error('bus down')) };
    const failing = createOutbox({ db, bus: down, logger, clock: () => new Date() });
    const staged = await db.transaction((tx) => failing.stage(tx, 'xds.document-removed', removed('down')));
    await failing.publish([staged]);
    expect(await rows()).toBe(2);
    await outbox.flush();
    await settle();
    expect(r.seen.sort()).toEqual(['p-crash', 'p-down']);
    expect(await rows()).toBe(0);
    await r.close();
    await outbox.close();
  });
});
