/**
 * RFC 5424 "The Syslog Protocol" message parser and formatter, the wire form ITI-20 Record
 * Audit Event uses for audit records. Pure: bytes in, fields out (no I/O).
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]                         (RFC 5424 6)
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *
 * The parser is strict about the header (single SP separators, printable US-ASCII, field
 * lengths, a real calendar date) because a lenient header parser is how garbage ends up
 * stored as an audit record. Only VERSION 1 is accepted: RFC 5424 9.1 says a new version
 * means a changed HEADER format, which this parser would misread. The BSD form (RFC 3164) is
 * not accepted: ITI-20 requires RFC 5424, and the shared conformance cases reject a frame
 * without PRI/VERSION.
 *
 * MSG stays bytes: RFC 5424 6.4 lets it be any octets, and a leading UTF-8 BOM is the only
 * thing that declares it UTF-8. The BOM is stripped and reported in `bom`.
 */

/** One SD-PARAM (RFC 5424 6.3.3); the value is unescaped (`\"`, `\\`, `\]`). */
export interface SdParam {
  readonly name: string;
  readonly value: string;
}

/** One SD-ELEMENT (RFC 5424 6.3.1); params keep their order and may repeat a name. */
export interface SdElement {
  readonly id: string;
  readonly params: readonly SdParam[];
}

/** A parsed RFC 5424 message. NILVALUE (`-`) fields are null. */
export interface SyslogMessage {
  /** PRIVAL, 0..191 = facility * 8 + severity (RFC 5424 6.2.1). */
  readonly pri: number;
  readonly facility: number;
  readonly severity: number;
  /** Always 1 (see the file comment). */
  readonly version: number;
  /** As sent (RFC 3339 profile of RFC 5424 6.2.3), validated; null for NILVALUE. */
  readonly timestamp: string | null;
  readonly hostname: string | null;
  readonly appName: string | null;
  readonly procId: string | null;
  readonly msgId: string | null;
  /** Parsed SD-ELEMENTs in order; empty for NILVALUE. */
  readonly structuredData: readonly SdElement[];
  /** The STRUCTURED-DATA part exactly as sent (UTF-8); null for NILVALUE. */
  readonly structuredDataRaw: string | null;
  /** The MSG part, without the BOM when one was present. Empty when absent. */
  readonly msg: Buffer;
  /** MSG began with a UTF-8 BOM, i.e. the sender declared it UTF-8 (RFC 5424 6.4). */
  readonly bom: boolean;
}

/** Which rule a frame broke; stable codes for counters and logs. */
export type SyslogParseErrorReason =
  | 'missing-pri'
  | 'invalid-pri'
  | 'invalid-version'
  | 'unsupported-version'
  | 'invalid-timestamp'
  | 'invalid-header-field'
  | 'truncated'
  | 'invalid-structured-data';

/** The frame is not RFC 5424. The message names the field and offset, never frame content. */
export class SyslogParseError extends Error {
  override name = 'SyslogParseError';
  readonly reason: SyslogParseErrorReason;
  /** Byte offset in the frame where parsing stopped. */
  readonly offset: number;

  constructor(reason: SyslogParseErrorReason, offset: number, detail: string) {
    super(`${detail} (at byte ${offset})`);
    this.reason = reason;
    this.offset = offset;
  }
}

const SP = 0x20;
const NIL = 0x2d; // '-'
const LT = 0x3c;
const GT = 0x3e;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const EQ = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** RFC 5424 6: maximum lengths of the header fields. */
const HEADER_FIELDS = [
  { name: 'HOSTNAME', max: 255 },
  { name: 'APP-NAME', max: 48 },
  { name: 'PROCID', max: 128 },
  { name: 'MSGID', max: 32 },
] as const;

const isDigit = (c: number | undefined): c is number => c !== undefined && c >= 0x30 && c <= 0x39;
const isPrintUsAscii = (c: number): boolean => c >= 33 && c <= 126;
/** SD-NAME: PRINTUSASCII except '=', SP, ']', '"' (RFC 5424 6.3.2/6.3.3). */
const isSdNameChar = (c: number): boolean => isPrintUsAscii(c) && c !== EQ && c !== RBRACKET && c !== QUOTE;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** RFC 5424 6.2.3: RFC 3339 date-time with upper-case T and Z, no leap second, secfrac up to 6 digits. */
export function isValidSyslogTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

/**
 * Reading position in one message. A class rather than closures inside parseSyslog: the mesh
 * runs through tsx, whose keepNames transform would name every nested function again on each
 * message, and ITI-20 receivers parse thousands of messages a second.
 */
class Reader {
  pos = 0;
  readonly len: number;

  constructor(readonly buf: Buffer) {
    this.len = buf.length;
  }

  fail(reason: SyslogParseErrorReason, detail: string): never {
    throw new SyslogParseError(reason, this.pos, detail);
  }

  expectSp(after: string): void {
    if (this.pos >= this.len) this.fail('truncated', `message ends after ${after}`);
    if (this.buf[this.pos] !== SP) this.fail('invalid-header-field', `expected one SP after ${after}`);
    this.pos++;
  }

  /** A header token: NILVALUE or 1*max PRINTUSASCII, ended by SP (which is consumed). */
  token(name: string, max: number): string | null {
    const { buf, len } = this;
    const start = this.pos;
    while (this.pos < len && buf[this.pos] !== SP) {
      if (!isPrintUsAscii(buf[this.pos]!))
        this.fail('invalid-header-field', `${name} must be printable US-ASCII`);
      this.pos++;
    }
    if (this.pos === start) this.fail('invalid-header-field', `${name} is empty (one SP between fields)`);
    if (this.pos - start > max) this.fail('invalid-header-field', `${name} is longer than ${max} characters`);
    const value = buf.toString('latin1', start, this.pos);
    this.expectSp(name);
    return this.pos - 1 - start === 1 && buf[start] === NIL ? null : value;
  }

  sdName(what: string): string {
    const start = this.pos;
    while (this.pos < this.len && isSdNameChar(this.buf[this.pos]!)) this.pos++;
    if (this.pos === start || this.pos - start > 32)
      this.fail('invalid-structured-data', `${what} must be 1 to 32 SD-NAME characters`);
    return this.buf.toString('latin1', start, this.pos);
  }

  /** PARAM-VALUE up to the closing quote; `\"`, `\\`, `\]` are unescaped, any other `\` kept (6.3.3). */
  paramValue(): string {
    const { buf, len } = this;
    const bytes: number[] = [];
    for (;;) {
      if (this.pos >= len) this.fail('invalid-structured-data', 'PARAM-VALUE is not closed');
      const c = buf[this.pos]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const next = buf[this.pos + 1];
        if (next === QUOTE || next === BACKSLASH || next === RBRACKET) {
          bytes.push(next);
          this.pos += 2;
          continue;
        }
      }
      bytes.push(c);
      this.pos++;
    }
    const valueEnd = this.pos;
    this.pos++;
    try {
      return utf8.decode(Uint8Array.from(bytes));
    } catch {
      this.pos = valueEnd;
      return this.fail('invalid-structured-data', 'PARAM-VALUE must be UTF-8');
    }
  }
}

/**
 * Parses one RFC 5424 message (the SYSLOG-MSG of an RFC 5425 frame or an RFC 5426 datagram).
 * A string is taken as UTF-8. Throws {@link SyslogParseError}.
 */
export function parseSyslog(frame: Buffer | string): SyslogMessage {
  const buf = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
  const r = new Reader(buf);
  const len = r.len;

  // PRI = "<" PRIVAL ">", PRIVAL = 1*3DIGIT, 0..191 (RFC 5424 6.2.1)
  if (buf[0] !== LT) r.fail('missing-pri', 'PRI must start the message');
  r.pos = 1;
  let pri = 0;
  while (isDigit(buf[r.pos]) && r.pos <= 3) pri = pri * 10 + (buf[r.pos++]! - 0x30);
  if (r.pos === 1 || buf[r.pos] !== GT) r.fail('invalid-pri', 'PRI must be "<" 1 to 3 digits ">"');
  if (pri > 191) r.fail('invalid-pri', 'PRIVAL must be 0..191');
  r.pos++;

  // VERSION = NONZERO-DIGIT 0*2DIGIT (RFC 5424 6.2.2)
  const versionStart = r.pos;
  while (isDigit(buf[r.pos]) && r.pos - versionStart < 3) r.pos++;
  if (r.pos === versionStart || buf[versionStart] === 0x30)
    r.fail('invalid-version', 'VERSION must be a number from 1');
  const version = Number(buf.toString('latin1', versionStart, r.pos));
  if (version !== 1) r.fail('unsupported-version', `syslog protocol version ${version} is not supported`);
  r.expectSp('VERSION');

  const timestampStart = r.pos;
  const timestamp = r.token('TIMESTAMP', 64);
  if (timestamp !== null && !isValidSyslogTimestamp(timestamp)) {
    r.pos = timestampStart;
    r.fail('invalid-timestamp', 'TIMESTAMP must be NILVALUE or an RFC 5424 6.2.3 date-time');
  }
  const [hostname, appName, procId, msgId] = HEADER_FIELDS.map((f) => r.token(f.name, f.max)) as [
    string | null,
    string | null,
    string | null,
    string | null,
  ];

  // STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (RFC 5424 6.3)
  const sdStart = r.pos;
  const structuredData: SdElement[] = [];
  let structuredDataRaw: string | null = null;
  if (r.pos >= len) r.fail('truncated', 'STRUCTURED-DATA is missing');
  if (buf[r.pos] === NIL) r.pos++;
  else if (buf[r.pos] === LBRACKET) {
    const ids = new Set<string>();
    while (buf[r.pos] === LBRACKET) {
      r.pos++;
      const id = r.sdName('SD-ID');
      // RFC 5424 6.3.2: the same SD-ID MUST NOT exist more than once in a message.
      if (ids.has(id)) r.fail('invalid-structured-data', 'duplicate SD-ID');
      ids.add(id);
      const params: SdParam[] = [];
      while (buf[r.pos] === SP) {
        r.pos++;
        const name = r.sdName('PARAM-NAME');
        if (buf[r.pos] !== EQ) r.fail('invalid-structured-data', 'expected "=" after PARAM-NAME');
        r.pos++;
        if (buf[r.pos] !== QUOTE) r.fail('invalid-structured-data', 'PARAM-VALUE must be quoted');
        r.pos++;
        params.push({ name, value: r.paramValue() });
      }
      if (buf[r.pos] !== RBRACKET) r.fail('invalid-structured-data', 'SD-ELEMENT must end with "]"');
      r.pos++;
      structuredData.push({ id, params });
    }
    structuredDataRaw = buf.toString('utf8', sdStart, r.pos);
  } else r.fail('invalid-structured-data', 'STRUCTURED-DATA must be "-" or start with "["');

  // [SP MSG]
  let msg = buf.subarray(len, len);
  if (r.pos < len) {
    if (buf[r.pos] !== SP) r.fail('invalid-structured-data', 'expected SP between STRUCTURED-DATA and MSG');
    msg = buf.subarray(r.pos + 1);
  }
  const bom = msg.length >= 3 && msg[0] === BOM[0] && msg[1] === BOM[1] && msg[2] === BOM[2];
  if (bom) msg = msg.subarray(3);

  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    version,
    timestamp,
    hostname,
    appName,
    procId,
    msgId,
    structuredData,
    structuredDataRaw,
    msg,
    bom,
  };
}

/** What {@link formatSyslog} writes. Header fields left out are NILVALUE. */
export interface SyslogFields {
  /** Default 10 (security/authorization), the facility IHE ITI-20 uses for audit records. */
  readonly facility?: number;
  /** Default 5 (notice), as ITI-20 uses for audit records. */
  readonly severity?: number;
  /** A Date, a valid RFC 5424 timestamp string, or null for NILVALUE. Default: now. */
  readonly timestamp?: Date | string | null;
  readonly hostname?: string | null;
  readonly appName?: string | null;
  readonly procId?: string | null;
  readonly msgId?: string | null;
  readonly structuredData?: readonly SdElement[];
  /** The MSG text (UTF-8). Absent: no MSG part. */
  readonly msg?: string;
  /** Prefix MSG with a UTF-8 BOM, declaring it UTF-8 (RFC 5424 6.4). Default true. */
  readonly bom?: boolean;
}

function headerField(name: string, value: string | null | undefined, max: number): string {
  if (value === null || value === undefined) return '-';
  if (value.length === 0 || value.length > max || ![...value].every((c) => isPrintUsAscii(c.charCodeAt(0))))
    throw new RangeError(`${name} must be 1 to ${max} printable US-ASCII characters`);
  return value;
}

function formatSdName(what: string, name: string): string {
  if (name.length === 0 || name.length > 32 || ![...name].every((c) => isSdNameChar(c.charCodeAt(0))))
    throw new RangeError(`${what} must be 1 to 32 SD-NAME characters`);
  return name;
}

/**
 * Writes one RFC 5424 message (no transport framing; see `encodeOctetCountingFrame`). Throws
 * RangeError for a field the grammar does not allow, so nothing unparsable leaves this side.
 */
export function formatSyslog(fields: SyslogFields): string {
  const facility = fields.facility ?? 10;
  const severity = fields.severity ?? 5;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23)
    throw new RangeError('facility must be 0..23');
  if (!Number.isInteger(severity) || severity < 0 || severity > 7)
    throw new RangeError('severity must be 0..7');
  const ts = fields.timestamp === undefined ? new Date() : fields.timestamp;
  let timestamp = '-';
  if (ts instanceof Date) timestamp = ts.toISOString();
  else if (ts !== null) {
    if (!isValidSyslogTimestamp(ts)) throw new RangeError('timestamp is not an RFC 5424 TIMESTAMP');
    timestamp = ts;
  }
  const sd =
    fields.structuredData === undefined || fields.structuredData.length === 0
      ? '-'
      : fields.structuredData
          .map(
            (e) =>
              `[${formatSdName('SD-ID', e.id)}${e.params
                .map((p) => ` ${formatSdName('PARAM-NAME', p.name)}="${p.value.replace(/["\\\]]/g, '\\$&')}"`)
                .join('')}]`,
          )
          .join('');
  const header = [
    `<${facility * 8 + severity}>1`,
    timestamp,
    headerField('HOSTNAME', fields.hostname, 255),
    headerField('APP-NAME', fields.appName, 48),
    headerField('PROCID', fields.procId, 128),
    headerField('MSGID', fields.msgId, 32),
    sd,
  ].join(' ');
  if (fields.msg === undefined) return header;
  return `${header} ${fields.bom === false ? '' : '\uFEFF'}${fields.msg}`;
}
