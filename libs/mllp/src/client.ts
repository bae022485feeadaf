/**
 * MLLP clients (HL7 v2.5.1 Appendix C): send one framed message, wait for one framed reply.
 * Used by the MPI for ITI-10 notifications, by the test harness and by benchmarks. Requests
 * on one client are strictly sequential (original-mode acknowledgement: the next message
 * goes out only after the previous one was answered).
 */
import net from 'node:net';
import tls from 'node:tls';
import { MllpDecoder, encodeMllpFrame } from './frame.js';

/** Base class of client failures, so callers can tell transport trouble apart with one `instanceof`. */
export class MllpClientError extends Error {
  override name = 'MllpClientError';
}

/** No reply within the timeout. The receiver may still have processed the message. */
export class MllpTimeoutError extends MllpClientError {
  override name = 'MllpTimeoutError';
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`no MLLP reply within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection failed or closed before the reply arrived (`cause` holds the socket error). */
export class MllpConnectionError extends MllpClientError {
  override name = 'MllpConnectionError';
}

export interface MllpClientOptions {
  readonly host: string;
  readonly port: number;
  /** TLS settings (ca, and cert/key for mutual TLS). Plain TCP when absent. */
  readonly tls?: tls.ConnectionOptions;
  /** Per request, connecting included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest reply accepted, in bytes. Default 10 MiB. */
  readonly maxFrameBytes?: number;
}

export interface MllpClient {
  /**
   * Sends one HL7 message and resolves with the reply payload. Calls queue up and run one at
   * a time. A timeout or error closes the connection (a late reply must not be taken for the
   * next request's); the next call reconnects.
   */
  request(message: Buffer): Promise<Buffer>;
  /** Waits for queued requests, then closes the connection. */
  close(): Promise<void>;
}

interface Waiter {
  resolve(reply: Buffer): void;
  reject(err: Error): void;
}

/** A client keeping one connection open across sequential requests (opened on first use). */
export function createMllpClient(options: MllpClientOptions): MllpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxFrameBytes = options.maxFrameBytes ?? 10 * 1024 * 1024;
  let socket: net.Socket | undefined;
  /** The socket being connected, so a timeout can abort it. */
  let connecting: net.Socket | undefined;
  let waiter: Waiter | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  function fail(err: Error): void {
    const w = waiter;
    waiter = undefined;
    socket?.destroy();
    socket = undefined;
    w?.reject(err);
  }

  function connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const decoder = new MllpDecoder({ maxFrameBytes, maxJunkBytes: maxFrameBytes });
      const { host, port } = options;
      const s =
        options.tls === undefined ? net.connect({ host, port }) : tls.connect({ ...options.tls, host, port });
      connecting = s;
      let connected = false;
      s.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
        connected = true;
        s.setNoDelay(true);
        resolve(s);
      });
      s.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const w = waiter;
          waiter = undefined;
          w?.resolve(frame); // a frame nobody waits for (unsolicited) is ignored
        }
        if (decoder.error !== undefined)
          fail(new MllpConnectionError('invalid MLLP reply', { cause: decoder.error }));
      });
      s.on('error', (err) => {
        if (!connected) reject(new MllpConnectionError(`cannot connect to ${host}:${port}`, { cause: err }));
        else if (socket === s) fail(new MllpConnectionError('MLLP connection failed', { cause: err }));
      });
      s.on('close', () => {
        if (!connected) reject(new MllpConnectionError(`connection to ${host}:${port} closed during setup`));
        if (socket === s) fail(new MllpConnectionError('MLLP connection closed before the reply'));
      });
    });
  }

  async function once(message: Buffer): Promise<Buffer> {
    if (closed) throw new MllpClientError('MLLP client is closed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MllpTimeoutError(timeoutMs)), timeoutMs);
    });
    const attempt = { abandoned: false };
    try {
      return await Promise.race([exchange(message, attempt), timeout]);
    } catch (err) {
      // After a timeout or failure the stream position is unknown: start afresh next time.
      attempt.abandoned = true;
      waiter = undefined;
      connecting?.destroy();
      socket?.destroy();
      socket = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async function exchange(message: Buffer, attempt: { abandoned: boolean }): Promise<Buffer> {
    if (socket === undefined) {
      const fresh = await connect();
      connecting = undefined;
      // Timed out while connecting: the caller was told it failed, so nothing may be sent now.
      if (attempt.abandoned) {
        fresh.destroy();
        throw new MllpClientError('request abandoned');
      }
      socket = fresh;
    }
    const s = socket;
    const reply = new Promise<Buffer>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    s.write(encodeMllpFrame(message));
    return reply;
  }

  return {
    request(message) {
      const result = chain.then(() => once(message));
      chain = result.catch(() => undefined);
      return result;
    },
    async close() {
      await chain;
      closed = true;
      const s = socket;
      socket = undefined;
      if (s === undefined || s.destroyed) return;
      await new Promise<void>((resolve) => {
        // A peer that never closes its side must not hold us forever.
        const timer = setTimeout(() => s.destroy(), timeoutMs);
        s.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        s.end();
      });
    },
  };
}

/** Sends one message on a fresh connection and resolves with the reply; the connection is closed after. */
export async function mllpRequest(
  host: string,
  port: number,
  message: Buffer,
  options: Omit<MllpClientOptions, 'host' | 'port'> = {},
): Promise<Buffer> {
  const client = createMllpClient({ ...options, host, port });
  try {
    return await client.request(message);
  } finally {
    await client.close();
  }
}
