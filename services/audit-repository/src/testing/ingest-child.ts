/**
 * TEST ONLY (kill -9 test, benchmarks): the audit repository's bus ingest path alone in a
 * process of its own (PostgreSQL schema AUDIT_TEST_SCHEMA, NATS subjects under
 * AUDIT_TEST_PREFIX), so a test can SIGKILL it mid-load and start it again. Writes "ready"
 * on stdout once consuming.
 */
import { connectNats } from '@mesh/bus';
import { migrate, openDb } from '@mesh/db';
import { AUDIT_MIGRATIONS } from '../migrations.js';
import { consumeAuditRecords } from '../bus-ingest.js';
import { createIngest } from '../ingest.js';
import { createAuditStore } from '../store.js';
import { createAuditWriter } from '../writer.js';

const env = process.env;
const need = (k: string): string => {
  const v = env[k];
  if (v === undefined || v === '') throw new Error(`${k} is required`);
  return v;
};
const log = { warn: () => undefined, error: (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`) };
const db = await openDb({ schema: need('AUDIT_TEST_SCHEMA'), url: need('DATABASE_URL'), poolSize: 8 });
await migrate(db, AUDIT_MIGRATIONS);
const chains = Number(env['AUDIT_CHAINS'] ?? 2);
const store = createAuditStore(db);
await store.initChains(chains);
await store.ensurePartitions(new Date(), 1);
const writer = createAuditWriter({ store, chains, maxBatch: 500, clock: () => new Date(), logger: log });
const noop = (): void => undefined;
const ingest = createIngest({
  writer,
  logger: log,
  counters: { received: noop, stored: noop, duplicate: noop, rejected: noop },
});
const bus = await connectNats({
  servers: need('NATS_URL'),
  name: 'audit-ingest-child',
  subjectPrefix: need('AUDIT_TEST_PREFIX'),
});
await bus.ensureStreams();
const subs = consumeAuditRecords({
  bus,
  ingest,
  durable: 'audit-repository',
  subscriptions: 2,
  concurrency: Math.ceil(Number(env['AUDIT_BUS_IN_FLIGHT'] ?? 1024) / 2),
  onInvalid: noop,
});
await Promise.all(subs.map((s) => s.ready));
process.stdout.write('ready\n');
