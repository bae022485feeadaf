/**
 * ITI-20 Record Audit Event receiver over RFC 5426 (syslog over UDP): one message per
 * datagram (RFC 5426 3.1), no framing, no TLS, no acknowledgement.
 *
 * UDP can lose messages and this server cannot push back on a sender: datagrams the kernel
 * drops when its receive buffer is full are never seen, and when more than `maxInFlight`
 * `onMessage` promises are unresolved, further datagrams are dropped and reported as
 * `overload`. ATNA allows UDP for senders that accept this; TLS (RFC 5425) is the reliable
 * transport.
 */
import dgram from 'node:dgram';
import net from 'node:net';
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

export interface SyslogUdpServerOptions {
  readonly onMessage: SyslogHandler;
  readonly onReject?: SyslogRejectListener;
  /**
   * Largest datagram accepted, in octets. Default 65507 (the IPv4 UDP maximum); RFC 5426 3.2
   * requires 480 (IPv4) / 1180 (IPv6), SHOULD 2048, and notes fragmentation risks above the MTU.
   */
  readonly maxMessageBytes?: number;
  /** Unresolved `onMessage` promises before datagrams are dropped as `overload`. Default 1024. */
  readonly maxInFlight?: number;
  /** SO_RCVBUF for the socket, in bytes, to absorb bursts (the kernel may cap it). */
  readonly recvBufferSize?: number;
  readonly logger?: SyslogLogger;
}

/** Creates the RFC 5426 receiver; nothing listens until `listen` (default host 0.0.0.0). */
export function createSyslogUdpServer(options: SyslogUdpServerOptions): SyslogServer {
  const maxMessageBytes = options.maxMessageBytes ?? 65_507;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1024);
  const logger = options.logger ?? silentLogger;
  const onMessage = options.onMessage;
  let socket: dgram.Socket | undefined;
  let inFlight = 0;
  let wakeClose: (() => void) | undefined;
  const counters = { received: 0, accepted: 0, rejected: emptyRejectCounters() };

  function reject(reason: SyslogRejectReason, rinfo: dgram.RemoteInfo, detail?: string): void {
    counters.rejected[reason]++;
    try {
      options.onReject?.(reason, {
        transport: 'udp',
        remoteAddress: rinfo.address,
        remotePort: rinfo.port,
        ...(detail === undefined ? {} : { detail }),
      });
    } catch (err) {
      logger.error({ err }, 'syslog onReject listener threw');
    }
  }

  function onDatagram(datagram: Buffer, rinfo: dgram.RemoteInfo): void {
    if (datagram.length > maxMessageBytes) return reject('message-too-large', rinfo);
    let message: SyslogMessage;
    try {
      message = parseSyslog(datagram);
    } catch (err) {
      if (!(err instanceof SyslogParseError)) throw err;
      return reject('parse-error', rinfo, err.reason);
    }
    if (inFlight >= maxInFlight) return reject('overload', rinfo);
    const info: SyslogPeerInfo = {
      transport: 'udp',
      remoteAddress: rinfo.address,
      remotePort: rinfo.port,
      authorized: false,
    };
    inFlight++;
    counters.received++;
    let result: Promise<void>;
    try {
      result = onMessage(message, info);
    } catch (err) {
      result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    result.then(
      () => settle(undefined, rinfo),
      (err: unknown) => settle(err ?? new Error('onMessage rejected'), rinfo),
    );
  }

  function settle(err: unknown, rinfo: dgram.RemoteInfo): void {
    inFlight--;
    if (err === undefined) counters.accepted++;
    else {
      reject('handler-failed', rinfo, err instanceof Error ? err.name : undefined);
      logger.error({ remoteAddress: rinfo.address, err }, 'syslog onMessage failed');
    }
    if (inFlight === 0) wakeClose?.();
  }

  return {
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, rejectListen) => {
        const s = dgram.createSocket({
          type: net.isIPv6(host) ? 'udp6' : 'udp4',
          ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }),
        });
        s.once('error', rejectListen);
        s.bind({ port, address: host }, () => {
          s.off('error', rejectListen);
          s.on('error', (err) => logger.warn({ err }, 'syslog UDP socket error'));
          s.on('message', onDatagram);
          socket = s;
          resolve({ port: s.address().port });
        });
      });
    },

    async close({ timeoutMs = 10_000 } = {}) {
      const s = socket;
      socket = undefined;
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
      if (inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (wakeClose = resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ unsettled: inFlight }, 'syslog UDP close deadline passed');
            resolve();
          }, timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },

    stats(): SyslogServerStats {
      return {
        connections: 0,
        inFlight,
        bytesReceived: 0,
        received: counters.received,
        accepted: counters.accepted,
        rejected: { ...counters.rejected },
      };
    },
  };
}
