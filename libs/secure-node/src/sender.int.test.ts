import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { BusTimeoutError, BusUnavailableError, connectNats, createInProcessBus } from '@mesh/bus';
import type { AuditRecordSubmitted, Bus, NatsBus } from '@mesh/bus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSender, SpoolFullError } from './index.js';

const natsUrl = process.env.NATS_URL;

/** An ITI-42-like audit message; `n` makes each one distinct. */
function message(n: number): AuditMessage {
  return {
    eventIdentification: {
      eventId: { csdCode: '110106', codeSystemName: 'DCM', originalText: 'Export' },
      eventActionCode: 'R',
      eventDateTime: `2026-11-25T20:00:${String(n % 60).padStart(2, '0')}Z`,
      eventOutcomeIndicator: 0,
      eventTypeCodes: [
        { csdCode: 'ITI-42', codeSystemName: 'IHE Transactions', originalText: 'Register Document Set-b' },
      ],
    },
    activeParticipants: [
      {
        userId: `repository-${n}`,
        userIsRequestor: true,
        roleIdCodes: [{ csdCode: '110153', codeSystemName: 'DCM', originalText: 'Source Role ID' }],
      },
    ],
    auditSourceIdentification: { auditSourceId: 'repository' },
    participantObjects: [],
  };
}

type Mode = 'up' | 'down' | 'ack-lost';

/**
 * Fault injection at the port boundary over a REAL bus: 'down' refuses like a disconnected
 * client, 'ack-lost' lets JetStream store the record and then loses the acknowledgement
 * (the publish timed out from the sender's point of view).
 */
function withOutages(real: Bus): { bus: Bus; set(mode: Mode): void } {
  let mode: Mode = 'up';
  const bus: Bus = {
    ...real,
    ready: () => mode !== 'down' && real.ready(),
    async publish(subject, payload, opts) {
      if (mode === 'down') throw new BusUnavailableError('bus is down (test)', { subject });
      const ack = await real.publish(subject, payload, opts);
      if (mode === 'ack-lost') throw new BusTimeoutError(subject, 0);
      return ack;
    },
  };
  return { bus, set: (m) => (mode = m) };
}

/** Audit records on the stream, read through a fresh durable until the sentinel shows up. */
async function recordsOnStream(real: Bus): Promise<AuditRecordSubmitted[]> {
  const sentinel: AuditRecordSubmitted = {
    messageId: randomUUID(),
    xml: '<sentinel/>',
    sourceId: 'test',
    receivedAt: new Date().toISOString(),
  };
  await real.publish('audit.record-submitted', sentinel, { msgId: sentinel.messageId });
  const got: AuditRecordSubmitted[] = [];
  let done!: () => void;
  const seen = new Promise<void>((r) => (done = r));
  const sub = real.consume('audit.record-submitted', { durable: `check-${randomUUID()}` }, (p) => {
    if (p.messageId === sentinel.messageId) done();
    else got.push(p);
    return Promise.resolve();
  });
  await sub.ready;
  await seen;
  await sub.close();
  return got;
}

async function spoolFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.spool')).sort();
}

describe(`ATNA Secure Node sender (${natsUrl === undefined ? 'in-process bus' : 'NATS'})`, () => {
  let real: Bus;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    const subjectPrefix = `sn${randomUUID().replace(/-/g, '').slice(0, 10)}.`;
    real =
      natsUrl === undefined
        ? createInProcessBus({ subjectPrefix })
        : await connectNats({ servers: natsUrl, name: 'secure-node-test', subjectPrefix });
    await real.ensureStreams();
    dir = await mkdtemp(join(tmpdir(), 'mesh-spool-'));
  });

  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    if (natsUrl !== undefined) await (real as NatsBus).deleteStreams();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function sender(bus: Bus, extra: { maxSpoolBytes?: number; segmentBytes?: number } = {}) {
    const s = await createAuditSender({
      bus,
      spoolDir: dir,
      sourceId: 'repository',
      retryMinMs: 20,
      ...extra,
    });
    closers.push(() => s.close());
    return s;
  }

  it('publishes straight to the bus when it is up, once, with a UUID message id', async () => {
    const s = await sender(real);
    await s.send(message(1));
    expect(s.stats()).toMatchObject({ published: 1, spooled: 0, pending: 0 });
    const recs = await recordsOnStream(real);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ xml: toAuditXml(message(1)), sourceId: 'repository' });
    expect(recs[0]!.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('spools while the bus is down and delivers exactly once when it is back', async () => {
    const o = withOutages(real);
    const s = await sender(o.bus);
    o.set('ack-lost'); // stored by JetStream, but the sender never learns it
    await s.send(message(1));
    o.set('down');
    await s.send(message(2));
    await s.send(message(3));
    expect(s.stats()).toMatchObject({ published: 0, spooled: 3, pending: 3 });
    expect((await spoolFiles(dir)).length).toBeGreaterThan(0);

    o.set('up');
    await s.flush({ timeoutMs: 10_000 });
    expect(s.stats()).toMatchObject({ pending: 0, drained: 3, duplicates: 1 });
    const recs = await recordsOnStream(real);
    expect(recs.map((r) => r.xml)).toEqual([1, 2, 3].map((n) => toAuditXml(message(n))));
    expect(new Set(recs.map((r) => r.messageId)).size).toBe(3);
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('drains on start what an earlier process left in the spool', async () => {
    const o = withOutages(real);
    o.set('down');
    const first = await sender(o.bus);
    for (const n of [1, 2, 3]) await first.send(message(n));
    await first.close();
    expect(await spoolFiles(dir)).toHaveLength(1);

    const second = await sender(real);
    expect(second.pending()).toBe(3);
    await second.flush();
    expect(second.stats()).toMatchObject({ pending: 0, drained: 3, corruptSkipped: 0 });
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      [1, 2, 3].map((n) => toAuditXml(message(n))),
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('skips and counts a torn trailing record, delivering the others', async () => {
    const o = withOutages(real);
    o.set('down');
    const first = await sender(o.bus);
    await first.send(message(1));
    await first.send(message(2));
    await first.close();
    const [file] = await spoolFiles(dir);
    // A crash in the middle of an append: half a record, no newline.
    await appendFile(join(dir, file!), '1a2b3c4d {"messageId":"00000000-0000-4000-8000-0000000');

    const second = await sender(real);
    expect(second.stats()).toMatchObject({ corruptSkipped: 1, pending: 2 });
    await second.flush();
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      [1, 2].map((n) => toAuditXml(message(n))),
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('refuses records with SpoolFullError once the spool reaches its bound', async () => {
    const o = withOutages(real);
    o.set('down');
    const recordBytes = Buffer.byteLength(toAuditXml(message(1))) + 200;
    const s = await sender(o.bus, { maxSpoolBytes: recordBytes * 2 });
    await s.send(message(1));
    await s.send(message(2));
    await expect(s.send(message(3))).rejects.toBeInstanceOf(SpoolFullError);
    expect(s.stats()).toMatchObject({ pending: 2, rejectedFull: 1 });
    o.set('up');
    await s.flush();
    await s.send(message(4)); // room again once drained
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      [1, 2, 4].map((n) => toAuditXml(message(n))),
    );
  });

  it('spreads the spool over segment files and drains them in order', async () => {
    const o = withOutages(real);
    o.set('down');
    const s = await sender(o.bus, { segmentBytes: 1 });
    for (let n = 1; n <= 5; n++) await s.send(message(n));
    expect(await spoolFiles(dir)).toHaveLength(5);
    o.set('up');
    await s.flush();
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      [1, 2, 3, 4, 5].map((n) => toAuditXml(message(n))),
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('keeps sends durable while a flush cannot complete, and reports it', async () => {
    const o = withOutages(real);
    o.set('down');
    const s = await sender(o.bus);
    await s.send(message(1));
    await expect(s.flush({ timeoutMs: 100 })).rejects.toThrow(/not drained/);
    expect(s.pending()).toBe(1);
  });
});
