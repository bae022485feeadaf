import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MllpConnectionError,
  MllpDecoder,
  MllpTimeoutError,
  createMllpClient,
  createMllpServer,
  encodeMllpFrame,
  mllpRequest,
} from './index.js';
import type { MllpConnectionInfo, MllpHandler, MllpServer, MllpServerOptions } from './index.js';
import { createTestPki } from '@mesh/test-support';
import type { TestPki } from '@mesh/test-support';

const HOST = '127.0.0.1';
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const echo: MllpHandler = (m) => Promise.resolve(Buffer.concat([b('ACK:'), m]));

const servers: MllpServer[] = [];
async function start(
  options: Partial<MllpServerOptions> = {},
): Promise<{ server: MllpServer; port: number }> {
  const server = createMllpServer({ handler: echo, ...options });
  servers.push(server);
  const { port } = await server.listen(0, HOST);
  return { server, port };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
});

/** A raw socket reading MLLP replies, for tests that write bytes the clients never would. */
async function rawConnect(port: number) {
  const socket = net.connect({ host: HOST, port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  const decoder = new MllpDecoder({ maxFrameBytes: 1 << 26, maxJunkBytes: 0 });
  const replies: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (c: Buffer) => {
    for (const f of decoder.push(c)) replies.push(f.toString('latin1'));
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  async function waitReplies(n: number): Promise<string[]> {
    while (replies.length < n) await new Promise<void>((r) => waiters.push(r));
    return replies;
  }
  return { socket, replies, waitReplies, closed };
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('MLLP server over TCP', () => {
  it('round-trips a message with mllpRequest', async () => {
    const { port, server } = await start();
    const reply = await mllpRequest(HOST, port, b('MSH|^~\\&|X\r'));
    expect(reply.toString('latin1')).toBe('ACK:MSH|^~\\&|X\r');
    expect(server.stats()).toMatchObject({ framesReceived: 1, repliesSent: 1 });
  });

  it('reassembles a frame written one byte per TCP write', async () => {
    const { port } = await start();
    const c = await rawConnect(port);
    for (const byte of encodeMllpFrame(b('MSH|split\r'))) {
      c.socket.write(Buffer.from([byte]));
      await sleep(1);
    }
    expect(await c.waitReplies(1)).toEqual(['ACK:MSH|split\r']);
    c.socket.destroy();
  });

  it('answers two frames of one write in order, never running the handler for N+1 before N replied', async () => {
    const events: string[] = [];
    const { port } = await start({
      handler: async (m) => {
        const t = m.toString('latin1');
        events.push(`start ${t}`);
        await sleep(t === 'first' ? 60 : 0); // the first is slower: order must still hold
        events.push(`end ${t}`);
        return b(`ACK ${t}`);
      },
    });
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat([encodeMllpFrame(b('first')), encodeMllpFrame(b('second'))]));
    expect(await c.waitReplies(2)).toEqual(['ACK first', 'ACK second']);
    expect(events).toEqual(['start first', 'end first', 'start second', 'end second']);
    c.socket.destroy();
  });

  it('with maxInFlight, handles pipelined frames together and still replies in frame order', async () => {
    const events: string[] = [];
    const { port } = await start({
      maxInFlight: 4,
      handler: async (m) => {
        const t = m.toString('latin1');
        events.push(`start ${t}`);
        await sleep(t === 'q1' ? 60 : 0); // the first is the slowest
        events.push(`end ${t}`);
        return b(`ACK ${t}`);
      },
    });
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat(['q1', 'q2', 'q3'].map((t) => encodeMllpFrame(b(t)))));
    expect(await c.waitReplies(3)).toEqual(['ACK q1', 'ACK q2', 'ACK q3']);
    expect(events.slice(0, 3)).toEqual(['start q1', 'start q2', 'start q3']);
    expect(events.at(-1)).toBe('end q1');
    c.socket.destroy();
  });

  it('runs a sequential frame alone: after the earlier frames replied, before the later ones start', async () => {
    const events: string[] = [];
    const { port } = await start({
      maxInFlight: 4,
      sequential: (f) => f.toString('latin1').startsWith('u'),
      handler: async (m) => {
        const t = m.toString('latin1');
        events.push(`start ${t}`);
        await sleep(t === 'q1' || t === 'u1' ? 40 : 0);
        events.push(`end ${t}`);
        return b(`ACK ${t}`);
      },
    });
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat(['q1', 'q2', 'u1', 'q3'].map((t) => encodeMllpFrame(b(t)))));
    expect(await c.waitReplies(4)).toEqual(['ACK q1', 'ACK q2', 'ACK u1', 'ACK q3']);
    expect(events).toEqual([
      'start q1',
      'start q2',
      'end q2',
      'end q1',
      'start u1',
      'end u1',
      'start q3',
      'end q3',
    ]);
    c.socket.destroy();
  });

  it('sends nothing when the handler returns undefined, and keeps the connection', async () => {
    const { port } = await start({
      handler: (m) => Promise.resolve(m.toString() === 'quiet' ? undefined : b('ok')),
    });
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat([encodeMllpFrame(b('quiet')), encodeMllpFrame(b('loud'))]));
    expect(await c.waitReplies(1)).toEqual(['ok']);
    await sleep(20);
    expect(c.replies).toEqual(['ok']);
    c.socket.destroy();
  });

  it('discards and counts junk before a start block', async () => {
    const { port, server } = await start();
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat([b('GET / HTTP/1.0\r\n'), encodeMllpFrame(b('MSH|after junk'))]));
    expect(await c.waitReplies(1)).toEqual(['ACK:MSH|after junk']);
    expect(server.stats().discardedBytes).toBe(16);
    c.socket.destroy();
  });

  it('closes a connection sending an oversized frame while another connection keeps working', async () => {
    const { port, server } = await start({ maxFrameBytes: 4096 });
    const client = createMllpClient({ host: HOST, port });
    expect((await client.request(b('before'))).toString()).toBe('ACK:before');
    const bad = await rawConnect(port);
    bad.socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(5000, 0x41)]));
    await bad.closed;
    expect(bad.replies).toEqual([]);
    expect((await client.request(b('after'))).toString()).toBe('ACK:after');
    expect(server.stats()).toMatchObject({ framingErrors: 1, connections: 1 });
    await client.close();
  });

  it('closes a connection that sends only junk, once maxJunkBytes is exceeded', async () => {
    const { port, server } = await start({ maxJunkBytes: 1000 });
    const bad = await rawConnect(port);
    bad.socket.write(Buffer.alloc(999, 0xff));
    await sleep(50);
    expect(bad.socket.destroyed).toBe(false);
    bad.socket.write(Buffer.alloc(2, 0xff));
    await bad.closed;
    expect(server.stats().framingErrors).toBe(1);
  });

  it('closes an idle connection after idleTimeoutMs', async () => {
    const { port, server } = await start({ idleTimeoutMs: 150 });
    const c = await rawConnect(port);
    const t0 = performance.now();
    await c.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    expect(server.stats().idleTimeouts).toBe(1);
  });

  it('does not time out a connection whose handler is slow', async () => {
    const { port } = await start({
      idleTimeoutMs: 50,
      handler: async () => {
        await sleep(200);
        return b('late');
      },
    });
    expect((await mllpRequest(HOST, port, b('x'))).toString()).toBe('late');
  });

  it('closes a connection whose peer stops reading replies, after idleTimeoutMs', async () => {
    const { port, server } = await start({
      idleTimeoutMs: 200,
      handler: () => Promise.resolve(Buffer.alloc(4 << 20, 0x41)),
    });
    const c = await rawConnect(port);
    c.socket.pause();
    c.socket.write(Buffer.concat([encodeMllpFrame(b('1')), encodeMllpFrame(b('2'))]));
    await until(() => server.stats().idleTimeouts === 1);
    expect(server.stats().repliesSent).toBeGreaterThan(0);
    c.socket.destroy();
  });

  it('refuses connections beyond maxConnections', async () => {
    const { port, server } = await start({ maxConnections: 1 });
    const first = await rawConnect(port);
    await until(() => server.stats().connections === 1);
    const second = await rawConnect(port);
    await second.closed;
    first.socket.write(encodeMllpFrame(b('still here')));
    expect(await first.waitReplies(1)).toEqual(['ACK:still here']);
    first.socket.destroy();
  });

  it('closes the connection when the handler throws', async () => {
    const { port, server } = await start({ handler: () => Promise.reject(new Error('boom')) });
    await expect(mllpRequest(HOST, port, b('x'))).rejects.toBeInstanceOf(MllpConnectionError);
    expect(server.stats().handlerErrors).toBe(1);
  });

  it('stops reading while the handler is busy (the sender is slowed by TCP, not buffered)', async () => {
    const g = gate();
    let calls = 0;
    const { port, server } = await start({
      maxQueuedFrames: 2,
      handler: async (m) => {
        calls++;
        await g.opened;
        return b(`ok ${m.length}`);
      },
    });
    const c = await rawConnect(port);
    const frame = encodeMllpFrame(Buffer.alloc(1 << 20, 0x41));
    for (let i = 0; i < 40; i++) c.socket.write(frame);
    await sleep(500);
    // 40 MiB sent; the server read the frame in the handler, the queue (2) and a partial one.
    expect(calls).toBe(1);
    expect(server.stats().bytesReceived).toBeLessThan(8 << 20);
    g.open();
    expect(await c.waitReplies(40)).toHaveLength(40);
    c.socket.destroy();
  });

  it('stops handling while replies cannot be written (client not reading)', async () => {
    let calls = 0;
    const { port } = await start({
      handler: (m) => {
        calls++;
        return Promise.resolve(Buffer.alloc(1 << 20, m[0]));
      },
    });
    const c = await rawConnect(port);
    c.socket.pause();
    for (let i = 0; i < 40; i++) c.socket.write(encodeMllpFrame(b('x')));
    await sleep(300);
    expect(calls).toBeLessThan(40);
    c.socket.resume();
    expect(await c.waitReplies(40)).toHaveLength(40);
    expect(calls).toBe(40);
    c.socket.destroy();
  });

  it('keeps one connection across sequential requests with createMllpClient', async () => {
    const remotePorts = new Set<number>();
    const { port } = await start({
      handler: (m, info) => {
        remotePorts.add(info.remotePort);
        return echo(m, info);
      },
    });
    const client = createMllpClient({ host: HOST, port });
    const replies = await Promise.all([1, 2, 3].map((i) => client.request(b(`m${i}`))));
    expect(replies.map((r) => r.toString())).toEqual(['ACK:m1', 'ACK:m2', 'ACK:m3']);
    expect(remotePorts.size).toBe(1);
    await client.close();
  });

  it('client times out, then reconnects for the next request', async () => {
    const { port } = await start({
      handler: async (m) => {
        if (m.toString() === 'slow') await sleep(300);
        return b('done');
      },
    });
    const client = createMllpClient({ host: HOST, port, timeoutMs: 100 });
    await expect(client.request(b('slow'))).rejects.toBeInstanceOf(MllpTimeoutError);
    expect((await client.request(b('fast'))).toString()).toBe('done');
    await client.close();
  });

  it('close() waits for the in-flight handler to reply, then ends the connection', async () => {
    const g = gate();
    const started = gate();
    const { port, server } = await start({
      handler: async () => {
        started.open();
        await g.opened;
        return b('finished');
      },
    });
    servers.length = 0;
    const reply = mllpRequest(HOST, port, b('x'));
    await started.opened;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false);
    // No longer accepting: a new connection is refused while the old one finishes.
    const refused = net.connect({ host: HOST, port });
    await expect(
      new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    g.open();
    expect((await reply).toString()).toBe('finished');
    await closing;
    expect(server.stats().connections).toBe(0);
  });

  it('close() gives up on a handler that never finishes after the deadline', async () => {
    const { port, server } = await start({ handler: () => new Promise<Buffer>(() => undefined) });
    servers.length = 0;
    const reply = mllpRequest(HOST, port, b('x'));
    await sleep(50);
    await server.close({ timeoutMs: 100 });
    await expect(reply).rejects.toBeInstanceOf(MllpConnectionError);
  });
});

describe('MLLP server over TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });

  it('round-trips over TLS (server authentication only)', async () => {
    let seen: MllpConnectionInfo | undefined;
    const { port } = await start({
      tls: { key: pki.server.key, cert: pki.server.cert },
      handler: (m, info) => {
        seen = info;
        return echo(m, info);
      },
    });
    const reply = await mllpRequest(HOST, port, b('secure'), { tls: { ca: pki.ca } });
    expect(reply.toString()).toBe('ACK:secure');
    expect(seen).toMatchObject({ tls: true, authorized: false, peerCertificate: undefined });
  });

  it('refuses a client that does not trust the server certificate', async () => {
    const { port } = await start({ tls: { key: pki.server.key, cert: pki.server.cert } });
    await expect(
      mllpRequest(HOST, port, b('x'), { tls: { ca: pki.rogueClient.cert } }),
    ).rejects.toBeInstanceOf(MllpConnectionError);
  });

  describe('mutual TLS', () => {
    const mtls = () => ({
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });

    it('accepts a client certificate from the trusted CA and shows it to the handler', async () => {
      let seen: MllpConnectionInfo | undefined;
      const { port } = await start({
        tls: mtls(),
        handler: (m, info) => {
          seen = info;
          return echo(m, info);
        },
      });
      const reply = await mllpRequest(HOST, port, b('mutual'), {
        tls: { ca: pki.ca, key: pki.client.key, cert: pki.client.cert },
      });
      expect(reply.toString()).toBe('ACK:mutual');
      expect(seen?.authorized).toBe(true);
      expect(seen?.peerCertificate?.subject.CN).toBe('mesh client');
    });

    it('refuses a client without a certificate', async () => {
      let calls = 0;
      const { port, server } = await start({
        tls: mtls(),
        handler: (m, info) => {
          calls++;
          return echo(m, info);
        },
      });
      await expect(
        mllpRequest(HOST, port, b('x'), { tls: { ca: pki.ca }, timeoutMs: 2000 }),
      ).rejects.toThrow();
      expect(calls).toBe(0);
      expect(server.stats().tlsHandshakeErrors).toBe(1);
    });

    it('refuses a client certificate from an untrusted CA', async () => {
      let calls = 0;
      const { port, server } = await start({
        tls: mtls(),
        handler: (m, info) => {
          calls++;
          return echo(m, info);
        },
      });
      await expect(
        mllpRequest(HOST, port, b('x'), {
          tls: { ca: pki.ca, key: pki.rogueClient.key, cert: pki.rogueClient.cert },
          timeoutMs: 2000,
        }),
      ).rejects.toThrow();
      expect(calls).toBe(0);
      expect(server.stats().tlsHandshakeErrors).toBe(1);
    });
  });
});
