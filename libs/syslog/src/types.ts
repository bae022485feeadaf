/**
 * What the syslog servers hand to the audit repository, and what they report when they turn
 * something away. Nothing here carries message content: audit records hold PHI.
 */
import type { PeerCertificate } from 'node:tls';
import type { SyslogMessage } from './rfc5424.js';

/** Who sent a message. */
export interface SyslogPeerInfo {
  readonly transport: 'tls' | 'udp';
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** TLS: the certificate the sender presented, if any (verified when `requestCert` + `rejectUnauthorized`). */
  readonly peerCertificate?: PeerCertificate;
  /** TLS: the sender's certificate chains to the configured `ca`. Always false over UDP. */
  readonly authorized: boolean;
}

/**
 * Takes one parsed message. The returned promise is the backpressure signal: resolve it once
 * the record is durable (committed); the TLS server keeps reading only while few enough of a
 * connection's messages are unresolved.
 */
export type SyslogHandler = (message: SyslogMessage, info: SyslogPeerInfo) => Promise<void>;

/**
 * Why something was turned away:
 * - `malformed-frame`: bad RFC 5425 length prefix (TLS; the connection is closed);
 * - `message-too-large`: beyond `maxMessageBytes` (TLS: connection closed; UDP: datagram dropped);
 * - `parse-error`: well framed but not RFC 5424 (`detail` = the SyslogParseError reason); the connection continues;
 * - `handler-failed`: `onMessage` rejected (TLS: the connection is closed so the sender notices);
 * - `tls-handshake`: TLS setup failed (no or untrusted client certificate, protocol mismatch);
 * - `overload`: UDP only, too many messages in flight: the datagram is dropped (UDP cannot push back).
 */
export type SyslogRejectReason =
  'malformed-frame' | 'message-too-large' | 'parse-error' | 'handler-failed' | 'tls-handshake' | 'overload';

export interface SyslogRejectInfo {
  readonly transport: 'tls' | 'udp';
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** A short machine-readable detail (parse reason, error code); never message content. */
  readonly detail?: string;
}

/** Called for every rejection, synchronously; for counters and logs. Must not throw. */
export type SyslogRejectListener = (reason: SyslogRejectReason, info: SyslogRejectInfo) => void;

/** pino-compatible logger surface (a service's child logger fits). */
export interface SyslogLogger {
  debug?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: SyslogLogger = { warn: () => undefined, error: () => undefined };

/** A running syslog listener. */
export interface SyslogServer {
  /** Starts listening; port 0 picks a free port. Resolves with the bound port. */
  listen(port: number, host?: string): Promise<{ port: number }>;
  /**
   * Stops receiving, then waits for the `onMessage` promises already started (and, over TLS,
   * for messages already received) to settle; gives up after `timeoutMs` (default 10 s).
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
  stats(): SyslogServerStats;
}

/** Counters for metrics; monotonic except `connections` and `inFlight`. */
export interface SyslogServerStats {
  /** Open TLS connections now (0 for UDP). */
  connections: number;
  /** `onMessage` calls not yet settled. */
  inFlight: number;
  /** Bytes of TLS plaintext read from connections (0 for UDP): what the server took in. */
  bytesReceived: number;
  /** Messages handed to `onMessage`. */
  received: number;
  /** `onMessage` calls that resolved. */
  accepted: number;
  rejected: Record<SyslogRejectReason, number>;
}

export function emptyRejectCounters(): Record<SyslogRejectReason, number> {
  return {
    'malformed-frame': 0,
    'message-too-large': 0,
    'parse-error': 0,
    'handler-failed': 0,
    'tls-handshake': 0,
    overload: 0,
  };
}
