/**
 * MLLP server (HL7 v2.5.1 Appendix C, ITI TF-2 Appendix C) over TCP or TLS (mutual TLS with
 * `requestCert`, as the ATNA Secure Node / Secure Application profiles require on external
 * ports). The HL7 layer supplies one handler; this file only moves frames:
 *
 * - Per connection, frames are handled in order: by default the reply to frame N is written
 *   before frame N+1 reaches the handler (HL7 original-mode acknowledgement expects this).
 *   With `maxInFlight` > 1 a connection that pipelines has up to that many frames in the
 *   handler at once (queries), except frames `sequential` marks (updates), which run alone;
 *   replies are always written in frame order, those ready together in one write.
 *   Pipelined frames are queued (bounded) and reading pauses while the queue is full or a
 *   reply cannot be written (socket write buffer full), so a fast sender is slowed by TCP,
 *   never buffered without limit.
 * - Framing violations (oversized frame, a stream of junk) close only the offending
 *   connection, after a log line without payload. Idle connections close after
 *   `idleTimeoutMs`.
 * - `close()` stops accepting, lets each connection's in-flight handler reply, then ends the
 *   connections; frames received but not yet handed to the handler are dropped unanswered
 *   (the sender resends what it never saw acknowledged). A deadline bounds the wait.
 */
import net from 'node:net';
import tls from 'node:tls';
import { MllpDecoder, encodeMllpFrame } from './frame.js';
import { silentLogger } from './logger.js';
import type { MllpLogger } from './logger.js';

/** Who sent a frame. */
export interface MllpConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True when the connection is TLS. */
  readonly tls: boolean;
  /**
   * The certificate the client presented (TLS only; undefined when it presented none). With
   * `requestCert: true, rejectUnauthorized: true` it chains to the configured `ca`.
   */
  readonly peerCertificate?: tls.PeerCertificate;
  /** TLS: the client certificate verified against `ca`. Always false without TLS. */
  readonly authorized: boolean;
}

/**
 * Handles one HL7 message (the bytes between the MLLP start and end blocks, character set per
 * MSH-18) and returns the reply bytes (the ACK/RSP) or undefined to send nothing. It should
 * not throw: a thrown error is logged and the connection is closed, because the sender would
 * otherwise wait for an acknowledgement that never comes.
 */
export type MllpHandler = (message: Buffer, info: MllpConnectionInfo) => Promise<Buffer | undefined>;

export interface MllpServerOptions {
  readonly handler: MllpHandler;
  /** TLS settings (key, cert, ca, `requestCert` / `rejectUnauthorized` for mutual TLS). Plain TCP when absent. */
  readonly tls?: tls.TlsOptions;
  /** Largest HL7 message accepted, in bytes. Default 10 MiB. */
  readonly maxFrameBytes?: number;
  /** Consecutive bytes outside a frame tolerated before the connection is closed. Default 64 KiB. */
  readonly maxJunkBytes?: number;
  /**
   * Closes a connection silent for this long (ms), or whose peer has not read a reply for this
   * long; a handler still working does not count as silence. 0 disables. Default 5 minutes.
   */
  readonly idleTimeoutMs?: number;
  /** Concurrent connections; further ones are refused by the kernel accept path. Default 1024. */
  readonly maxConnections?: number;
  /** Pipelined frames queued per connection before reading pauses. Default 16. */
  readonly maxQueuedFrames?: number;
  /**
   * Frames of one connection in the handler at once when the sender pipelines. Default 1:
   * frame N+1 reaches the handler only after the reply to N was written.
   */
  readonly maxInFlight?: number;
  /**
   * With `maxInFlight` > 1, frames whose order against the others matters (an update between
   * two queries): such a frame starts once every earlier frame was answered, and later frames
   * wait for its reply. Default: none.
   */
  readonly sequential?: (frame: Buffer) => boolean;
  readonly logger?: MllpLogger;
}

/** Counters for metrics; monotonic except `connections`. */
export interface MllpServerStats {
  /** Open connections now. */
  connections: number;
  connectionsTotal: number;
  /** Bytes read from connections (what the server took in, not what peers tried to send). */
  bytesReceived: number;
  framesReceived: number;
  repliesSent: number;
  /** Bytes discarded outside frames or in abandoned partial frames. */
  discardedBytes: number;
  /** Connections closed for an oversized frame or too much junk. */
  framingErrors: number;
  idleTimeouts: number;
  /** Handler rejections (each closed its connection). */
  handlerErrors: number;
  /** Failed TLS handshakes (bad or missing client certificate, protocol mismatch, ...). */
  tlsHandshakeErrors: number;
}

export interface MllpServer {
  /** Starts listening; port 0 picks a free port. Resolves with the bound port. */
  listen(port: number, host?: string): Promise<{ port: number }>;
  /**
   * Graceful shutdown: stop accepting, let in-flight handlers reply, end connections.
   * Connections still open after `timeoutMs` (default 10 s) are destroyed.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** A snapshot of the counters. */
  stats(): MllpServerStats;
}

/** A frame in the handler: its reply is written when it and every earlier one are done. */
interface InFlight {
  readonly sequential: boolean;
  done: boolean;
  reply: Buffer | undefined;
}

interface Connection {
  readonly socket: net.Socket;
  readonly decoder: MllpDecoder;
  readonly info: MllpConnectionInfo;
  readonly queue: Buffer[];
  queuedBytes: number;
  /** Frames in the handler or whose reply waits for an earlier one, in frame order. */
  readonly inFlight: InFlight[];
  /** Waiting for the socket write buffer to drain. */
  writeBlocked: boolean;
  /** end() was called: incoming bytes are discarded. */
  ending: boolean;
}

const DEFAULT_MAX_FRAME = 10 * 1024 * 1024;

/** Creates an MLLP server; nothing listens until {@link MllpServer.listen}. */
export function createMllpServer(options: MllpServerOptions): MllpServer {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME;
  const maxJunkBytes = options.maxJunkBytes ?? 64 * 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 5 * 60_000;
  const maxQueuedFrames = Math.max(1, options.maxQueuedFrames ?? 16);
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  const sequential = options.sequential ?? (() => false);
  const logger = options.logger ?? silentLogger;
  const handler = options.handler;
  const useTls = options.tls !== undefined;
  const connections = new Set<Connection>();
  let closing = false;
  const counters: MllpServerStats = {
    connections: 0,
    connectionsTotal: 0,
    bytesReceived: 0,
    framesReceived: 0,
    repliesSent: 0,
    discardedBytes: 0,
    framingErrors: 0,
    idleTimeouts: 0,
    handlerErrors: 0,
    tlsHandshakeErrors: 0,
  };

  const server: net.Server = useTls
    ? tls.createServer(options.tls ?? {}, (s) => accept(s, true))
    : net.createServer((s) => accept(s, false));
  server.maxConnections = options.maxConnections ?? 1024;
  /** Every TCP socket, TLS handshake not yet done included, so the close deadline can end them all. */
  const rawSockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    rawSockets.add(s);
    s.once('close', () => rawSockets.delete(s));
  });
  if (server instanceof tls.Server) {
    server.on('tlsClientError', (err: Error & { code?: string }, s: tls.TLSSocket) => {
      counters.tlsHandshakeErrors++;
      logger.warn(
        { remoteAddress: s.remoteAddress, code: err.code, reason: err.message },
        'MLLP TLS handshake failed',
      );
    });
  }

  function accept(socket: net.Socket, isTls: boolean): void {
    const remoteAddress = socket.remoteAddress ?? '';
    const remotePort = socket.remotePort ?? 0;
    if (closing) {
      socket.destroy();
      return;
    }
    let peerCertificate: tls.PeerCertificate | undefined;
    let authorized = false;
    if (isTls && socket instanceof tls.TLSSocket) {
      const cert = socket.getPeerCertificate();
      // getPeerCertificate() returns {} when the client sent no certificate.
      if (cert !== null && Object.keys(cert).length > 0) peerCertificate = cert;
      authorized = socket.authorized;
    }
    const conn: Connection = {
      socket,
      decoder: new MllpDecoder({ maxFrameBytes, maxJunkBytes }),
      info: { remoteAddress, remotePort, tls: isTls, peerCertificate, authorized },
      queue: [],
      queuedBytes: 0,
      inFlight: [],
      writeBlocked: false,
      ending: false,
    };
    connections.add(conn);
    counters.connections++;
    counters.connectionsTotal++;
    // Replies are small and answer a waiting sender: Nagle's algorithm would only add latency.
    socket.setNoDelay(true);
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);

    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    socket.on('timeout', () => {
      // A peer that has not read our reply for this long is gone or hostile; but a slow
      // handler is not idleness: the sender is waiting for our reply.
      if (!conn.writeBlocked && (conn.inFlight.length > 0 || conn.queue.length > 0)) return;
      counters.idleTimeouts++;
      logger.debug?.({ remoteAddress, remotePort, idleTimeoutMs }, 'MLLP connection idle, closing');
      socket.destroy();
    });
    socket.on('error', (err: Error & { code?: string }) => {
      // Resets by the peer are routine; anything else is still only this connection's problem.
      logger.debug?.({ remoteAddress, remotePort, code: err.code }, 'MLLP connection error');
    });
    socket.on('close', () => {
      counters.discardedBytes += conn.decoder.discardedBytes;
      connections.delete(conn);
      counters.connections--;
    });
  }

  function onData(conn: Connection, chunk: Buffer): void {
    counters.bytesReceived += chunk.length;
    if (conn.ending) return;
    const frames = conn.decoder.push(chunk);
    for (const frame of frames) {
      conn.queue.push(frame);
      conn.queuedBytes += frame.length;
    }
    counters.framesReceived += frames.length;
    const error = conn.decoder.error;
    if (error !== undefined) {
      counters.framingErrors++;
      logger.warn(
        {
          remoteAddress: conn.info.remoteAddress,
          remotePort: conn.info.remotePort,
          reason: error.reason,
          limit: error.limit,
        },
        'MLLP framing violation, closing connection',
      );
      // Frames queued from this stream are dropped unanswered: the stream is untrustworthy.
      conn.queue.length = 0;
      conn.socket.destroy();
      return;
    }
    updateFlow(conn);
    pump(conn);
  }

  /** Pauses reading while the connection cannot take more work; resumes when it can. */
  function updateFlow(conn: Connection): void {
    const { socket } = conn;
    if (conn.ending || socket.destroyed) return;
    const full =
      closing ||
      conn.writeBlocked ||
      conn.queue.length >= maxQueuedFrames ||
      conn.queuedBytes >= maxFrameBytes;
    if (full && !socket.isPaused()) socket.pause();
    else if (!full && socket.isPaused()) socket.resume();
  }

  /** Starts handlers for queued frames while the connection may have more in flight. */
  function pump(conn: Connection): void {
    const { socket, inFlight } = conn;
    while (!closing && !socket.destroyed && !conn.writeBlocked && conn.queue.length > 0) {
      if (inFlight.length >= maxInFlight || inFlight.some((x) => x.sequential)) break;
      const frame = conn.queue[0] as Buffer;
      const alone = maxInFlight === 1 || sequential(frame);
      if (alone && inFlight.length > 0) break;
      conn.queue.shift();
      conn.queuedBytes -= frame.length;
      updateFlow(conn);
      const entry: InFlight = { sequential: alone, done: false, reply: undefined };
      inFlight.push(entry);
      handler(frame, conn.info).then(
        (reply) => {
          entry.done = true;
          entry.reply = reply;
          writeReplies(conn);
        },
        (err: unknown) => {
          counters.handlerErrors++;
          logger.error(
            { remoteAddress: conn.info.remoteAddress, remotePort: conn.info.remotePort, err },
            'MLLP handler failed, closing connection',
          );
          inFlight.length = 0;
          socket.destroy();
        },
      );
    }
  }

  /** Writes the replies that are ready, in frame order (one write for several), then pumps on. */
  function writeReplies(conn: Connection): void {
    const { socket, inFlight } = conn;
    if (conn.writeBlocked) return;
    let corked = false;
    let ok = true;
    while (inFlight[0]?.done === true) {
      const { reply } = inFlight.shift() as InFlight;
      if (reply === undefined || socket.destroyed) continue;
      if (!corked && inFlight[0]?.done === true) {
        socket.cork();
        corked = true;
      }
      counters.repliesSent++;
      ok = socket.write(encodeMllpFrame(reply)) && ok;
    }
    if (corked) socket.uncork();
    if (!ok) {
      waitForDrain(conn);
      return;
    }
    if (closing && inFlight.length === 0) endConnection(conn);
    else {
      updateFlow(conn);
      pump(conn);
    }
  }

  function waitForDrain(conn: Connection): void {
    conn.writeBlocked = true;
    updateFlow(conn);
    const done = (): void => {
      conn.socket.off('drain', done);
      conn.socket.off('close', done);
      conn.writeBlocked = false;
      if (!conn.socket.destroyed) writeReplies(conn);
    };
    conn.socket.on('drain', done);
    conn.socket.on('close', done);
  }

  function endConnection(conn: Connection): void {
    if (conn.ending || conn.socket.destroyed) return;
    conn.ending = true;
    if (conn.queue.length > 0) {
      logger.warn(
        { remoteAddress: conn.info.remoteAddress, unanswered: conn.queue.length },
        'MLLP server closing: queued frames dropped unanswered',
      );
      conn.queue.length = 0;
      conn.queuedBytes = 0;
    }
    conn.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen and the socket can close.
    conn.socket.resume();
  }

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen({ port, host }, () => {
          server.off('error', onError);
          const address = server.address();
          resolve({ port: typeof address === 'object' && address !== null ? address.port : port });
        });
      });
    },

    async close({ timeoutMs = 10_000 } = {}) {
      closing = true;
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
      for (const conn of connections) {
        if (conn.inFlight.length === 0) endConnection(conn);
        else conn.socket.pause(); // ended once the in-flight replies are written
      }
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const conn of connections) conn.socket.destroy();
          for (const s of rawSockets) s.destroy();
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      await Promise.race([closed, deadline]);
      await closed;
      clearTimeout(timer);
    },

    stats() {
      let pendingDiscarded = 0;
      for (const conn of connections) pendingDiscarded += conn.decoder.discardedBytes;
      return { ...counters, discardedBytes: counters.discardedBytes + pendingDiscarded };
    },
  };
}
