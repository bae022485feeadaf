/**
 * Durability under a crash (issue 6, ADR 0006): a child process ingests audit records from
 * the bus under load and is killed with SIGKILL mid-stream; a new child takes over the
 * durable consumers. Every published record, alone or in a batch message, must end up stored
 * exactly once (acks are sent only after COMMIT of every record of a message; redeliveries
 * are de-duplicated by each record's message id), and the hash chains must
 * still verify. Needs PostgreSQL and NATS (the in-process bus dies with its process, so there
 * is nothing to recover from without them): skipped unless DATABASE_URL and NATS_URL are set.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { auditSource, buildTransactionAudit, toAuditXml } from '@mesh/audit';
import { connectNats } from '@mesh/bus';
import type { NatsBus } from '@mesh/bus';
import { openDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { verifyChains } from './verify.js';

const DATABASE_URL = process.env.DATABASE_URL;
const NATS_URL = process.env.NATS_URL;
const CHILD = fileURLToPath(new URL('./testing/ingest-child.ts', import.meta.url));
const N = 20_000;

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not start')), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${String(code)}`)));
  });
}

describe.skipIf(DATABASE_URL === undefined || NATS_URL === undefined)(
  'kill -9 under load (PostgreSQL + NATS)',
  () => {
    const id = randomUUID().replace(/-/g, '').slice(0, 12);
    const schema = `audit_k9_${id}`;
    const prefix = `k9${id}.`;
    const env = {
      AUDIT_TEST_SCHEMA: schema,
      AUDIT_TEST_PREFIX: prefix,
      DATABASE_URL: DATABASE_URL!,
      NATS_URL: NATS_URL!,
    };
    let bus: NatsBus | undefined;
    let db: Db | undefined;
    let child: ChildProcess | undefined;

    afterAll(async () => {
      child?.kill('SIGKILL');
      await bus?.deleteStreams().catch(() => undefined);
      await bus?.close();
      await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db?.close();
    });

    it('loses nothing and duplicates nothing when the repository is SIGKILLed mid-ingest', async () => {
      bus = await connectNats({ servers: NATS_URL!, name: 'kill9-test', subjectPrefix: prefix });
      await bus.ensureStreams();
      child = await startChild(env);
      db = await openDb({ schema, url: DATABASE_URL!, poolSize: 2 });
      const count = async () =>
        Number((await db!.query<{ n: string }>('SELECT count(*) AS n FROM event')).rows[0]!.n);

      const xml = toAuditXml(
        buildTransactionAudit({
          transaction: 'ITI-43',
          side: 'responder',
          outcome: 'Success',
          eventDateTime: new Date(),
          initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous' },
          responder: { userId: 'https://mesh.example/xds/repository' },
          auditSource: auditSource('kill9'),
          patientId: 'k9^^^&1.2.3&ISO',
          documents: [{ uniqueId: '1.2.3.4', repositoryUniqueId: '1.2.3.100' }],
        }),
      );
      const ids = Array.from({ length: N }, () => randomUUID());
      let published = 0;
      const publisher = (async () => {
        const rec = (messageId: string) => ({
          messageId,
          xml,
          sourceId: 'kill9',
          receivedAt: new Date().toISOString(),
        });
        // Of every 500: 250 single-record messages (older senders, lone records) and 5
        // batch messages of 50 (the Secure Node under load), so the kill hits both consumers.
        for (let i = 0; i < N; i += 500) {
          const chunk = ids.slice(i, i + 500);
          await Promise.all([
            ...chunk.slice(0, 250).map((messageId) =>
              bus!.publish('audit.record-submitted', rec(messageId), {
                msgId: messageId,
                timeoutMs: 30_000,
              }),
            ),
            ...Array.from({ length: 5 }, (_, b) =>
              bus!.publish(
                'audit.records-submitted',
                { records: chunk.slice(250 + b * 50, 300 + b * 50).map(rec) },
                { msgId: `batch-${i}-${b}`, timeoutMs: 30_000 },
              ),
            ),
          ]);
          published += chunk.length;
        }
      })();

      // Kill once the child is well into the stream.
      const deadline = Date.now() + 60_000;
      while ((await count()) < N / 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      const atKill = await count();
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(N);

      child = await startChild(env);
      await publisher;
      expect(published).toBe(N);
      const end = Date.now() + 120_000;
      while ((await count()) < N && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      // Let any redelivery still in flight arrive: it must not add a row.
      await new Promise((r) => setTimeout(r, 1_500));
      const r = await db.query<{ n: string; d: string; ours: string }>(
        'SELECT count(*) AS n, count(DISTINCT message_id) AS d, count(*) FILTER (WHERE message_id = ANY($1::text[])) AS ours FROM event',
        [ids],
      );
      expect({
        rows: Number(r.rows[0]!.n),
        distinct: Number(r.rows[0]!.d),
        ours: Number(r.rows[0]!.ours),
      }).toEqual({
        rows: N,
        distinct: N,
        ours: N,
      });
      const report = await verifyChains(db);
      expect(report.problems).toEqual([]);
      expect(report.records).toBe(N);
    }, 300_000);
  },
);
