/**
 * The ER7 ("pipe and hat") model of an HL7 v2 message (HL7 v2.5 chapter 2.5-2.7). Segments
 * keep their fields raw (still escaped) so that an unmodified message re-encodes to the same
 * text; accessors unescape. Field numbers are 1-based as the spec counts them: PID-3 is
 * `seg.get(3)`; for MSH, MSH-1 is the field separator and MSH-2 the encoding characters.
 */
import { DEFAULT_DELIMITERS, unescapeValue } from './escape.js';
import type { Delimiters } from './escape.js';
import { decodeHl7, encodeHl7, normaliseCharset } from './charset.js';
import type { Hl7Charset } from './charset.js';

/** Why a text is not an HL7 v2 message. */
export class Hl7ParseError extends Error {
  override readonly name = 'Hl7ParseError';
  constructor(
    readonly reason: 'no-msh' | 'bad-delimiters' | 'bad-segment' | 'charset' | 'too-large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One repetition of a field: components and subcomponents, 1-based, unescaped on read. */
export class Hl7Repetition {
  /** The components, split on first use (a message is read field by field, often twice). */
  #components: readonly string[] | undefined;

  constructor(
    readonly raw: string,
    private readonly d: Delimiters,
  ) {}

  /** Component `c` (1-based), subcomponent `s` (1-based), unescaped; '' when absent. */
  get(c = 1, s = 1): string {
    return unescapeValue(this.rawAt(c, s), this.d);
  }

  /** Component `c` still escaped (all its subcomponents). */
  rawComponent(c: number): string {
    this.#components ??= this.raw.split(this.d.component);
    return this.#components[c - 1] ?? '';
  }

  private rawAt(c: number, s: number): string {
    const comp = this.rawComponent(c);
    if (!comp.includes(this.d.subcomponent)) return s === 1 ? comp : '';
    return comp.split(this.d.subcomponent)[s - 1] ?? '';
  }

  /** True when every component is empty. */
  get empty(): boolean {
    return this.raw.split(this.d.component).every((c) => c.split(this.d.subcomponent).every((x) => x === ''));
  }
}

/** One segment. */
export class Hl7Segment {
  constructor(
    /** Segment id, e.g. 'PID'. */
    readonly name: string,
    /**
     * Raw fields: index n is field n (index 0 is the segment id). For MSH, index 1 is the
     * field separator and index 2 the encoding characters, as MSH-1 and MSH-2 count.
     */
    readonly fields: readonly string[],
    readonly delimiters: Delimiters,
  ) {}

  /** Repetitions per field, split on first use; the segment is immutable. */
  #repetitions: (readonly Hl7Repetition[] | undefined)[] | undefined;

  /** Raw (escaped) field n, all repetitions; '' when absent. */
  raw(n: number): string {
    return this.fields[n] ?? '';
  }

  #split(n: number): readonly Hl7Repetition[] {
    const cache = (this.#repetitions ??= []);
    let reps = cache[n];
    if (reps === undefined) {
      const raw = this.raw(n);
      reps =
        raw === ''
          ? []
          : this.name === 'MSH' && n <= 2
            ? [new Hl7Repetition(raw, { ...this.delimiters, component: '\0' })]
            : raw.split(this.delimiters.repetition).map((r) => new Hl7Repetition(r, this.delimiters));
      cache[n] = reps;
    }
    return reps;
  }

  /** The repetitions of field n (none when the field is empty). MSH-1 and MSH-2 never repeat. */
  repetitions(n: number): Hl7Repetition[] {
    return this.#split(n).slice();
  }

  /** Field n, component c, subcomponent s of the first repetition, unescaped; '' when absent. */
  get(n: number, c = 1, s = 1): string {
    if (this.name === 'MSH' && n <= 2) return c === 1 && s === 1 ? this.raw(n) : '';
    return this.#split(n)[0]?.get(c, s) ?? '';
  }

  /** ER7 text of the segment. */
  encode(): string {
    const f = this.delimiters.field;
    if (this.name !== 'MSH') return this.fields.join(f);
    // MSH-1 is the separator itself: MSH|^~\&|MSH-3|...
    let out = 'MSH' + f + (this.fields[2] ?? '');
    for (let i = 3; i < this.fields.length; i++) out += f + this.fields[i];
    return out;
  }
}

/** A parsed message. */
export class Hl7Message {
  constructor(
    readonly segments: readonly Hl7Segment[],
    readonly delimiters: Delimiters,
    /** The character set the message was read in (MSH-18); the reply uses the same. */
    readonly charset: Hl7Charset,
  ) {}

  /** The MSH segment (always the first). */
  get msh(): Hl7Segment {
    return this.segments[0] as Hl7Segment;
  }

  /** First segment with that id. */
  segment(name: string): Hl7Segment | undefined {
    return this.segments.find((s) => s.name === name);
  }

  /** All segments with that id, in order. */
  all(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  #messageType: { code: string; trigger: string; structure: string } | undefined;

  /** MSH-9.1, MSH-9.2, MSH-9.3 (message code, trigger event, message structure). */
  get messageType(): { code: string; trigger: string; structure: string } {
    // Read once: routing, the structure check and the reply builders all ask for it.
    this.#messageType ??= Object.freeze({
      code: this.msh.get(9, 1),
      trigger: this.msh.get(9, 2),
      structure: this.msh.get(9, 3),
    });
    return this.#messageType;
  }

  /** MSH-10 message control id. */
  get controlId(): string {
    return this.msh.get(10);
  }

  /** MSH-12.1 version id. */
  get version(): string {
    return this.msh.get(12);
  }

  /** ER7 text with segments terminated by carriage returns (HL7 v2.5 2.5.1). */
  encode(): string {
    let out = '';
    for (const s of this.segments) out += s.encode() + '\r';
    return out;
  }

  /** Bytes in the message's character set. */
  toBytes(): Uint8Array {
    return encodeHl7(this.encode(), this.charset);
  }
}

/** Options of {@link parseHl7}. */
export interface ParseOptions {
  /** Largest text accepted, in characters. Default 10 MiB. */
  readonly maxLength?: number;
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/**
 * Parses an HL7 v2 message from bytes (decoded per MSH-18, see decodeHl7) or from text.
 * Segment separators CR, LF and CRLF are all accepted; blank lines are skipped. Throws
 * {@link Hl7ParseError} when the text does not start with an MSH segment with valid delimiters
 * or a segment id is malformed.
 */
export function parseHl7(input: Uint8Array | string, opts: ParseOptions = {}): Hl7Message {
  let text: string;
  let charset: Hl7Charset;
  if (typeof input === 'string') {
    text = input;
    charset = 'UNICODE UTF-8';
  } else {
    try {
      ({ text, charset } = decodeHl7(input));
    } catch (err) {
      throw new Hl7ParseError('charset', (err as Error).message, { cause: err });
    }
  }
  const max = opts.maxLength ?? 10 * 1024 * 1024;
  if (text.length > max) throw new Hl7ParseError('too-large', `message longer than ${max} characters`);
  if (!text.startsWith('MSH'))
    throw new Hl7ParseError('no-msh', 'message does not start with an MSH segment');
  const field = text[3] ?? '';
  const enc = text.slice(4, 8);
  const chars = [field, ...enc];
  if (
    enc.length < 4 ||
    new Set(chars).size !== 5 ||
    chars.some((c) => /[A-Za-z0-9\r\n]/.test(c)) ||
    (text[8] !== field && text[8] !== undefined)
  ) {
    // HL7 v2.5 2.5.4: MSH-2 holds exactly four encoding characters, distinct from MSH-1.
    throw new Hl7ParseError('bad-delimiters', 'MSH-1/MSH-2 do not declare five distinct delimiters');
  }
  const d: Delimiters = {
    field,
    component: enc[0] as string,
    repetition: enc[1] as string,
    escape: enc[2] as string,
    subcomponent: enc[3] as string,
  };
  const segments: Hl7Segment[] = [];
  // CR is the segment terminator (HL7 v2.5 2.5.1); the regular expression only when LF occurs.
  const lines = text.includes('\n') ? text.split(/\r\n|\r|\n/) : text.split('\r');
  for (const line of lines) {
    if (line === '' || line.trim() === '') continue;
    const name = line.slice(0, 3);
    if (!SEGMENT_ID.test(name) || (line.length > 3 && line[3] !== field))
      throw new Hl7ParseError('bad-segment', `segment ${segments.length + 1} has no valid segment id`);
    if (name === 'MSH') {
      if (segments.length > 0) throw new Hl7ParseError('bad-segment', 'a second MSH segment');
      const rest = line.slice(9).split(field);
      segments.push(new Hl7Segment('MSH', ['MSH', field, enc, ...(line.length > 8 ? rest : [])], d));
    } else {
      segments.push(new Hl7Segment(name, line.split(field), d));
    }
  }
  const msg = new Hl7Message(segments, d, charset);
  // A text input keeps the charset it declares, so toBytes() round-trips it.
  if (typeof input === 'string') {
    const declared = normaliseCharset(msg.msh.get(18));
    if (declared) return new Hl7Message(segments, d, declared);
  }
  return msg;
}

export { DEFAULT_DELIMITERS };
