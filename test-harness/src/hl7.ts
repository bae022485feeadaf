/**
 * HL7 v2 just enough for a test runner: normalise segment separators, frame with MLLP, and
 * read fields the way the standard counts them (HL7 v2.5 ch. 2: MSH-1 is the field
 * separator itself, MSH-2 the encoding characters; all positions are 1-based).
 */

/** MLLP start block (VT), end block (FS) and trailing CR: ITI TF-2 Appendix C.2. */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

/**
 * Segments end with CR (HL7 v2.5 2.5.3). YAML authors write LF; CRLF and LF become CR and a
 * final CR is ensured.
 */
export function normalizeHl7(message: string): string {
  const m = message.replace(/\r\n|\n/g, '\r').replace(/\r+$/, '');
  return `${m}\r`;
}

/** Wraps a message in an MLLP frame: VT message FS CR. */
export function mllpFrame(message: string): Buffer {
  return Buffer.concat([
    Buffer.from([MLLP_START]),
    Buffer.from(message, 'utf8'),
    Buffer.from([MLLP_END, MLLP_CR]),
  ]);
}

/**
 * Finds the first complete MLLP frame in `buf`. Returns its payload and the number of bytes
 * consumed, or undefined when more bytes are needed. Bytes before VT are skipped (MLLP
 * release 2 receivers ignore them).
 */
export function mllpUnframe(buf: Buffer): { message: string; consumed: number } | undefined {
  const start = buf.indexOf(MLLP_START);
  if (start < 0) return undefined;
  for (let i = start + 1; i < buf.length - 1; i++) {
    if (buf[i] === MLLP_END && buf[i + 1] === MLLP_CR)
      return { message: buf.subarray(start + 1, i).toString('utf8'), consumed: i + 2 };
  }
  return undefined;
}

interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  subcomponent: string;
}

/** Parsed message: segments in order, each a list of raw fields as on the wire. */
export interface Hl7Message {
  readonly segments: readonly { readonly name: string; readonly fields: readonly string[] }[];
  readonly delimiters: Delimiters;
}

/** Splits a message into segments and fields. Throws when it does not start with MSH. */
export function parseHl7(message: string): Hl7Message {
  const lines = message.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
  const first = lines[0];
  if (!first?.startsWith('MSH') || first.length < 8)
    throw new Error('not an HL7 v2 message: it does not start with an MSH segment');
  const field = first.charAt(3);
  const enc = first.slice(4, first.indexOf(field, 4) < 0 ? undefined : first.indexOf(field, 4));
  const delimiters: Delimiters = {
    field,
    component: enc.charAt(0) || '^',
    repetition: enc.charAt(1) || '~',
    subcomponent: enc.charAt(3) || '&',
  };
  const segments = lines.map((line) => {
    const parts = line.split(field);
    const name = parts[0] ?? '';
    // Index i of `fields` holds SEG-i. MSH-1 is the separator itself, so MSH shifts by one.
    const fields = name === 'MSH' ? ['', field, ...parts.slice(1)] : ['', ...parts.slice(1)];
    return { name, fields };
  });
  return { segments, delimiters };
}

/**
 * A field path: `SEG[occurrence]-field(repetition).component.subcomponent`, all 1-based.
 * Occurrence defaults to 1 (the first such segment). Without `(repetition)` a bare field
 * path returns the whole field as on the wire (all repetitions, separated by `~`), while a
 * component path reads from the first repetition.
 */
const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\((\d+)\))?(?:\.(\d+))?(?:\.(\d+))?$/;

/** Whether `path` is a syntactically valid field path. */
export function isHl7Path(path: string): boolean {
  return PATH.test(path);
}

/**
 * Value at `path` (see {@link PATH}), or undefined when the segment, field or component is
 * absent. Escape sequences are returned as on the wire.
 */
export function hl7Get(msg: Hl7Message, path: string): string | undefined {
  const m = PATH.exec(path);
  if (!m) throw new Error(`invalid HL7 field path '${path}' (expected e.g. MSA-1, PID-3(2).1, ERR[2]-3.1)`);
  const [, seg, occ, fieldNo, rep, comp, sub] = m;
  const segment = msg.segments.filter((s) => s.name === seg)[Number(occ ?? 1) - 1];
  if (!segment) return undefined;
  const raw = segment.fields[Number(fieldNo)];
  if (raw === undefined) return undefined;
  // MSH-1 and MSH-2 hold the delimiters themselves: never split them.
  if (seg === 'MSH' && Number(fieldNo) <= 2) return raw;
  if (rep === undefined && comp === undefined) return raw;
  const repetition = raw.split(msg.delimiters.repetition)[Number(rep ?? 1) - 1];
  if (repetition === undefined) return undefined;
  if (comp === undefined) return repetition;
  const component = repetition.split(msg.delimiters.component)[Number(comp) - 1];
  if (component === undefined || sub === undefined) return component;
  return component.split(msg.delimiters.subcomponent)[Number(sub) - 1];
}
