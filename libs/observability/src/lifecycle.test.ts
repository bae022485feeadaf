import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createHealth } from './health.js';
import { createLifecycle } from './lifecycle.js';
import type { Lifecycle } from './lifecycle.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { observabilityPlugin } from './plugin.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'test',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { lines, logger };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

function exitRecorder(): { codes: number[]; exit: (code: number) => void } {
  const codes: number[] = [];
  return { codes, exit: (code) => void codes.push(code) };
}

describe('graceful shutdown', () => {
  it('on SIGTERM: not ready, drains an in-flight request, refuses new connections, closes in reverse order, exits 0', async () => {
    const { lines, logger } = capture();
    const health = createHealth();
    const signals = new EventEmitter();
    const { codes, exit } = exitRecorder();
    const lifecycle = createLifecycle({ logger, health, exit, signals, timeoutMs: 5000 });
    const order: string[] = [];
    lifecycle.onShutdown('telemetry', () => void order.push('telemetry'));
    lifecycle.onShutdown('db', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('db');
    });
    lifecycle.onShutdown('bus', () => void order.push('bus'));

    const app = Fastify({ loggerInstance: logger });
    await app.register(observabilityPlugin, {
      service: 'test',
      metrics: createMetrics({ defaultMetrics: false }),
      health,
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    app.get('/slow', async () => {
      entered();
      await new Promise((r) => setTimeout(r, 300));
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    lifecycle.onShutdown('http', async () => {
      await app.close();
      order.push('http');
    });
    const uninstall = lifecycle.installSignalHandlers();
    const uninstallTest = lifecycle.installSignalHandlers(['SIGTERM']);
    uninstallTest();

    // Ready before the signal.
    expect((await get(port, '/readyz')).status).toBe(200);
    const slow = get(port, '/slow');
    await inHandler;

    signals.emit('SIGTERM', 'SIGTERM');
    expect(lifecycle.state).toBe('stopping');
    expect(health.shuttingDown).toBe(true);
    // While /slow is still running, new connections must be refused (polled: close() is asynchronous).
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    let refusedWhileInFlight = false;
    while (!slowDone) {
      if ((await tryConnect(port)) === 'ECONNREFUSED') {
        refusedWhileInFlight = !slowDone;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(refusedWhileInFlight).toBe(true);

    const res = await slow;
    expect(res).toEqual({ status: 200, body: '{"done":true}' });

    await lifecycle.shutdown('again');
    expect(codes).toEqual([0]);
    expect(order).toEqual(['http', 'bus', 'db', 'telemetry']);
    expect(lifecycle.state).toBe('stopped');
    expect(lines.find((l) => l['msg'] === 'shutdown started')).toMatchObject({
      reason: 'SIGTERM',
      closers: 4,
    });
    expect(lines.some((l) => l['msg'] === 'shutdown complete')).toBe(true);
    uninstall();
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('readiness is 503 during the drain delay, before anything closes', async () => {
    const { logger } = capture();
    const health = createHealth();
    const { codes, exit } = exitRecorder();
    const lifecycle = createLifecycle({
      logger,
      health,
      exit,
      drainDelayMs: 200,
      signals: new EventEmitter(),
    });
    const app = Fastify();
    await app.register(observabilityPlugin, {
      service: 'test',
      metrics: createMetrics({ defaultMetrics: false }),
      health,
    });
    lifecycle.onShutdown('http', () => app.close());
    await app.ready();
    const done = lifecycle.shutdown('test');
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: 'shutting_down', checks: {} });
    expect(await done).toBe(0);
    expect(codes).toEqual([0]);
  });

  it('a second signal forces exit 1 with a log line', async () => {
    const { lines, logger } = capture();
    const signals = new EventEmitter();
    const { codes, exit } = exitRecorder();
    const lifecycle: Lifecycle = createLifecycle({ logger, exit, signals });
    lifecycle.onShutdown('stuck', () => new Promise(() => undefined));
    lifecycle.installSignalHandlers();
    signals.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setTimeout(r, 10));
    expect(codes).toEqual([]);
    signals.emit('SIGINT', 'SIGINT');
    expect(await lifecycle.shutdown('x')).toBe(1);
    expect(codes).toEqual([1]);
    expect(lines.find((l) => l['msg'] === 'second signal during shutdown; forcing exit')).toMatchObject({
      signal: 'SIGINT',
      closer: 'stuck',
      level: 'error',
    });
  });

  it('the deadline forces exit 1; a failing closer gives exit 1 but the others still run', async () => {
    const a = capture();
    const r1 = exitRecorder();
    const l1 = createLifecycle({
      logger: a.logger,
      exit: r1.exit,
      timeoutMs: 100,
      signals: new EventEmitter(),
    });
    l1.onShutdown('stuck', () => new Promise(() => undefined));
    expect(await l1.shutdown('test')).toBe(1);
    expect(r1.codes).toEqual([1]);
    expect(a.lines.find((l) => l['msg'] === 'shutdown deadline exceeded; forcing exit')).toMatchObject({
      closer: 'stuck',
    });

    const b = capture();
    const r2 = exitRecorder();
    const ran: string[] = [];
    const l2 = createLifecycle({ logger: b.logger, exit: r2.exit, signals: new EventEmitter() });
    l2.onShutdown('first', () => void ran.push('first'));
    l2.onShutdown('broken', () => {
      throw new Error('close failed');
    });
    expect(await l2.shutdown('test')).toBe(1);
    expect(ran).toEqual(['first']);
    expect(r2.codes).toEqual([1]);
    expect(() => l2.onShutdown('late', () => undefined)).toThrow(/after shutdown began/);
  });
});
