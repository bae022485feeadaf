/**
 * Tiny local servers for the harness's own tests (never for testing the mesh): an HTTP
 * server answering canned responses, an MLLP listener, syslog TLS and UDP listeners. All
 * listen on 127.0.0.1 port 0 and record what they received.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { mllpFrame, mllpUnframe } from './hl7.js';
import { parseOctetCounting } from './syslog.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface CannedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface FakeHttp {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const closeServer = (s: Server | HttpServer): Promise<void> =>
  new Promise((res) => {
    s.close(() => res());
  });

/** HTTP(S) server whose handler maps each request to a canned response. */
export async function startHttp(
  handler: (req: RecordedRequest, n: number) => CannedResponse,
  tls?: { cert: Buffer; key: Buffer },
): Promise<FakeHttp> {
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const r = handler(rec, requests.length);
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.body ?? '');
    });
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}

export interface FakeListener<T> {
  readonly port: number;
  readonly received: T[];
  close(): Promise<void>;
}

/** MLLP listener (TCP, or TLS when given): records each framed message and answers `reply(message)` framed. */
export async function startMllp(
  reply: (msg: string) => string | undefined,
  tls?: { cert: Buffer; key: Buffer },
): Promise<FakeListener<string>> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const onConnection = (sock: Socket): void => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (let f = mllpUnframe(buf); f; f = mllpUnframe(buf)) {
        buf = buf.subarray(f.consumed);
        received.push(f.message);
        const r = reply(f.message);
        if (r === undefined) sock.end();
        else sock.write(mllpFrame(r));
      }
    });
    sock.on('error', () => undefined);
  };
  const server = tls ? createTlsServer(tls, onConnection) : createNetServer(onConnection);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI. */
export function selfSignedCert(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'harness-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
      ].concat([
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ]),
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Syslog/TLS receiver (RFC 5425): records the raw bytes and the octet-counted messages.
 * `neverClose` keeps its side open after the sender closes; `requireClientCert` demands a
 * client certificate signed by the server's own certificate (mutual TLS).
 */
export async function startSyslogTls(
  tls: { cert: Buffer; key: Buffer },
  opts: { neverClose?: boolean; requireClientCert?: boolean } = {},
): Promise<FakeListener<string> & { raw: Buffer[] }> {
  const received: string[] = [];
  const raw: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTlsServer(
    {
      cert: tls.cert,
      key: tls.key,
      allowHalfOpen: opts.neverClose === true,
      ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: tls.cert } : {}),
    },
    (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      let buf: Buffer = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => {
        raw.push(c);
        const r = parseOctetCounting(Buffer.concat([buf, c]));
        received.push(...r.messages);
        buf = r.rest;
      });
      if (!opts.neverClose) sock.on('end', () => sock.end());
      sock.on('error', () => undefined);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    raw,
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

/** Syslog/UDP receiver (RFC 5426): one message per datagram. */
export async function startSyslogUdp(): Promise<FakeListener<string>> {
  const received: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
  return {
    port: sock.address().port,
    received,
    close: () => new Promise((res) => sock.close(() => res())),
  };
}

/** Polls until `cond` holds (UDP and TLS deliveries are asynchronous to the sender). */
export async function eventually(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
