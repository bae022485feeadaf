import { describe, expect, it } from 'vitest';
import { applicationActivityAudit, auditSource } from '@mesh/audit';
import type { AuditMessage } from '@mesh/audit';
import { createAuditHandoff } from './audit-handoff.js';

const message = (): AuditMessage =>
  applicationActivityAudit({
    activity: 'start',
    eventDateTime: new Date('2026-11-26T00:00:00Z'),
    application: { userId: 'mpi', altUserId: '1', networkAccessPoint: 'host' },
    auditSource: auditSource('test'),
  });

/** A sender whose sends stay pending until the test settles them. */
function controlledSender() {
  const calls: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const sender = {
    send: () =>
      new Promise<void>((resolve, reject) => {
        calls.push({ resolve, reject });
      }),
  };
  return { sender, calls };
}

const later = () => new Promise<void>((r) => setTimeout(r, 10));

describe('audit hand-off', () => {
  it('hands the records of a few milliseconds to the sender together, after the caller moved on', async () => {
    const { sender, calls } = controlledSender();
    const h = createAuditHandoff({ sender, logger: { error: () => undefined } });
    await h.record({ transaction: 'ITI-9' }, message);
    await h.record({ transaction: 'ITI-9' }, message);
    expect(calls).toHaveLength(0);
    await later();
    expect(calls).toHaveLength(2);
    expect(h.stats()).toMatchObject({ submitted: 2, pending: 2, durable: 0 });
  });

  it('hands a full batch over at once', async () => {
    const { sender, calls } = controlledSender();
    const h = createAuditHandoff({ sender, logger: { error: () => undefined }, maxBatch: 2 });
    await h.record({ transaction: 'ITI-9' }, message);
    expect(calls).toHaveLength(0);
    await h.record({ transaction: 'ITI-9' }, message);
    expect(calls).toHaveLength(2);
  });

  it('drain hands over what waits and resolves when every record is durable', async () => {
    const { sender, calls } = controlledSender();
    const h = createAuditHandoff({ sender, logger: { error: () => undefined }, flushDelayMs: 60_000 });
    await h.record({ transaction: 'ITI-8' }, message);
    let drained = false;
    const d = h.drain().then(() => {
      drained = true;
    });
    expect(calls).toHaveLength(1);
    await later();
    expect(drained).toBe(false);
    calls[0]?.resolve();
    await d;
    expect(h.stats()).toMatchObject({ durable: 1, pending: 0, failed: 0 });
  });

  it('logs and counts a record the sender refused, and one that could not be built', async () => {
    const { sender, calls } = controlledSender();
    const logged: { obj: object }[] = [];
    const h = createAuditHandoff({ sender, logger: { error: (obj: object) => logged.push({ obj }) } });
    await h.record({ transaction: 'ITI-21', messageId: 'm1' }, message);
    await h.record({ transaction: 'ITI-9', messageId: 'm2' }, () => {
      throw new Error('cannot build');
    });
    await later();
    calls[0]?.reject(new Error('audit spool is full'));
    await h.drain();
    expect(h.stats()).toMatchObject({ failed: 2, durable: 0, pending: 0 });
    expect(logged.map((l) => l.obj)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transaction: 'ITI-21', 'MSH-10': 'm1' }),
        expect.objectContaining({ transaction: 'ITI-9', 'MSH-10': 'm2' }),
      ]),
    );
  });

  it('makes callers wait once maxPending records are not yet durable', async () => {
    const { sender, calls } = controlledSender();
    const h = createAuditHandoff({ sender, logger: { error: () => undefined }, maxPending: 2 });
    await h.record({ transaction: 'ITI-9' }, message);
    await h.record({ transaction: 'ITI-9' }, message);
    let third = false;
    const p = h.record({ transaction: 'ITI-9' }, message).then(() => {
      third = true;
    });
    await later();
    expect(third).toBe(false);
    calls[0]?.resolve();
    await p;
    expect(third).toBe(true);
  });
});
