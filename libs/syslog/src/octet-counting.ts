/**
 * RFC 5425 4.3 octet-counting framing, the only framing RFC 5425 defines for syslog over TLS:
 *
 *   SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG        MSG-LEN = NONZERO-DIGIT *DIGIT
 *
 * Pure streaming decoder (no I/O): fed TLS plaintext chunks, returns whole messages. It
 * never holds more than one message (at most `maxMessageBytes`) plus the length digits. The
 * non-transparent (LF-terminated) framing of RFC 6587 is not accepted: RFC 5425 requires octet
 * counting, and guessing between the two is how receivers split messages wrongly.
 */

/** Why the stream cannot be read further. */
export type OctetFramingErrorReason = 'malformed-length' | 'message-too-large';

/** The byte stream is not RFC 5425 framing (payload never included). */
export class OctetFramingError extends Error {
  override name = 'OctetFramingError';
  readonly reason: OctetFramingErrorReason;

  constructor(reason: OctetFramingErrorReason, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

/** Frames one message: `<length in octets> SP <message>`. A string is encoded as UTF-8. */
export function encodeOctetCountingFrame(message: Buffer | string): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const prefix = Buffer.from(`${body.length} `, 'latin1');
  return Buffer.concat([prefix, body], prefix.length + body.length);
}

/** Streaming RFC 5425 decoder; handles messages split across chunks and several in one chunk. */
export class OctetCountingDecoder {
  readonly #maxMessageBytes: number;
  /** Length being read (state "length") or expected (state "body"). */
  #length = 0;
  #lengthDigits = 0;
  #body: Buffer | undefined;
  #filled = 0;
  #error: OctetFramingError | undefined;

  constructor(options: { readonly maxMessageBytes: number }) {
    this.#maxMessageBytes = options.maxMessageBytes;
  }

  /** Set once the stream is unusable; the caller should close the connection. */
  get error(): OctetFramingError | undefined {
    return this.#error;
  }

  /** True when the stream stopped between frames (nothing partial buffered). */
  get atBoundary(): boolean {
    return this.#body === undefined && this.#lengthDigits === 0;
  }

  /**
   * Feeds one chunk; returns the messages it completed, in order (they may share memory with
   * `chunk`). After a fatal error the messages completed before it are still returned.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.#error !== undefined) return out;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.#body === undefined) {
        const c = chunk[pos]!;
        pos++;
        if (c >= 0x30 && c <= 0x39 && !(c === 0x30 && this.#lengthDigits === 0)) {
          this.#length = this.#length * 10 + (c - 0x30);
          this.#lengthDigits++;
          // Checked per digit, so a hostile 10^100 length is refused without buffering anything.
          if (this.#length > this.#maxMessageBytes) {
            this.#fail('message-too-large', `syslog message longer than ${this.#maxMessageBytes} octets`);
            return out;
          }
          continue;
        }
        if (c === 0x20 && this.#lengthDigits > 0) {
          const need = this.#length;
          this.#length = 0;
          this.#lengthDigits = 0;
          if (len - pos >= need) {
            out.push(chunk.subarray(pos, pos + need)); // whole message in this chunk: no copy
            pos += need;
          } else {
            this.#body = Buffer.allocUnsafe(need);
            this.#filled = 0;
          }
          continue;
        }
        this.#fail('malformed-length', 'expected MSG-LEN SP (RFC 5425 4.3)');
        return out;
      }
      const body = this.#body;
      const n = Math.min(body.length - this.#filled, len - pos);
      chunk.copy(body, this.#filled, pos, pos + n);
      this.#filled += n;
      pos += n;
      if (this.#filled === body.length) {
        out.push(body);
        this.#body = undefined;
      }
    }
    return out;
  }

  #fail(reason: OctetFramingErrorReason, detail: string): void {
    this.#error = new OctetFramingError(reason, detail);
    this.#body = undefined;
  }
}
