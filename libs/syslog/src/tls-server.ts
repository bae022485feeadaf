/**
 * ITI-20 Record Audit Event receiver over RFC 5425 (syslog over TLS, port 6514), usually with
 * mutual TLS as the ATNA Secure Node profile requires (ITI TF-1 9 / ITI TF-2 3.19).
 *
 * Backpressure, not dropping: syslog has no application acknowledgement, so a message read
 * from the socket and then dropped is lost without anyone knowing. The server therefore hands
 * every well-formed message to `onMessage` and, while a connection has
 * `maxInFlightPerConnection` unresolved `onMessage` promises, stops reading that socket; TCP
 * flow control then slows the sender. Only what the sender got wrong is turned away (via
 * `onReject`, counted, never with payload): a bad length prefix or an oversized message ends
 * that connection (the stream cannot be resynchronised); a well-framed message that is not
 * RFC 5424 is skipped and the connection continues.
 */
import tls from 'node:tls';
import type net from 'node:net';
import { OctetCountingDecoder } from './octet-counting.js';
import { SyslogParseError, parseSyslog } from './rfc5424.js';
import type { SyslogMessage } from './rfc5424.js';
import { emptyRejectCounters, silentLogger } from './types.js';
import type {
  SyslogHandler,
  SyslogLogger,
  SyslogPeerInfo,
  SyslogRejectListener,
  SyslogRejectReason,
  SyslogServer,
  SyslogServerStats,
} from './types.js';

export interface SyslogTlsServerOptions {
  /** key, cert, ca; `requestCert: true, rejectUnauthorized: true` for mutual TLS. */
  readonly tls: tls.TlsOptions;
  readonly onMessage: SyslogHandler;
  readonly onReject?: SyslogRejectListener;
  /**
   * Largest SYSLOG-MSG accepted, in octets. Default 1 MiB: RFC 5425 4.3.1 requires 2048 and
   * allows more; ATNA audit messages are commonly 4-32 kB and some carry large participant lists.
   */
  readonly maxMessageBytes?: number;
  /** Concurrent connections; default 1024. */
  readonly maxConnections?: number;
  /** Unresolved `onMessage` promises per connection before reading pauses; default 64. */
  readonly maxInFlightPerConnection?: number;
  /**
   * Closes connections silent this long (ms); default 0 = never. Off by default because a
   * sender writing into a connection the receiver has closed can lose its next message
   * before it notices (RFC 5425 6.4 discusses the lack of acknowledgement).
   */
  readonly idleTimeoutMs?: number;
  readonly logger?: SyslogLogger;
}

interface Connection {
  readonly socket: tls.TLSSocket;
  readonly decoder: OctetCountingDecoder;
  readonly info: SyslogPeerInfo;
  /** Decoded frames not yet handed to onMessage (bounded: at most one read chunk's worth). */
  readonly pending: Buffer[];
  inFlight: number;
  /** No more reading: framing error, handler failure or shutdown. */
  stopped: boolean;
  ending: boolean;
  socketClosed: boolean;
}

/** Creates the RFC 5425 receiver; nothing listens until `listen`. */
export function createSyslogTlsServer(options: SyslogTlsServerOptions): SyslogServer {
  const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
  const maxInFlight = Math.max(1, options.maxInFlightPerConnection ?? 64);
  const idleTimeoutMs = options.idleTimeoutMs ?? 0;
  const logger = options.logger ?? silentLogger;
  const onMessage = options.onMessage;
  /** Connections whose socket is open or whose received messages are still being handled. */
  const connections = new Set<Connection>();
  let openSockets = 0;
  let totalInFlight = 0;
  let closing = false;
  let wakeClose: (() => void) | undefined;
  const counters = { bytesReceived: 0, received: 0, accepted: 0, rejected: emptyRejectCounters() };

  function reject(reason: SyslogRejectReason, info: SyslogPeerInfo | net.Socket, detail?: string): void {
    counters.rejected[reason]++;
    try {
      options.onReject?.(reason, {
        transport: 'tls',
        remoteAddress: info.remoteAddress ?? '',
        remotePort: info.remotePort ?? 0,
        ...(detail === undefined ? {} : { detail }),
      });
    } catch (err) {
      logger.error({ err }, 'syslog onReject listener threw');
    }
  }

  const server = tls.createServer(options.tls, accept);
  server.maxConnections = options.maxConnections ?? 1024;
  /** Every TCP socket, TLS handshake not yet done included, so the close deadline can end them all. */
  const rawSockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    rawSockets.add(s);
    s.once('close', () => rawSockets.delete(s));
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
    reject('tls-handshake', socket, err.code ?? 'TLS_ERROR');
    logger.warn(
      { remoteAddress: socket.remoteAddress, code: err.code, reason: err.message },
      'syslog TLS handshake failed',
    );
  });

  function accept(socket: tls.TLSSocket): void {
    if (closing) {
      socket.destroy();
      return;
    }
    const cert = socket.getPeerCertificate();
    const conn: Connection = {
      socket,
      decoder: new OctetCountingDecoder({ maxMessageBytes }),
      info: {
        transport: 'tls',
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        // getPeerCertificate() returns {} when the sender presented no certificate.
        peerCertificate: cert !== null && Object.keys(cert).length > 0 ? cert : undefined,
        authorized: socket.authorized,
      },
      pending: [],
      inFlight: 0,
      stopped: false,
      ending: false,
      socketClosed: false,
    };
    connections.add(conn);
    openSockets++;
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    socket.on('timeout', () => {
      if (conn.pending.length > 0 || conn.inFlight > 0) return;
      logger.debug?.({ remoteAddress: conn.info.remoteAddress }, 'syslog connection idle, closing');
      socket.destroy();
    });
    socket.on('error', (err: Error & { code?: string }) => {
      logger.debug?.({ remoteAddress: conn.info.remoteAddress, code: err.code }, 'syslog connection error');
    });
    socket.on('close', () => {
      conn.socketClosed = true;
      openSockets--;
      settleConnection(conn);
    });
  }

  function onData(conn: Connection, chunk: Buffer): void {
    counters.bytesReceived += chunk.length;
    if (conn.stopped) return;
    for (const frame of conn.decoder.push(chunk)) conn.pending.push(frame);
    const error = conn.decoder.error;
    if (error !== undefined) {
      // The stream cannot be resynchronised: what was framed before still gets delivered.
      reject(error.reason === 'message-too-large' ? 'message-too-large' : 'malformed-frame', conn.info);
      logger.warn(
        { remoteAddress: conn.info.remoteAddress, reason: error.reason, maxMessageBytes },
        'syslog framing violation, closing connection',
      );
      stop(conn);
      conn.socket.destroy();
    }
    dispatch(conn);
  }

  function dispatch(conn: Connection): void {
    while (conn.inFlight < maxInFlight) {
      const frame = conn.pending.shift();
      if (frame === undefined) break;
      let message: SyslogMessage;
      try {
        message = parseSyslog(frame);
      } catch (err) {
        if (!(err instanceof SyslogParseError)) throw err;
        reject('parse-error', conn.info, err.reason);
        continue;
      }
      conn.inFlight++;
      totalInFlight++;
      counters.received++;
      let result: Promise<void>;
      try {
        result = onMessage(message, conn.info);
      } catch (err) {
        result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      result.then(
        () => settle(conn, undefined),
        (err: unknown) => settle(conn, err ?? new Error('onMessage rejected')),
      );
    }
    updateFlow(conn);
    settleConnection(conn);
  }

  function settle(conn: Connection, err: unknown): void {
    conn.inFlight--;
    totalInFlight--;
    if (err === undefined) counters.accepted++;
    else {
      reject('handler-failed', conn.info, err instanceof Error ? err.name : undefined);
      logger.error(
        { remoteAddress: conn.info.remoteAddress, err },
        'syslog onMessage failed, closing connection',
      );
      // Keep delivering what was already read, but take no more: the sender must notice trouble.
      stop(conn);
      conn.socket.destroy();
    }
    dispatch(conn);
  }

  function stop(conn: Connection): void {
    conn.stopped = true;
    conn.socket.pause();
  }

  /** Pauses reading while the connection has as much in flight as allowed; resumes after. */
  function updateFlow(conn: Connection): void {
    const { socket } = conn;
    if (conn.stopped || socket.destroyed) return;
    const full = conn.pending.length > 0 || conn.inFlight >= maxInFlight;
    if (full && !socket.isPaused()) socket.pause();
    else if (!full && socket.isPaused()) socket.resume();
  }

  /** Drops a connection from the books once its socket closed and its messages settled. */
  function settleConnection(conn: Connection): void {
    const drained = conn.pending.length === 0 && conn.inFlight === 0;
    if (closing && drained && !conn.ending && !conn.socket.destroyed) {
      conn.ending = true;
      // Graceful end (TLS close_notify, FIN) once everything read has been handled.
      conn.socket.once('finish', () => conn.socket.destroy());
      conn.socket.end();
    }
    if (drained && conn.socketClosed) connections.delete(conn);
    if (closing && connections.size === 0 && totalInFlight === 0) wakeClose?.();
  }

  return {
    listen(port, host) {
      return new Promise((resolve, rejectListen) => {
        const onError = (err: Error): void => rejectListen(err);
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
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const drained = new Promise<void>((resolve) => (wakeClose = resolve));
      for (const conn of [...connections]) {
        // Stop reading; what was read is still handed over before the connection ends.
        stop(conn);
        settleConnection(conn);
      }
      if (connections.size === 0 && totalInFlight === 0) wakeClose?.();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          const unsettled = totalInFlight + [...connections].reduce((n, c) => n + c.pending.length, 0);
          if (unsettled > 0) logger.warn({ unsettled }, 'syslog server close deadline passed');
          for (const conn of connections) conn.socket.destroy();
          for (const s of rawSockets) s.destroy();
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      await Promise.race([drained, deadline]);
      await serverClosed;
      clearTimeout(timer);
    },

    stats(): SyslogServerStats {
      return {
        connections: openSockets,
        inFlight: totalInFlight,
        bytesReceived: counters.bytesReceived,
        received: counters.received,
        accepted: counters.accepted,
        rejected: { ...counters.rejected },
      };
    },
  };
}
