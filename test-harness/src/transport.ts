/**
 * The wire: HTTP(S) requests, MLLP exchanges over TCP or TLS, syslog over TLS (RFC 5425) or
 * UDP (RFC 5426). Each call opens its own connection so one step cannot leak state into the
 * next, and every call is bounded by a timeout.
 */
import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { mllpFrame, mllpUnframe } from './hl7.js';
import { octetCountingFrame } from './syslog.js';

/** TLS material for client connections. */
export interface TlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

/** SNI only for host names (RFC 6066 3: literal IP addresses are not sent). */
const sni = (host: string): { servername?: string } => (isIp(host) ? {} : { servername: host });

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Responses bigger than this are refused: the harness holds them in memory. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** One HTTP request; resolves with the full response, rejects on network error or timeout. */
export function httpExchange(opts: {
  url: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: Uint8Array;
  timeoutMs: number;
  tls?: TlsOptions;
}): Promise<HttpResponse> {
  const url = new URL(opts.url);
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:')
    return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-length'] = String(opts.body.byteLength);
  return new Promise((resolvePromise, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(
      url,
      { method: opts.method, headers, agent: false, ...(isHttps ? (opts.tls ?? {}) : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function openSocket(host: string, port: number, tls: TlsOptions | undefined): Socket {
  if (!tls) return netConnect({ host, port });
  return tlsConnect({ host, port, ...sni(host), ...tls });
}

/** Sends one MLLP-framed message and resolves with the payload of the first frame received. */
export function mllpExchange(opts: {
  host: string;
  port: number;
  message: string;
  timeoutMs: number;
  tls?: TlsOptions;
}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const sock = openSocket(opts.host, opts.port, opts.tls);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, msg?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolvePromise(msg ?? '');
    };
    const timer = setTimeout(
      () => finish(new Error(`no MLLP response within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    sock.on(opts.tls ? 'secureConnect' : 'connect', () => sock.write(mllpFrame(opts.message)));
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length > MAX_RESPONSE_BYTES) return finish(new Error('MLLP response too large'));
      const frame = mllpUnframe(buf);
      if (frame) finish(undefined, frame.message);
    });
    sock.on('end', () => finish(new Error('connection closed before a complete MLLP frame arrived')));
    sock.on('error', (e) => finish(e));
  });
}

/** How long a syslog/TLS sender waits for the receiver to close after its own close. */
const SYSLOG_CLOSE_GRACE_MS = 1000;

/** Sends syslog messages over one TLS connection with octet-counting framing (RFC 5425 4.3). */
export function syslogTlsSend(opts: {
  host: string;
  port: number;
  messages: readonly string[];
  timeoutMs: number;
  tls: TlsOptions;
}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const sock = tlsConnect({ host: opts.host, port: opts.port, ...sni(opts.host), ...opts.tls });
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolvePromise();
    };
    const timer = setTimeout(
      () => finish(new Error(`syslog/TLS send not completed within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    sock.on('secureConnect', () => {
      for (const m of opts.messages) sock.write(octetCountingFrame(m));
      // RFC 5425 4.4: the sender closes. Waiting for the peer's close catches a late TLS
      // alert (TLS 1.3 servers reject a client certificate after the client's first
      // write); a receiver that never closes its side is given a short grace, then accepted.
      sock.end(() => {
        const grace = setTimeout(() => finish(), Math.min(SYSLOG_CLOSE_GRACE_MS, opts.timeoutMs));
        grace.unref();
      });
    });
    sock.on('close', (hadError: boolean) =>
      finish(hadError ? new Error('syslog/TLS connection closed with an error') : undefined),
    );
    sock.on('error', (e: Error) => finish(e));
    // The receiver sends nothing; drain anything it does send so 'close' can fire.
    sock.resume();
  });
}

/** Sends each message as one UDP datagram (RFC 5426 3.1). */
export async function syslogUdpSend(opts: {
  host: string;
  port: number;
  messages: readonly string[];
}): Promise<void> {
  const type = opts.host.includes(':') ? 'udp6' : 'udp4';
  const sock = createSocket(type);
  try {
    for (const m of opts.messages) {
      await new Promise<void>((res, rej) =>
        sock.send(Buffer.from(m, 'utf8'), opts.port, opts.host, (e) => (e ? rej(e) : res())),
      );
    }
  } finally {
    sock.close();
  }
}
