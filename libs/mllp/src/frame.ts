/**
 * MLLP framing (HL7 v2.5.1 Appendix C.4 "Minimal Lower Layer Protocol", ITI TF-2 Appendix C):
 *
 *   <SB> payload <EB><CR>      SB = 0x0B (VT), EB = 0x1C (FS), CR = 0x0D
 *
 * The payload is opaque bytes: the character set is declared by MSH-18 (ISO-8859-1, UTF-8, ...)
 * and decoded by the HL7 layer, so nothing here turns bytes into strings. HL7 v2 forbids 0x0B
 * and 0x1C inside a message, which is what makes the framing unambiguous.
 *
 * This file is pure (no I/O): the decoder is fed TCP chunks and returns whole payloads, with
 * hard bounds on what it buffers so a hostile peer cannot make it grow without limit.
 */

/** Start block, 0x0B (vertical tab). */
export const MLLP_START_BLOCK = 0x0b;
/** End block, 0x1C (file separator). */
export const MLLP_END_BLOCK = 0x1c;
/** Carriage return that must follow the end block. */
export const MLLP_CARRIAGE_RETURN = 0x0d;

const TRAILER = Buffer.from([MLLP_END_BLOCK, MLLP_CARRIAGE_RETURN]);
const HEADER = Buffer.from([MLLP_START_BLOCK]);

/** Wraps an HL7 message in an MLLP frame. */
export function encodeMllpFrame(payload: Buffer): Buffer {
  return Buffer.concat([HEADER, payload, TRAILER], payload.length + 3);
}

/** Why a decoder gave up on a stream; after this the connection cannot be resynchronised safely. */
export type MllpFramingErrorReason =
  /** A frame grew beyond `maxFrameBytes` before its end block. */
  | 'frame-too-large'
  /** More than `maxJunkBytes` consecutive bytes arrived outside any frame (not MLLP at all). */
  | 'too-much-junk';

/** The stream is not usable MLLP; the payload is never included (it may carry PHI). */
export class MllpFramingError extends Error {
  override name = 'MllpFramingError';
  readonly reason: MllpFramingErrorReason;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  constructor(reason: MllpFramingErrorReason, limit: number) {
    super(
      reason === 'frame-too-large'
        ? `MLLP frame larger than ${limit} bytes`
        : `more than ${limit} bytes outside any MLLP frame`,
    );
    this.reason = reason;
    this.limit = limit;
  }
}

export interface MllpDecoderOptions {
  /** Largest payload accepted (between SB and EB), in bytes. */
  readonly maxFrameBytes: number;
  /** Consecutive bytes outside a frame tolerated before the stream is declared junk. */
  readonly maxJunkBytes: number;
}

/**
 * Streaming MLLP decoder. Handles frames split across chunks (down to one byte per chunk) and
 * several frames in one chunk. Tolerances, each counted in {@link discardedBytes}:
 * - bytes before a start block (e.g. a stray CR/LF some senders add after the trailer) are
 *   discarded;
 * - an end block not followed by CR still ends the frame (the next byte is treated as outside
 *   a frame), since 0x1C cannot occur in HL7 content;
 * - a start block inside a frame means the sender abandoned the previous frame: its partial
 *   payload is discarded and a new frame starts.
 * Fatal (sets {@link error}, after which `push` returns nothing): a frame beyond
 * `maxFrameBytes`, or more than `maxJunkBytes` consecutive junk bytes.
 */
export class MllpDecoder {
  readonly #maxFrameBytes: number;
  readonly #maxJunkBytes: number;
  /** Chunks of the frame being assembled (payload bytes only). */
  #parts: Buffer[] = [];
  #partBytes = 0;
  #inFrame = false;
  /** The previous chunk ended with EB: the next byte should be CR. */
  #expectCr = false;
  #junkRun = 0;
  #discarded = 0;
  #error: MllpFramingError | undefined;

  constructor(options: MllpDecoderOptions) {
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#maxJunkBytes = options.maxJunkBytes;
  }

  /** Total bytes discarded so far (junk between frames, abandoned partial frames). */
  get discardedBytes(): number {
    return this.#discarded;
  }

  /** Payload bytes of the incomplete frame currently buffered. */
  get bufferedBytes(): number {
    return this.#partBytes;
  }

  /** True while a frame has started but its end block has not arrived. */
  get inFrame(): boolean {
    return this.#inFrame;
  }

  /** Set once the stream is unusable; the caller should close the connection. */
  get error(): MllpFramingError | undefined {
    return this.#error;
  }

  /**
   * Feeds one chunk; returns the payloads it completed, in order. Payloads may share memory
   * with `chunk` (no copy when a frame lies within one chunk). After a fatal error, the
   * payloads completed before it in the same chunk are still returned and {@link error} is set.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.#error !== undefined) return out;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.#expectCr) {
        this.#expectCr = false;
        if (chunk[pos] === MLLP_CARRIAGE_RETURN) {
          pos++;
          continue;
        }
        // EB without CR: the frame already ended; this byte is looked at as outside a frame.
      }
      if (!this.#inFrame) {
        const sb = chunk.indexOf(MLLP_START_BLOCK, pos);
        const junk = (sb === -1 ? len : sb) - pos;
        if (junk > 0) {
          this.#discarded += junk;
          this.#junkRun += junk;
          if (this.#junkRun > this.#maxJunkBytes) {
            this.#fail(new MllpFramingError('too-much-junk', this.#maxJunkBytes));
            return out;
          }
        }
        if (sb === -1) return out;
        this.#junkRun = 0;
        this.#inFrame = true;
        pos = sb + 1;
        continue;
      }
      // Inside a frame: find the end block, and any start block before it.
      const eb = chunk.indexOf(MLLP_END_BLOCK, pos);
      const stop = eb === -1 ? len : eb;
      const sb = chunk.indexOf(MLLP_START_BLOCK, pos);
      if (sb !== -1 && sb < stop) {
        // A new start block before the end: the previous frame was abandoned by the sender.
        this.#discarded += this.#partBytes + (sb - pos);
        this.#parts = [];
        this.#partBytes = 0;
        pos = sb + 1;
        continue;
      }
      const piece = chunk.subarray(pos, stop);
      if (this.#partBytes + piece.length > this.#maxFrameBytes) {
        this.#fail(new MllpFramingError('frame-too-large', this.#maxFrameBytes));
        return out;
      }
      if (eb === -1) {
        if (piece.length > 0) {
          // Copied: a view would pin the whole socket read buffer behind a few bytes.
          this.#parts.push(Buffer.from(piece));
          this.#partBytes += piece.length;
        }
        return out;
      }
      out.push(this.#complete(piece));
      pos = eb + 1;
      this.#expectCr = true;
    }
    return out;
  }

  #complete(last: Buffer): Buffer {
    let payload: Buffer;
    if (this.#parts.length === 0) payload = last;
    else {
      this.#parts.push(last);
      payload = Buffer.concat(this.#parts, this.#partBytes + last.length);
    }
    this.#parts = [];
    this.#partBytes = 0;
    this.#inFrame = false;
    return payload;
  }

  #fail(error: MllpFramingError): void {
    this.#error = error;
    this.#parts = [];
    this.#partBytes = 0;
    this.#inFrame = false;
  }
}
