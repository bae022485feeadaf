/**
 * The Bus contract: one test suite both implementations must pass, so the embedded
 * in-process bus keeps NATS + JetStream semantics. Test-only module (imports vitest); it
 * is not exported from the package entry point.
 */
import { randomUUID } from 'node:crypto';
import { MeshError } from '@mesh/core';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, EventMeta } from './bus.js';
import {
  BusError,
  BusTimeoutError,
  NoRespondersError,
  RemoteHandlerError,
  StreamNotFoundError,
} from './errors.js';
import type { AuditRecordSubmitted, MpiResolveReply } from './subjects.js';

export interface BusFixture {
  readonly bus: Bus;
  /**
   * Another client of the same bus: a second NATS connection, or the same in-process bus.
   * Used for queue groups across replicas and for consumer crashes.
   */
  peer(): Promise<Bus>;
  /** Closes everything and deletes the streams it created. */
  cleanup(): Promise<void>;
}

/** Runs the contract; `make` gets a prefix unique to each test. */
export function runBusContract(name: string, make: (subjectPrefix: string) => Promise<BusFixture>): void {
  describe(`Bus contract: ${name}`, () => {
    let f: BusFixture;
    let bus: Bus;
    const contextManager = new AsyncLocalStorageContextManager();

    beforeAll(() => {
      // So the active context travels across awaits, and traceparent is injected/extracted.
      context.setGlobalContextManager(contextManager.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(() => {
      propagation.disable();
      context.disable();
    });
    beforeEach(async () => {
      f = await make(`c${randomUUID().replace(/-/g, '').slice(0, 12)}.`);
      bus = f.bus;
      await bus.ensureStreams();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    const found: MpiResolveReply = {
      found: true,
      enterpriseId: { id: 'N123', assigningAuthority: '1.2.3.4' },
      merged: false,
      crossReferences: [{ id: 'L9', assigningAuthority: '1.2.3.5' }],
    };

    it('request/reply round-trips the payload and the reply', async () => {
      const sub = bus.serve('mpi.resolve', (p, meta) => {
        expect(meta.subject).toBe('mpi.resolve');
        return Promise.resolve(p.patientId === 'L9^^^&1.2.3.5&ISO' ? found : { found: false });
      });
      await sub.ready;
      await expect(bus.request('mpi.resolve', { patientId: 'L9^^^&1.2.3.5&ISO' })).resolves.toEqual(found);
      await expect(bus.request('mpi.resolve', { patientId: 'other' })).resolves.toEqual({ found: false });
    });

    it("re-throws a handler's MeshError with the same Outcome and fault", async () => {
      const thrown = MeshError.of('XDSUnknownPatientId', 'patient unknown', {
        location: 'SubmissionSet.patientId',
        fault: 'busy',
      });
      await bus.serve('mpi.resolve', () => Promise.reject(thrown)).ready;
      const err = await bus.request('mpi.resolve', { patientId: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MeshError);
      expect((err as MeshError).outcome).toEqual(thrown.outcome);
      expect((err as MeshError).fault).toBe('busy');
    });

    it('turns other handler errors into RemoteHandlerError without their message', async () => {
      await bus.serve('mpi.resolve', () => Promise.reject(new TypeError('secret detail'))).ready;
      const err = await bus.request('mpi.resolve', { patientId: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteHandlerError);
      expect(err).not.toBeInstanceOf(MeshError);
      expect((err as RemoteHandlerError).remoteName).toBe('TypeError');
      expect((err as Error).message).not.toContain('secret');
    });

    it('times out with BusTimeoutError', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      await bus.serve('mpi.resolve', async () => {
        await held;
        return found;
      }).ready;
      const err = await bus
        .request('mpi.resolve', { patientId: 'x' }, { timeoutMs: 150 })
        .catch((e: unknown) => e);
      release();
      expect(err).toBeInstanceOf(BusTimeoutError);
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusTimeoutError).subject).toBe('mpi.resolve');
    });

    it('fails fast with NoRespondersError when nobody serves the subject', async () => {
      const started = Date.now();
      const err = await bus
        .request('registry.register', { submission: '<x/>', context: ctx() }, { timeoutMs: 4_000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoRespondersError);
      expect(Date.now() - started).toBeLessThan(4_000);
    });

    it('shares requests between the members of a queue group, each request once', async () => {
      const peer = await f.peer();
      const seen: [string[], string[]] = [[], []];
      const serveOn = (b: Bus, i: 0 | 1) =>
        b.serve(
          'mpi.resolve',
          (p) => {
            seen[i].push(p.patientId);
            return Promise.resolve({ found: false } as const);
          },
          { queue: 'replicas' },
        );
      await Promise.all([serveOn(bus, 0).ready, serveOn(peer, 1).ready]);
      const n = 40;
      for (let i = 0; i < n; i++) await bus.request('mpi.resolve', { patientId: `p${i}` });
      expect(seen[0].length).toBeGreaterThan(0);
      expect(seen[1].length).toBeGreaterThan(0);
      expect(seen[0].length + seen[1].length).toBe(n);
      expect(new Set([...seen[0], ...seen[1]]).size).toBe(n);
    });

    it('publishes and consumes an event with its msgId and sequence', async () => {
      const rec = record('r1');
      const ack = await bus.publish('audit.record-submitted', rec, { msgId: rec.messageId });
      expect(ack).toEqual({ seq: 1, duplicate: false });
      const got = await collect(bus, 'd1', 1);
      expect(got[0]!.payload).toEqual(rec);
      expect(got[0]!.meta).toMatchObject({
        msgId: rec.messageId,
        seq: 1,
        redelivered: false,
        deliveryCount: 1,
      });
    });

    it('files the batch event in the same stream, each durable seeing only its own subject', async () => {
      const single = record('one');
      const batch = { records: [record('b1'), record('b2')] };
      await bus.publish('audit.record-submitted', single, { msgId: single.messageId });
      const ack = await bus.publish('audit.records-submitted', batch, { msgId: 'batch-1' });
      expect(ack).toEqual({ seq: 2, duplicate: false });
      expect(await bus.publish('audit.records-submitted', batch, { msgId: 'batch-1' })).toEqual({
        seq: 2,
        duplicate: true,
      });
      let got!: { payload: unknown; meta: EventMeta };
      await new Promise<void>((resolve, reject) => {
        const sub = bus.consume('audit.records-submitted', { durable: 'd9' }, (payload, meta) => {
          got = { payload, meta };
          void sub.close().then(resolve);
          return Promise.resolve();
        });
        sub.ready.catch(reject);
      });
      expect(got.payload).toEqual(batch);
      expect(got.meta).toMatchObject({ msgId: 'batch-1', seq: 2 });
      expect((await collect(bus, 'd10', 1)).map((g) => g.payload.messageId)).toEqual([single.messageId]);
    });

    it('stores a msgId once inside the duplicate window', async () => {
      const rec = record('dup');
      const first = await bus.publish('audit.record-submitted', rec, { msgId: rec.messageId });
      const second = await bus.publish('audit.record-submitted', rec, { msgId: rec.messageId });
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ seq: first.seq, duplicate: true });
      const end = record('end');
      await bus.publish('audit.record-submitted', end, { msgId: end.messageId });
      const got = await collect(bus, 'd2', 2);
      expect(got.map((g) => g.payload.messageId)).toEqual([rec.messageId, end.messageId]);
    });

    it('redelivers an event whose handler threw', async () => {
      const rec = record('retry');
      await bus.publish('audit.record-submitted', rec, { msgId: rec.messageId });
      const metas: EventMeta[] = [];
      await new Promise<void>((resolve, reject) => {
        const sub = bus.consume('audit.record-submitted', { durable: 'd3', retryDelayMs: 50 }, (_p, meta) => {
          metas.push(meta);
          if (metas.length === 1) return Promise.reject(new Error('transient'));
          resolve();
          return Promise.resolve();
        });
        sub.ready.catch(reject);
      });
      expect(metas.map((m) => [m.redelivered, m.deliveryCount])).toEqual([
        [false, 1],
        [true, 2],
      ]);
    });

    it('redelivers to a new consumer of the same durable after a consumer crashed without ack', async () => {
      const rec = record('crash');
      await bus.publish('audit.record-submitted', rec, { msgId: rec.messageId });
      const peer = await f.peer();
      let release!: () => void;
      const stuck = new Promise<void>((r) => (release = r));
      let started!: () => void;
      const delivered = new Promise<void>((r) => (started = r));
      const crashed = peer.consume(
        'audit.record-submitted',
        { durable: 'd4', ackWaitMs: 1_000 },
        async () => {
          started();
          await stuck;
        },
      );
      await delivered;
      // The "crash": the subscription goes away while the handler never acknowledged.
      await crashed.close({ timeoutMs: 0 });
      const got = await collect(bus, 'd4', 1, { ackWaitMs: 1_000 });
      release();
      expect(got[0]!.payload.messageId).toBe(rec.messageId);
      expect(got[0]!.meta.redelivered).toBe(true);
      expect(got[0]!.meta.deliveryCount).toBe(2);
    });

    it('keeps a durable position across unsubscribe and resubscribe', async () => {
      const recs = ['a', 'b', 'c', 'd', 'e'].map(record);
      for (const r of recs.slice(0, 3))
        await bus.publish('audit.record-submitted', r, { msgId: r.messageId });
      expect((await collect(bus, 'd5', 3)).map((g) => g.payload.messageId)).toEqual(
        recs.slice(0, 3).map((r) => r.messageId),
      );
      for (const r of recs.slice(3)) await bus.publish('audit.record-submitted', r, { msgId: r.messageId });
      expect((await collect(bus, 'd5', 2)).map((g) => g.payload.messageId)).toEqual(
        recs.slice(3).map((r) => r.messageId),
      );
    });

    it('delivers the events of a subject in publish order', async () => {
      const recs = Array.from({ length: 25 }, (_, i) => record(`o${i}`));
      for (const r of recs) await bus.publish('audit.record-submitted', r, { msgId: r.messageId });
      const got = await collect(bus, 'd6', recs.length);
      expect(got.map((g) => g.payload.messageId)).toEqual(recs.map((r) => r.messageId));
      expect(got.map((g) => g.meta.seq)).toEqual(recs.map((_, i) => i + 1));
    });

    it('runs up to `concurrency` handlers of one subscription at once, acking each on its own', async () => {
      const recs = Array.from({ length: 12 }, (_, i) => record(`c${i}`));
      for (const r of recs) await bus.publish('audit.record-submitted', r, { msgId: r.messageId });
      let running = 0;
      let peak = 0;
      const seen = new Set<string>();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      await new Promise<void>((resolve, reject) => {
        const sub = bus.consume('audit.record-submitted', { durable: 'd7', concurrency: 4 }, async (p) => {
          running++;
          peak = Math.max(peak, running);
          if (peak === 4) release();
          await gate;
          running--;
          seen.add(p.messageId);
          if (seen.size === recs.length) {
            void sub.close().then(resolve);
          }
        });
        sub.ready.catch(reject);
      });
      expect(peak).toBe(4);
      expect([...seen].sort()).toEqual(recs.map((r) => r.messageId).sort());
      // All acked: a new subscription of the same durable gets nothing more.
      const more = record('after');
      await bus.publish('audit.record-submitted', more, { msgId: more.messageId });
      const got = await collect(bus, 'd7', 1);
      expect(got.map((g) => g.payload.messageId)).toEqual([more.messageId]);
    });

    it('refuses to publish or consume before the streams exist (StreamNotFoundError)', async () => {
      const bare = await make(`n${randomUUID().replace(/-/g, '').slice(0, 12)}.`);
      try {
        const rec = record('nostream');
        await expect(
          bare.bus.publish('audit.record-submitted', rec, { msgId: rec.messageId, timeoutMs: 2_000 }),
        ).rejects.toBeInstanceOf(StreamNotFoundError);
        const sub = bare.bus.consume('audit.record-submitted', { durable: 'd8' }, () => Promise.resolve());
        await expect(sub.ready).rejects.toBeInstanceOf(StreamNotFoundError);
        await sub.close();
      } finally {
        await bare.cleanup();
      }
    });

    it('carries W3C trace context on requests and events', async () => {
      const traceId = randomUUID().replace(/-/g, '');
      const spanId = traceId.slice(0, 16);
      const active = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
      const traceparent = `00-${traceId}-${spanId}-01`;
      let inHandler: string | undefined;
      await bus.serve('mpi.resolve', (_p, meta) => {
        inHandler = trace.getSpanContext(context.active())?.traceId;
        expect(meta.traceparent).toBe(traceparent);
        return Promise.resolve(found);
      }).ready;
      await context.with(active, () => bus.request('mpi.resolve', { patientId: 'x' }));
      expect(inHandler).toBe(traceId);

      const rec = record('traced');
      await context.with(active, () => bus.publish('audit.record-submitted', rec, { msgId: rec.messageId }));
      const got = await collect(bus, 'd7', 1);
      expect(got[0]!.meta.traceparent).toBe(traceparent);
      expect(got[0]!.traceId).toBe(traceId);
    });
  });
}

function ctx() {
  return {
    transaction: 'ITI-42' as const,
    principal: { kind: 'system' as const, service: 'repository' },
    traceId: '0'.repeat(32),
    messageId: randomUUID(),
  };
}

function record(tag: string): AuditRecordSubmitted {
  return {
    messageId: randomUUID(),
    xml: `<AuditMessage tag="${tag}"/>`,
    sourceId: 'test',
    receivedAt: new Date().toISOString(),
  };
}

interface Received {
  payload: AuditRecordSubmitted;
  meta: EventMeta;
  traceId: string | undefined;
}

/** Consumes `n` audit events through `durable`, then closes the subscription. */
async function collect(
  bus: Bus,
  durable: string,
  n: number,
  opts: { ackWaitMs?: number } = {},
): Promise<Received[]> {
  const got: Received[] = [];
  let done!: () => void;
  const enough = new Promise<void>((r) => (done = r));
  const sub = bus.consume('audit.record-submitted', { durable, ...opts }, async (payload, meta) => {
    got.push({ payload, meta, traceId: trace.getSpanContext(context.active())?.traceId });
    if (got.length === n) done();
    return Promise.resolve();
  });
  await sub.ready;
  await enough;
  await sub.close();
  return got;
}
