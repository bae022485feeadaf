/**
 * Building messages from plain values. Leaves are escaped here, so callers never handle
 * delimiters: a field is a string, a list of components (each a string or a list of
 * subcomponents), a set of repetitions, or raw ER7 copied from another message.
 */
import { DEFAULT_DELIMITERS, escapeValue } from './escape.js';
import type { Delimiters } from './escape.js';
import { Hl7Message, Hl7Segment } from './message.js';
import type { Hl7Charset } from './charset.js';

/** A component: a plain value or its subcomponents. */
export type ComponentValue = string | readonly string[];
/** One repetition: a plain value or its components. */
export type RepetitionValue = string | readonly ComponentValue[];
/** A field value. `undefined` leaves the field empty. */
export type FieldValue =
  | RepetitionValue
  | { readonly repeat: readonly RepetitionValue[] }
  /** Already-encoded ER7 with the same delimiters (e.g. QPD echoed from a query). */
  | { readonly raw: string }
  | undefined;

function encodeComponent(c: ComponentValue, d: Delimiters): string {
  return typeof c === 'string' ? escapeValue(c, d) : c.map((s) => escapeValue(s, d)).join(d.subcomponent);
}

function encodeRepetition(r: RepetitionValue, d: Delimiters): string {
  if (typeof r === 'string') return escapeValue(r, d);
  // Trailing empty components are dropped (HL7 v2.5 2.5.3: no trailing delimiters).
  let n = r.length;
  while (n > 0 && encodedEmpty(r[n - 1] as ComponentValue)) n--;
  let out = '';
  for (let i = 0; i < n; i++) out += (i > 0 ? d.component : '') + encodeComponent(r[i] as ComponentValue, d);
  return out;
}

/** True when a component encodes to nothing (subcomponents are escaped values: '' only when empty). */
function encodedEmpty(c: ComponentValue): boolean {
  return typeof c === 'string' ? c === '' : c.every((s) => s === '') && c.length <= 1;
}

/** Encodes one field value to raw ER7. */
export function encodeField(v: FieldValue, d: Delimiters = DEFAULT_DELIMITERS): string {
  if (v === undefined) return '';
  if (typeof v === 'string' || Array.isArray(v)) return encodeRepetition(v as RepetitionValue, d);
  if ('raw' in v) return v.raw;
  return (v as { repeat: readonly RepetitionValue[] }).repeat
    .map((r) => encodeRepetition(r, d))
    .join(d.repetition);
}

/**
 * A segment from its field values: `segment('MSA', 'AA', controlId)` is `MSA|AA|<id>`.
 * Trailing empty fields are dropped.
 */
export function segment(name: string, ...fields: readonly FieldValue[]): Hl7Segment {
  const d = DEFAULT_DELIMITERS;
  const raw = [name, ...fields.map((f) => encodeField(f, d))];
  while (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  return new Hl7Segment(name, raw, d);
}

/** The MSH fields a builder sets (MSH-3 onwards), 1-based names kept in the property docs. */
export interface MshInput {
  /** MSH-3 sending application (HD). */
  readonly sendingApplication: FieldValue;
  /** MSH-4 sending facility (HD). */
  readonly sendingFacility: FieldValue;
  /** MSH-5 receiving application. */
  readonly receivingApplication?: FieldValue;
  /** MSH-6 receiving facility. */
  readonly receivingFacility?: FieldValue;
  /** MSH-7 date/time of message. */
  readonly dateTime: Date;
  /** MSH-9 message type: code, trigger, structure. */
  readonly messageType: readonly [string, string, string?];
  /** MSH-10 message control id. */
  readonly controlId: string;
  /** MSH-11 processing id (default P). */
  readonly processingId?: FieldValue;
  /** MSH-12 version id. */
  readonly version: string;
  /** MSH-18 character set; empty for ASCII. */
  readonly charset?: Hl7Charset;
}

/** HL7 DTM (YYYYMMDDHHMMSS) in UTC with its offset. */
export function hl7Timestamp(d: Date): string {
  // Every reply of the same second has the same MSH-7: formatted once per second.
  const second = Math.floor(d.getTime() / 1000);
  if (second === lastSecond) return lastTimestamp;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  lastTimestamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
  lastSecond = second;
  return lastTimestamp;
}
let lastSecond = NaN;
let lastTimestamp = '';

/** An MSH segment. */
export function msh(m: MshInput): Hl7Segment {
  const d = DEFAULT_DELIMITERS;
  const enc = `${d.component}${d.repetition}${d.escape}${d.subcomponent}`;
  const fields: FieldValue[] = [
    m.sendingApplication,
    m.sendingFacility,
    m.receivingApplication,
    m.receivingFacility,
    hl7Timestamp(m.dateTime),
    undefined,
    m.messageType.filter((x): x is string => x !== undefined),
    m.controlId,
    m.processingId ?? 'P',
    m.version,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    m.charset === undefined || m.charset === 'ASCII' ? undefined : m.charset,
  ];
  const raw = ['MSH', d.field, enc, ...fields.map((f) => encodeField(f, d))];
  while (raw.length > 3 && raw[raw.length - 1] === '') raw.pop();
  return new Hl7Segment('MSH', raw, d);
}

/** A message from its segments (MSH first). */
export function message(segments: readonly Hl7Segment[], charset: Hl7Charset = 'ASCII'): Hl7Message {
  return new Hl7Message(segments, DEFAULT_DELIMITERS, charset);
}
