/**
 * TEST ONLY: what the Secure Node put on a real bus's AUDIT stream.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecordSubmitted, Bus, EventOf } from '@mesh/bus';

/**
 * Audit records on the stream, single and batched, in stream order: each subject read
 * through a fresh durable until its sentinel shows up.
 */
export async function recordsOnStream(real: Bus): Promise<AuditRecordSubmitted[]> {
  const sentinel = (): AuditRecordSubmitted => ({
    messageId: randomUUID(),
    xml: '<sentinel/>',
    sourceId: 'test',
    receivedAt: new Date().toISOString(),
  });
  const single = sentinel();
  const batch = [sentinel(), sentinel()];
  await real.publish('audit.record-submitted', single, { msgId: single.messageId });
  await real.publish('audit.records-submitted', { records: batch }, { msgId: randomUUID() });
  const got: { seq: number; records: readonly AuditRecordSubmitted[] }[] = [];
  const read = async <S extends 'audit.record-submitted' | 'audit.records-submitted'>(
    subject: S,
    end: string,
    records: (p: EventOf<S>) => readonly AuditRecordSubmitted[],
  ): Promise<void> => {
    let done!: () => void;
    const seen = new Promise<void>((r) => (done = r));
    const sub = real.consume(subject, { durable: `check-${randomUUID()}` }, (p, meta) => {
      const rs = records(p);
      if (rs[0]?.messageId === end) done();
      else got.push({ seq: meta.seq, records: rs });
      return Promise.resolve();
    });
    await sub.ready;
    await seen;
    await sub.close();
  };
  await read('audit.record-submitted', single.messageId, (p) => [p]);
  await read('audit.records-submitted', batch[0]!.messageId, (p) => p.records);
  return got.sort((x, y) => x.seq - y.seq).flatMap((g) => g.records);
}
