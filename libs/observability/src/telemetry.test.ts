import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { createHealth } from './health.js';
import { createMetrics } from './metrics.js';
import { observabilityPlugin } from './plugin.js';
import { initTelemetry, otlpTracesUrl } from './telemetry.js';
import { currentTraceparent, parseTraceparent, traceIdFrom, withSpan } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

describe('traceparent parsing (W3C Trace Context 3.2)', () => {
  it('accepts valid headers and rejects invalid ones', () => {
    expect(traceIdFrom(TRACEPARENT)).toBe(TRACE_ID);
    expect(parseTraceparent(TRACEPARENT)).toEqual({
      version: '00',
      traceId: TRACE_ID,
      spanId: PARENT_SPAN,
      traceFlags: 1,
    });
    // A future version may append fields.
    expect(traceIdFrom(`01-${TRACE_ID}-${PARENT_SPAN}-01-extra`)).toBe(TRACE_ID);
    for (const bad of [
      undefined,
      '',
      `ff-${TRACE_ID}-${PARENT_SPAN}-01`,
      `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.toUpperCase()}-${PARENT_SPAN}-01`,
      `00-${TRACE_ID}-${PARENT_SPAN}-01-extra`,
      `00_${TRACE_ID}-${PARENT_SPAN}-01`,
      [TRACEPARENT, TRACEPARENT],
    ]) {
      expect(traceIdFrom(bad)).toBeUndefined();
    }
  });

  it('derives the OTLP traces URL from the environment', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom',
      }),
    ).toBe('https://traces.example/custom');
    expect(
      otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeUndefined();
    expect(() => otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318:x' })).toThrow(ConfigError);
  });

  it('without the SDK there is no active span to propagate', async () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(await withSpan('noop', {}, () => 7)).toBe(7);
  });
});

describe('with the SDK running', () => {
  it('creates a server span in the caller trace, active in the handler, without an exporter', async () => {
    const telemetry = await initTelemetry({ serviceName: 'registry', env: {} });
    expect(telemetry.exportUrl).toBeUndefined();
    await expect(initTelemetry({ serviceName: 'again', env: {} })).rejects.toThrow(/already running/);
    const app = Fastify();
    await app.register(observabilityPlugin, {
      service: 'registry',
      metrics: createMetrics({ defaultMetrics: false }),
      health: createHealth(),
    });
    app.get('/q', async (request) => {
      await new Promise((r) => setTimeout(r, 5));
      const inner = await withSpan('registry.query', { 'mesh.transaction': 'ITI-18' }, () =>
        currentTraceparent(),
      );
      return { traceId: request.traceId, outbound: currentTraceparent(), inner };
    });
    try {
      const body = (
        await app.inject({ method: 'GET', url: '/q', headers: { traceparent: TRACEPARENT } })
      ).json<{
        traceId: string;
        outbound: string;
        inner: string;
      }>();
      expect(body.traceId).toBe(TRACE_ID);
      const outbound = parseTraceparent(body.outbound);
      const inner = parseTraceparent(body.inner);
      expect(outbound?.traceId).toBe(TRACE_ID);
      // The server span has its own id: outbound calls are its children, not the caller's siblings.
      expect(outbound?.spanId).not.toBe(PARENT_SPAN);
      expect(inner?.traceId).toBe(TRACE_ID);
      expect(inner?.spanId).not.toBe(outbound?.spanId);
      expect(outbound?.traceFlags).toBe(1);
      // A trace that starts here, with no collector: ids for logs and outbound calls, not recorded.
      const root = (await app.inject({ method: 'GET', url: '/q' })).json<{
        traceId: string;
        outbound: string;
      }>();
      const rootOutbound = parseTraceparent(root.outbound);
      expect(rootOutbound?.traceId).toBe(root.traceId);
      expect(rootOutbound?.traceId).not.toBe(TRACE_ID);
      expect(rootOutbound?.traceFlags).toBe(0);
    } finally {
      await app.close();
      await telemetry.shutdown();
    }
    expect(currentTraceparent()).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP only when an endpoint is set', async () => {
    const received: { url: string | undefined; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    const telemetry = await initTelemetry({
      serviceName: 'repository',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, HOSTNAME: 'repository-7d9f-abc' },
    });
    try {
      expect(telemetry.exportUrl).toBe(`http://127.0.0.1:${port}/v1/traces`);
      const app = Fastify();
      await app.register(observabilityPlugin, {
        service: 'repository',
        metrics: createMetrics({ defaultMetrics: false }),
        health: createHealth(),
      });
      app.post('/xds/repository', (request) => {
        request.transaction = 'ITI-41';
        return 'ok';
      });
      await app.inject({
        method: 'POST',
        url: '/xds/repository',
        headers: { traceparent: TRACEPARENT },
        payload: {},
      });
      await app.close();
    } finally {
      await telemetry.shutdown();
      await new Promise((r) => collector.close(r));
    }
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]?.url).toBe('/v1/traces');
    const all = received.map((r) => r.body).join('\n');
    expect(all).toContain(TRACE_ID);
    expect(all).toContain('POST /xds/repository');
    expect(all).toContain('ITI-41');
    expect(all).toContain('repository-7d9f-abc');
  });
});
