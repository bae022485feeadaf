import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SyslogSendError,
  createSyslogTlsServer,
  createSyslogUdpServer,
  encodeOctetCountingFrame,
  formatSyslog,
  sendSyslogTls,
  sendSyslogUdp,
} from './index.js';
import type {
  SyslogHandler,
  SyslogMessage,
  SyslogPeerInfo,
  SyslogRejectInfo,
  SyslogRejectReason,
  SyslogServer,
  SyslogTlsServerOptions,
} from './index.js';
import { createTestPki } from '@mesh/test-support';
import type { TestPki } from '@mesh/test-support';

const HOST = '127.0.0.1';
let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

const line = (i: number, body = `<AuditMessage n="${i}"/>`) =>
  formatSyslog({ hostname: 'sender', appName: 'test', procId: '1', msgId: 'IHE+DICOM', msg: body });
const nOf = (m: SyslogMessage): number => Number(/n="(\d+)"/.exec(m.msg.toString('utf8'))?.[1]);

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** A server recording what it got and what it refused. */
function recorder(handler?: SyslogHandler) {
  const received: { message: SyslogMessage; info: SyslogPeerInfo }[] = [];
  const rejected: { reason: SyslogRejectReason; info: SyslogRejectInfo }[] = [];
  return {
    received,
    rejected,
    onMessage: (message: SyslogMessage, info: SyslogPeerInfo) => {
      received.push({ message, info });
      return handler ? handler(message, info) : Promise.resolve();
    },
    onReject: (reason: SyslogRejectReason, info: SyslogRejectInfo) => rejected.push({ reason, info }),
  };
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

const servers: SyslogServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
});

async function startTls(options: Omit<SyslogTlsServerOptions, 'tls'> & { tls?: tls.TlsOptions }) {
  const server = createSyslogTlsServer({ tls: { key: pki.server.key, cert: pki.server.cert }, ...options });
  servers.push(server);
  const { port } = await server.listen(0, HOST);
  return { server, port };
}

async function rawTls(port: number): Promise<tls.TLSSocket> {
  const s = tls.connect({ host: HOST, port, ca: pki.ca });
  await new Promise((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
  s.on('error', () => undefined);
  return s;
}

describe('syslog over TLS (RFC 5425)', () => {
  it('receives messages parsed, with the sender address', async () => {
    const r = recorder();
    const { port, server } = await startTls(r);
    await sendSyslogTls(HOST, port, [line(1), line(2), line(3)], { tls: { ca: pki.ca } });
    await until(() => server.stats().accepted === 3);
    expect(r.received.map((x) => nOf(x.message))).toEqual([1, 2, 3]);
    expect(r.received[0]!.message).toMatchObject({
      pri: 85,
      hostname: 'sender',
      msgId: 'IHE+DICOM',
      bom: true,
    });
    expect(r.received[0]!.info).toMatchObject({ transport: 'tls', remoteAddress: HOST, authorized: false });
    expect(r.rejected).toEqual([]);
  });

  it('reassembles frames written one byte at a time and splits frames coalesced in one write', async () => {
    const r = recorder();
    const { port } = await startTls(r);
    const s = await rawTls(port);
    for (const byte of encodeOctetCountingFrame(line(1))) {
      s.write(Buffer.from([byte]));
      await sleep(0);
    }
    s.write(Buffer.concat([2, 3, 4, 5].map((i) => encodeOctetCountingFrame(line(i)))));
    await until(() => r.received.length === 5);
    expect(r.received.map((x) => nOf(x.message))).toEqual([1, 2, 3, 4, 5]);
    s.destroy();
  });

  it('applies backpressure to a slow onMessage: stops reading, never drops (5,000 messages)', async () => {
    const g = gate();
    let active = 0;
    let maxActive = 0;
    const r = recorder(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await g.opened;
      await sleep(Math.random() < 0.1 ? 1 : 0);
      active--;
    });
    const { port, server } = await startTls({ ...r, maxInFlightPerConnection: 64 });
    const padding = 'p'.repeat(4000); // 5,000 x 4 kB = 20 MB: more than socket buffers hold
    const messages = Array.from({ length: 5000 }, (_, i) =>
      line(i, `<AuditMessage n="${i}">${padding}</AuditMessage>`),
    );
    let sent = false;
    const sending = sendSyslogTls(HOST, port, messages, { tls: { ca: pki.ca } }).then(() => (sent = true));
    await until(() => r.received.length === 64);
    await sleep(500);
    // Stuck at the in-flight limit: the server is not reading, so the sender cannot finish.
    expect(r.received.length).toBe(64);
    expect(sent).toBe(false);
    // 64 in flight + one read's worth of frames + stream buffers: far below the 20 MB sent.
    expect(server.stats().bytesReceived).toBeLessThan(2 << 20);
    g.open();
    await sending;
    await until(() => server.stats().accepted === 5000);
    expect(maxActive).toBe(64);
    const seen = r.received.map((x) => nOf(x.message)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(r.rejected).toEqual([]);
  });

  it('closes only the connection that sends an oversized message; others keep working', async () => {
    const r = recorder();
    const { port } = await startTls({ ...r, maxMessageBytes: 2048 });
    const good = await rawTls(port);
    good.write(encodeOctetCountingFrame(line(1)));
    await until(() => r.received.length === 1);
    // Whether the sender notices depends on timing (syslog has no acknowledgement): only the
    // receiver's side is asserted.
    await sendSyslogTls(HOST, port, [line(2), line(3, 'x'.repeat(3000)), line(4)], {
      tls: { ca: pki.ca },
    }).catch(() => undefined);
    await until(() => r.rejected.length === 1);
    good.write(encodeOctetCountingFrame(line(5)));
    await until(() => r.received.length === 3);
    expect(r.received.map((x) => nOf(x.message))).toEqual([1, 2, 5]);
    expect(r.rejected.map((x) => x.reason)).toEqual(['message-too-large']);
    expect(good.destroyed).toBe(false);
    good.destroy();
  });

  it('closes a connection with a garbage length prefix after delivering the frames before it', async () => {
    const r = recorder();
    const { port } = await startTls(r);
    const s = await rawTls(port);
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.write(Buffer.concat([encodeOctetCountingFrame(line(1)), Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    await closed;
    await until(() => r.received.length === 1);
    expect(r.rejected.map((x) => x.reason)).toEqual(['malformed-frame']);
  });

  it('skips a well-framed message that is not RFC 5424 and keeps the connection', async () => {
    const r = recorder();
    const { port } = await startTls(r);
    await sendSyslogTls(HOST, port, [line(1), '<34>Oct 11 22:14:15 mymachine su: BSD form', line(2)], {
      tls: { ca: pki.ca },
    });
    await until(() => r.received.length === 2);
    expect(r.rejected).toEqual([
      {
        reason: 'parse-error',
        info: {
          transport: 'tls',
          remoteAddress: HOST,
          remotePort: expect.any(Number),
          detail: 'invalid-version',
        },
      },
    ]);
  });

  it('closes the connection when onMessage rejects (the sender must notice)', async () => {
    const r = recorder((m) =>
      nOf(m) === 2 ? Promise.reject(new Error('database down')) : Promise.resolve(),
    );
    const { port, server } = await startTls(r);
    const s = await rawTls(port);
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.write(Buffer.concat([1, 2].map((i) => encodeOctetCountingFrame(line(i)))));
    await closed;
    expect(r.rejected.map((x) => x.reason)).toEqual(['handler-failed']);
    expect(server.stats()).toMatchObject({ accepted: 1, received: 2 });
  });

  it('close() waits for onMessage promises in flight', async () => {
    const g = gate();
    const r = recorder(() => g.opened);
    const { port, server } = await startTls(r);
    servers.length = 0;
    const s = await rawTls(port);
    s.write(encodeOctetCountingFrame(line(1)));
    await until(() => r.received.length === 1);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false);
    g.open();
    await closing;
    expect(server.stats()).toMatchObject({ accepted: 1, inFlight: 0, connections: 0 });
  });

  describe('mutual TLS', () => {
    const mtls = () => ({
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });

    it('accepts a sender certificate from the trusted CA', async () => {
      const r = recorder();
      const { port } = await startTls({ ...r, tls: mtls() });
      await sendSyslogTls(HOST, port, [line(1)], {
        tls: { ca: pki.ca, key: pki.client.key, cert: pki.client.cert },
      });
      await until(() => r.received.length === 1);
      expect(r.received[0]!.info.authorized).toBe(true);
      expect(r.received[0]!.info.peerCertificate?.subject.CN).toBe('mesh client');
    });

    it('refuses a sender without a certificate (TLS alert: the sender sees an error)', async () => {
      const r = recorder();
      const { port } = await startTls({ ...r, tls: mtls() });
      await expect(
        sendSyslogTls(HOST, port, [line(1)], { tls: { ca: pki.ca }, timeoutMs: 5000 }),
      ).rejects.toBeInstanceOf(SyslogSendError);
      await until(() => r.rejected.length === 1);
      expect(r.rejected[0]).toMatchObject({
        reason: 'tls-handshake',
        info: { detail: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' },
      });
      expect(r.received).toEqual([]);
    });

    it('refuses a sender certificate from an untrusted CA', async () => {
      const r = recorder();
      const { port, server } = await startTls({ ...r, tls: mtls() });
      // Node checks the chain after the TLS 1.3 handshake and just closes: the sender may not notice.
      await sendSyslogTls(HOST, port, [line(1)], {
        tls: { ca: pki.ca, key: pki.rogueClient.key, cert: pki.rogueClient.cert },
        timeoutMs: 5000,
      }).catch(() => undefined);
      await until(() => r.rejected.length === 1);
      expect(r.rejected[0]!.reason).toBe('tls-handshake');
      expect(r.received).toEqual([]);
      expect(server.stats().received).toBe(0);
    });
  });
});

describe('syslog over UDP (RFC 5426)', () => {
  async function startUdp(options: Partial<Parameters<typeof createSyslogUdpServer>[0]> = {}) {
    const r = recorder();
    const server = createSyslogUdpServer({ ...r, ...options });
    servers.push(server);
    const { port } = await server.listen(0, HOST);
    return { r, server, port };
  }

  it('receives one message per datagram', async () => {
    const { r, port } = await startUdp();
    await sendSyslogUdp(HOST, port, [line(1), line(2)]);
    await until(() => r.received.length === 2);
    expect(r.received.map((x) => nOf(x.message)).sort()).toEqual([1, 2]);
    expect(r.received[0]!.info).toMatchObject({ transport: 'udp', remoteAddress: HOST, authorized: false });
  });

  it('drops oversized and unparsable datagrams, reporting them, and keeps receiving', async () => {
    const { r, port, server } = await startUdp({ maxMessageBytes: 1000 });
    await sendSyslogUdp(HOST, port, [line(1, 'x'.repeat(1200)), 'not syslog', line(2)]);
    await until(() => r.received.length === 1 && r.rejected.length === 2);
    expect(r.rejected.map((x) => x.reason).sort()).toEqual(['message-too-large', 'parse-error']);
    expect(server.stats().rejected).toMatchObject({ 'message-too-large': 1, 'parse-error': 1 });
  });

  it('reports overload instead of queueing without limit', async () => {
    const g = gate();
    const r = recorder(() => g.opened);
    const server = createSyslogUdpServer({ ...r, maxInFlight: 2 });
    servers.push(server);
    const { port } = await server.listen(0, HOST);
    await sendSyslogUdp(HOST, port, [line(1), line(2), line(3)]);
    await until(() => r.rejected.length === 1);
    expect(r.rejected[0]!.reason).toBe('overload');
    expect(r.received).toHaveLength(2);
    g.open();
    await until(() => server.stats().accepted === 2);
  });
});
