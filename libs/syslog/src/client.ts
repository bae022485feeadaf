/**
 * Syslog senders for tests, the harness and benchmarks (the mesh's own services send audit
 * records over the bus, not syslog). RFC 5425 has no acknowledgement: `sendSyslogTls`
 * resolving means every frame was written and the connection then closed without error, not
 * that the records are stored. A receiver that closes after reading everything looks the same
 * as success (e.g. a TLS 1.3 server refusing the client certificate after the handshake, or
 * rejecting the last frame); check the receiver's side for the outcome.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { encodeOctetCountingFrame } from './octet-counting.js';

/** Sending failed: connection refused, TLS refused, closed by the receiver, or timed out. */
export class SyslogSendError extends Error {
  override name = 'SyslogSendError';
}

export interface SendSyslogTlsOptions {
  /** ca to verify the receiver; cert/key for mutual TLS. */
  readonly tls: tls.ConnectionOptions;
  /** For the whole exchange; default 60 s. */
  readonly timeoutMs?: number;
}

/**
 * Opens one TLS connection, writes each message as an RFC 5425 frame (waiting for the socket
 * to drain, so a receiver applying backpressure slows us down), closes, and resolves once the
 * receiver has closed its side too.
 */
export function sendSyslogTls(
  host: string,
  port: number,
  messages: readonly (string | Buffer)[],
  options: SendSyslogTlsOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options.tls, host, port });
    let next = 0;
    let finished = false;
    let failure: Error | undefined;
    const timer = setTimeout(() => {
      failure ??= new SyslogSendError(`syslog send timed out after ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
    const writeMore = (): void => {
      while (next < messages.length) {
        if (!socket.write(encodeOctetCountingFrame(messages[next++]!))) {
          socket.once('drain', writeMore);
          return;
        }
      }
      socket.end();
    };
    socket.once('secureConnect', writeMore);
    socket.once('finish', () => (finished = true));
    socket.on('data', () => undefined); // RFC 5425 receivers send nothing; read so 'end' arrives
    socket.on('error', (err) => {
      failure ??= new SyslogSendError(`syslog over TLS to ${host}:${port} failed`, { cause: err });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (failure === undefined && !finished)
        failure = new SyslogSendError(
          `receiver closed the connection after ${next} of ${messages.length} messages`,
        );
      if (failure === undefined) resolve();
      else reject(failure);
    });
  });
}

/** Sends each message as one RFC 5426 datagram. Resolving says nothing about delivery. */
export async function sendSyslogUdp(
  host: string,
  port: number,
  messages: readonly (string | Buffer)[],
): Promise<void> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  try {
    for (const m of messages) {
      const datagram = typeof m === 'string' ? Buffer.from(m, 'utf8') : m;
      await new Promise<void>((resolve, reject) =>
        socket.send(datagram, port, host, (err) =>
          err
            ? reject(new SyslogSendError(`syslog over UDP to ${host}:${port} failed`, { cause: err }))
            : resolve(),
        ),
      );
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
