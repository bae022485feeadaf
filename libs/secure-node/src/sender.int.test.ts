import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditXml } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import {
  BusTimeoutError,
  BusUnavailableError,
  connectNats,
  createInProcessBus,
  PayloadTooLargeError,
} from '@mesh/bus';
import type { Bus, NatsBus } from '@mesh/bus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSender, SpoolFullError } from './index.js';
import { recordsOnStream } from './testing/records-on-stream.js';

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

type Mode = 'up' | 'down' | 'ack-lost' | 'held';

/**
 * Fault injection at the port boundary over a REAL bus: 'down' refuses like a disconnected
 * client, 'ack-lost' lets JetStream store the record and then loses the acknowledgement
 * (the publish timed out from the sender's point of view), 'held' stores it and delays the
 * acknowledgement until `release()`. Counts the publishes that reached the bus.
 */
function withOutages(real: Bus): {
  bus: Bus;
  set(mode: Mode): void;
  release(): void;
  publishes: { subject: string; records: number }[];
} {
  let mode: Mode = 'up';
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const publishes: { subject: string; records: number }[] = [];
  const bus: Bus = {
    ...real,
    ready: () => mode !== 'down' && real.ready(),
    async publish(subject, payload, opts) {
      if (mode === 'down') throw new BusUnavailableError('bus is down (test)', { subject });
      const held = mode === 'held';
      const ack = await real.publish(subject, payload, opts);
      publishes.push({ subject, records: 'records' in payload ? payload.records.length : 1 });
      if (held) await gate;
      if (mode === 'ack-lost') throw new BusTimeoutError(subject, 0);
      return ack;
    },
  };
  return {
    bus,
    set: (m) => (mode = m),
    release: () => {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
    publishes,
  };
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

  async function sender(
    bus: Bus,
    extra: { maxSpoolBytes?: number; segmentBytes?: number; maxBatchBytes?: number } = {},
  ) {
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
    expect(s.stats()).toMatchObject({ published: 1, publishes: 1, spooled: 0, pending: 0 });
    const recs = await recordsOnStream(real);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ xml: toAuditXml(message(1)), sourceId: 'repository' });
    expect(recs[0]!.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('spools while the bus is down and delivers every record, under its one message id, when it is back', async () => {
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
    expect(s.stats()).toMatchObject({ pending: 0, drained: 3, publishes: 1 });
    // Record 1 is on the stream twice, alone (the lost ack) and in the spool's batch, under
    // a new Nats-Msg-Id; its own message id is the same, so the repository stores it once.
    const recs = await recordsOnStream(real);
    expect(recs.map((r) => r.xml)).toEqual([1, 1, 2, 3].map((n) => toAuditXml(message(n))));
    expect(recs[0]!.messageId).toBe(recs[1]!.messageId);
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
  it('batches the sends made while a publish is in flight, resolving each after its ack', async () => {
    const o = withOutages(real);
    const s = await sender(o.bus);
    o.set('held');
    let resolved = 0;
    const first = s.send(message(0)).then(() => resolved++);
    await new Promise((r) => setTimeout(r, 50)); // the lone record is out, its ack held
    expect(o.publishes).toEqual([{ subject: 'audit.record-submitted', records: 1 }]);
    const rest = Array.from({ length: 299 }, (_, i) => s.send(message(i + 1)).then(() => resolved++));
    await new Promise((r) => setTimeout(r, 50));
    expect(resolved).toBe(0); // nothing resolves before its batch is acknowledged
    o.set('up');
    o.release();
    await Promise.all([first, ...rest]);
    // 1 + 299 records: the lone one, then the queue in runs of at most 256.
    expect(o.publishes).toEqual([
      { subject: 'audit.record-submitted', records: 1 },
      { subject: 'audit.records-submitted', records: 256 },
      { subject: 'audit.records-submitted', records: 43 },
    ]);
    expect(s.stats()).toMatchObject({ published: 300, publishes: 3, spooled: 0, pending: 0 });
    const recs = await recordsOnStream(real);
    expect(recs.map((r) => r.xml)).toEqual(Array.from({ length: 300 }, (_, i) => toAuditXml(message(i))));
    expect(new Set(recs.map((r) => r.messageId)).size).toBe(300);
  });

  it('keeps sending one after another when acks come back within the same turn (in-process bus)', async () => {
    // The in-process bus acknowledges in microtasks: a send made as the previous one resolves
    // must still find a loop to carry it.
    const fast = createInProcessBus({ subjectPrefix: `fast${randomUUID().replace(/-/g, '').slice(0, 8)}.` });
    await fast.ensureStreams();
    closers.push(() => fast.close());
    const s = await sender(fast);
    for (let i = 0; i < 50; i++) await s.send(message(i));
    await Promise.all([s.send(message(50)), s.send(message(51))]);
    for (let i = 52; i < 60; i++) await s.send(message(i));
    expect(s.stats()).toMatchObject({ published: 60, spooled: 0 });
    expect((await recordsOnStream(fast)).map((r) => r.xml)).toEqual(
      Array.from({ length: 60 }, (_, i) => toAuditXml(message(i))),
    );
  });

  it('sends one synchronous burst as one batch', async () => {
    const o = withOutages(real);
    const s = await sender(o.bus);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.send(message(i))));
    expect(o.publishes).toEqual([{ subject: 'audit.records-submitted', records: 20 }]);
  });

  it('spools a batch the bus refused, and drains the spool in batches, in order', async () => {
    const o = withOutages(real);
    const s = await sender(o.bus);
    o.set('down');
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.send(message(i))));
    expect(s.stats()).toMatchObject({ published: 0, spooled: 50, pending: 50 });
    o.set('up');
    await s.flush({ timeoutMs: 10_000 });
    expect(s.stats()).toMatchObject({ pending: 0, drained: 50, publishes: 1 });
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      Array.from({ length: 50 }, (_, i) => toAuditXml(message(i))),
    );
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('stores a re-sent batch once: a lost batch ack, then the same run from the spool', async () => {
    const o = withOutages(real);
    const s = await sender(o.bus);
    o.set('ack-lost');
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.send(message(i))));
    expect(s.stats()).toMatchObject({ published: 0, spooled: 5 });
    o.set('up');
    await s.flush({ timeoutMs: 10_000 });
    expect(s.stats()).toMatchObject({ pending: 0, drained: 5, duplicates: 5 });
    expect((await recordsOnStream(real)).map((r) => r.xml)).toEqual(
      Array.from({ length: 5 }, (_, i) => toAuditXml(message(i))),
    );
  });

  it('splits a batch over the bus payload limit, and refuses only a record too large alone', async () => {
    const o = withOutages(real);
    // The sender's own estimate lets everything into one batch: the bus limit (1 MiB) decides.
    const s = await sender(o.bus, { maxBatchBytes: 64 * 1024 * 1024 });
    const big = (n: number, kib: number): AuditMessage => {
      const m = message(n);
      return {
        ...m,
        activeParticipants: [{ ...m.activeParticipants[0]!, userName: 'x'.repeat(kib * 1024) }],
      };
    };
    const sends = Array.from({ length: 40 }, (_, i) =>
      s.send(i === 17 ? big(i, 1100) : big(i, 40)).then(
        () => 'ok',
        (err: unknown) => err,
      ),
    );
    const results = await Promise.all(sends);
    expect(results.filter((r) => r !== 'ok')).toHaveLength(1);
    expect(results[17]).toBeInstanceOf(PayloadTooLargeError);
    expect(s.stats()).toMatchObject({ published: 39, spooled: 0, pending: 0 });
    const recs = await recordsOnStream(real);
    expect(recs.map((r) => r.xml)).toEqual(
      Array.from({ length: 40 }, (_, i) => i)
        .filter((i) => i !== 17)
        .map((i) => toAuditXml(big(i, 40))),
    );
    expect(o.publishes.length).toBeGreaterThan(1);
    for (const p of o.publishes) expect(p.records * 40 * 1024).toBeLessThan(1024 * 1024);
  });
});
