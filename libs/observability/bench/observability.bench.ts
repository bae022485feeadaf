/**
 * Prints the cost of this library on the hot path: a log line with and without the
 * central redaction (against pino's own `redact` option with the same list, one-level
 * wildcards only), and a Fastify request with and without the observability plugin.
 * Bounded: a fixed number of iterations, in-process only (Fastify inject, no sockets).
 *
 *   pnpm exec tsx libs/observability/bench/observability.bench.ts
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import {
  REDACT_PATHS,
  createHealth,
  createLogger,
  createMetrics,
  observabilityPlugin,
} from '@mesh/observability';

const sink = { write: (_s: string) => undefined };
const record = {
  transaction: 'ITI-42',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  req: { method: 'POST', url: '/xds/registry' },
  outcome: {
    status: 'Success',
    issues: [{ code: 'XDSRegistryMetadataError', location: 'DocumentEntry.classCode' }],
  },
  submission: { entries: 3, patientId: '1234567890^^^&1.2.3&ISO' },
  durationMs: 12.5,
};

function perOp(label: string, n: number, fn: () => void): void {
  for (let i = 0; i < Math.min(n, 5000); i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(
    `${label.padEnd(48)} ${(ns / 1000).toFixed(2).padStart(8)} us/op  ${Math.round(1e9 / ns)
      .toString()
      .padStart(9)} op/s`,
  );
}

const N = 50_000;
const plain = pino({ base: undefined }, sink);
const ours = createLogger({ service: 'bench', destination: sink });
const pinoRedact = pino(
  {
    redact: {
      paths: REDACT_PATHS.flatMap((p) => (p.startsWith('*.') ? [p.slice(2), p] : [p])).filter(
        (p) => !p.includes('-'),
      ),
      censor: '[REDACTED]',
    },
  },
  sink,
);
perOp('pino, no redaction', N, () => plain.info(record, 'submission registered'));
perOp('createLogger (central redaction, any depth)', N, () => ours.info(record, 'submission registered'));
perOp('pino redact option, same keys at depth 0-1', 5_000, () =>
  pinoRedact.info(record, 'submission registered'),
);
const child = ours.child({ transaction: 'ITI-41', traceId: record.traceId });
perOp('createLogger child, small record', N, () => child.info({ count: 3 }, 'stored'));

async function requests(label: string, withPlugin: boolean, n: number): Promise<void> {
  const app = Fastify();
  if (withPlugin) {
    await app.register(observabilityPlugin, {
      service: 'bench',
      metrics: createMetrics({ defaultMetrics: false }),
      health: createHealth(),
    });
  }
  app.post('/xds/registry', (request) => {
    if (withPlugin) request.transaction = 'ITI-42';
    return { ok: true };
  });
  await app.ready();
  const opts = {
    method: 'POST' as const,
    url: '/xds/registry',
    payload: { a: 1 },
    headers: { traceparent: `00-${record.traceId}-00f067aa0ba902b7-01` },
  };
  for (let i = 0; i < 500; i++) await app.inject(opts);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await app.inject(opts);
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(`${label.padEnd(48)} ${(ns / 1000).toFixed(2).padStart(8)} us/req`);
  await app.close();
}

await requests('fastify inject, no plugin', false, 5000);
await requests('fastify inject, observabilityPlugin (no SDK)', true, 5000);
