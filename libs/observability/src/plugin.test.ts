import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealth } from './health.js';
import type { Health } from './health.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { MeshMetrics } from './metrics.js';
import { observabilityPlugin } from './plugin.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface Harness {
  app: FastifyInstance;
  metrics: MeshMetrics;
  health: Health;
  lines: Record<string, unknown>[];
}

let open: FastifyInstance | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function build(): Promise<Harness> {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'registry',
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const health = createHealth();
  const loggerInstance: FastifyBaseLogger = logger;
  const app: FastifyInstance = Fastify({ loggerInstance });
  await app.register(observabilityPlugin, { service: 'registry', metrics, health });
  app.post('/xds/registry', (request) => {
    request.transaction = 'ITI-42';
    request.messageId = 'urn:uuid:6b1f3c7e-0000-4000-8000-000000000001';
    request.log.info('handling');
    return { traceId: request.traceId, requestId: request.requestId };
  });
  app.post('/xds/repository', (request) => {
    request.label('ITI-41', 'urn:uuid:6b1f3c7e-0000-4000-8000-000000000002');
    request.log.info('labelled');
    return { transaction: request.transaction, messageId: request.messageId };
  });
  app.get('/boom', () => {
    throw new Error('kaput');
  });
  await app.ready();
  open = app;
  return { app, metrics, health, lines };
}

describe('metrics endpoint', () => {
  it('counts an injected request with service/route/method/status/transaction labels', async () => {
    const { app } = await build();
    const before = await app.inject({ method: 'GET', url: '/metrics' });
    expect(before.statusCode).toBe(200);
    expect(before.headers['content-type']).toContain('text/plain');
    expect(before.body).not.toMatch(/http_requests_total\{[^}]*transaction="ITI-42"/);

    expect((await app.inject({ method: 'POST', url: '/xds/registry', payload: {} })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/xds/registry', payload: {} })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/nope/123' })).statusCode).toBe(404);

    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(
      'http_requests_total{service="registry",route="/xds/registry",method="POST",status="200",transaction="ITI-42"} 2',
    );
    expect(text).toContain(
      'http_requests_total{service="registry",route="/boom",method="GET",status="500",transaction="none"} 1',
    );
    // Unknown URLs collapse into one series: raw paths would explode cardinality.
    expect(text).toContain('route="unmatched",method="GET",status="404"');
    expect(text).not.toContain('/nope/123');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{service="registry",route="\/xds\/registry",method="POST",status="200",transaction="ITI-42"\} 2/,
    );
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",service="registry"');
    // Default Node metrics.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('exposes mesh_ metrics that services add', async () => {
    const { app, metrics } = await build();
    const c = metrics.counter({
      name: 'documents_registered_total',
      help: 'Documents registered.',
      labelNames: ['repository'],
    });
    c.inc({ repository: '1.2.3' }, 3);
    expect(
      metrics.counter({ name: 'mesh_documents_registered_total', help: 'x', labelNames: ['repository'] }),
    ).toBe(c);
    metrics
      .histogram({ name: 'submission_size_bytes', help: 'Submission size.', buckets: [1024, 1048576] })
      .observe(2000);
    expect(() => metrics.counter({ name: 'documents_registered', help: 'x' })).toThrow(/_total/);
    expect(() => metrics.gauge({ name: 'documents_registered_total', help: 'x' })).toThrow(/another type/);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('mesh_documents_registered_total{repository="1.2.3"} 3');
    expect(text).toContain('mesh_submission_size_bytes_bucket{le="1048576"} 1');
  });
});

describe('/healthz and /readyz', () => {
  it('liveness is 200; readiness follows its checks and shutdown', async () => {
    const { app, health } = await build();
    let dbUp = true;
    health.addCheck('db.ping', () => {
      if (!dbUp) throw new Error('connection refused');
    });
    health.addCheck('bus.ready', () => true);

    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    let r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ready',
      checks: { 'db.ping': { state: 'pass' }, 'bus.ready': { state: 'pass' } },
    });

    dbUp = false;
    r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({
      status: 'not_ready',
      checks: { 'db.ping': { state: 'fail' }, 'bus.ready': { state: 'pass' } },
    });
    // The error text is not exposed in the probe body.
    expect(r.body).not.toContain('connection refused');

    dbUp = true;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    health.markShuttingDown();
    r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'shutting_down' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('a check that hangs times out and fails readiness', async () => {
    const failures: string[] = [];
    const health = createHealth({ onCheckFailure: (name, state) => failures.push(`${name}:${state}`) });
    health.addCheck('slow', () => new Promise(() => undefined), { timeoutMs: 50 });
    health.addCheck('false', () => false);
    const report = await health.readiness();
    expect(report.status).toBe('not_ready');
    expect(report.checks['slow']?.state).toBe('timeout');
    expect(report.checks['false']?.state).toBe('fail');
    expect(failures.sort()).toEqual(['false:fail', 'slow:timeout']);
  });
});

describe('request correlation', () => {
  it('takes the traceId from an incoming traceparent and logs it with transaction and wsaMessageId', async () => {
    const { app, lines } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/xds/registry',
      payload: {},
      headers: { traceparent: TRACEPARENT, 'x-request-id': 'lb-42' },
    });
    expect(res.json()).toEqual({ traceId: TRACE_ID, requestId: 'lb-42' });
    expect(res.headers['x-request-id']).toBe('lb-42');
    const handling = lines.find((l) => l['msg'] === 'handling');
    expect(handling).toMatchObject({
      service: 'registry',
      traceId: TRACE_ID,
      requestId: 'lb-42',
      transaction: 'ITI-42',
      wsaMessageId: 'urn:uuid:6b1f3c7e-0000-4000-8000-000000000001',
    });
    // Fastify's completion line is relabelled as well.
    expect(lines.find((l) => l['msg'] === 'request completed')).toMatchObject({
      traceId: TRACE_ID,
      transaction: 'ITI-42',
    });
  });

  it('label sets transaction and messageId together, for logs and metrics', async () => {
    const { app, lines } = await build();
    const res = await app.inject({ method: 'POST', url: '/xds/repository', payload: {} });
    expect(res.json()).toEqual({
      transaction: 'ITI-41',
      messageId: 'urn:uuid:6b1f3c7e-0000-4000-8000-000000000002',
    });
    expect(lines.find((l) => l['msg'] === 'labelled')).toMatchObject({
      transaction: 'ITI-41',
      wsaMessageId: 'urn:uuid:6b1f3c7e-0000-4000-8000-000000000002',
    });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain(
      'http_requests_total{service="registry",route="/xds/repository",method="POST",status="200",transaction="ITI-41"} 1',
    );
  });

  it('with accessLog, logs one PHI-free completion line per request, probes at debug', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'registry',
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    });
    const loggerInstance: FastifyBaseLogger = logger;
    const app: FastifyInstance = Fastify({
      loggerInstance,
      logController: new LogController({ disableRequestLogging: true }),
    });
    await app.register(observabilityPlugin, {
      service: 'registry',
      metrics: createMetrics({ defaultMetrics: false }),
      health: createHealth(),
      accessLog: true,
    });
    app.get('/api/x/:id', (request) => {
      request.transaction = 'ITI-18';
      return {};
    });
    await app.ready();
    await app.inject({ method: 'GET', url: '/api/x/secret-patient?name=Doe' });
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.close();
    const done = lines.filter((l) => l['msg'] === 'request completed');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ method: 'GET', route: '/api/x/:id', status: 200, transaction: 'ITI-18' });
    expect(JSON.stringify(done[0])).not.toContain('secret-patient');
    expect(JSON.stringify(lines)).not.toContain('Doe');
  });

  it('starts a new trace for an absent or invalid traceparent and ignores unsafe request ids', async () => {
    const { app } = await build();
    const a = (await app.inject({ method: 'POST', url: '/xds/registry', payload: {} })).json<{
      traceId: string;
      requestId: string;
    }>();
    const b = (
      await app.inject({
        method: 'POST',
        url: '/xds/registry',
        payload: {},
        headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, 'x-request-id': 'bad id\nx' },
      })
    ).json<{ traceId: string; requestId: string }>();
    for (const r of [a, b]) {
      expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(r.traceId).not.toBe('0'.repeat(32));
      expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(a.traceId).not.toBe(b.traceId);
  });
});
