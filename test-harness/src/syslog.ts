/**
 * Syslog message construction for ITI-20 Record Audit Event (ITI TF-2 3.20.4.1.2): an
 * RFC 5424 message, carried over TLS with RFC 5425 octet-counting framing or one message per
 * UDP datagram (RFC 5426).
 */

/** Header fields of an RFC 5424 message; `-` is the NILVALUE. */
export interface SyslogFields {
  /** RFC 5424 6.2.1: default 10 (security/authorization, "authpriv"). */
  readonly facility?: number;
  /** Default 5 (notice), as ITI TF-2 3.20.6.1 recommends for audit messages. */
  readonly severity?: number;
  /** Default `${now}` (RFC 3339 timestamp filled in at run time). */
  readonly timestamp?: string;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  /** ITI TF-2 3.20.6.1: MSGID "IHE+RFC-3881". */
  readonly msgId?: string;
  readonly structuredData?: string;
  /** MSG part: the audit message XML. */
  readonly msg: string;
  /** Prefix MSG with a UTF-8 BOM (RFC 5424 6.4). */
  readonly bom?: boolean;
}

/** Builds `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG` (RFC 5424 6). */
export function buildSyslog(f: SyslogFields): string {
  const pri = (f.facility ?? 10) * 8 + (f.severity ?? 5);
  const header = [
    `<${pri}>1`,
    f.timestamp ?? '${now}',
    f.hostname ?? 'mesh-harness',
    f.appName ?? 'mesh-harness',
    f.procId ?? String(process.pid),
    f.msgId ?? 'IHE+RFC-3881',
    f.structuredData ?? '-',
  ].join(' ');
  return `${header} ${f.bom ? '\ufeff' : ''}${f.msg}`;
}

/** RFC 5425 4.3 octet counting: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in octets (UTF-8). */
export function octetCountingFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * Splits a byte stream into octet-counted frames. Returns the complete messages and the
 * unconsumed remainder. Throws on a malformed length prefix.
 */
export function parseOctetCounting(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let pos = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = buf.subarray(pos, sp).toString('ascii');
    if (!/^[1-9]\d{0,8}$/.test(len)) throw new Error(`invalid octet-counting length '${len}'`);
    const end = sp + 1 + Number(len);
    if (end > buf.length) break;
    messages.push(buf.subarray(sp + 1, end).toString('utf8'));
    pos = end;
  }
  return { messages, rest: buf.subarray(pos) };
}
