/**
 * HL7 error codes (HL7 v2.5 table 0357 "Message error condition codes") as the IHE PIX/PDQ
 * transactions use them in ERR-3 (v2.5) or ERR-1.4 (v2.3.1), and the acknowledgement code
 * each implies in MSA-1 (HL7 v2.5 2.9.2 original acknowledgement mode: AR when the message
 * is rejected for its type, version or processing id, AE when its content is in error).
 */

/** One entry of table 0357. */
export interface Hl7ErrorCodeSpec {
  readonly code: Hl7ErrorCode;
  readonly text: string;
  /** MSA-1 the mesh answers with when this is the first error. */
  readonly ack: 'AE' | 'AR';
  readonly tf: string;
}

export type Hl7ErrorCode =
  '100' | '101' | '102' | '103' | '200' | '201' | '202' | '203' | '204' | '205' | '206' | '207';

const T = 'HL7 v2.5 table 0357';

/** The closed set of table 0357 codes the mesh sends. */
export const HL7_ERROR_CODES: Readonly<Record<Hl7ErrorCode, Hl7ErrorCodeSpec>> = Object.freeze({
  '100': { code: '100', text: 'Segment sequence error', ack: 'AR', tf: T },
  '101': { code: '101', text: 'Required field missing', ack: 'AE', tf: `${T}; ITI TF-2 3.8.4` },
  '102': { code: '102', text: 'Data type error', ack: 'AE', tf: T },
  '103': { code: '103', text: 'Table value not found', ack: 'AE', tf: T },
  '200': { code: '200', text: 'Unsupported message type', ack: 'AR', tf: T },
  '201': { code: '201', text: 'Unsupported event code', ack: 'AR', tf: T },
  '202': { code: '202', text: 'Unsupported processing id', ack: 'AR', tf: T },
  '203': { code: '203', text: 'Unsupported version id', ack: 'AR', tf: T },
  '204': {
    code: '204',
    text: 'Unknown key identifier',
    ack: 'AE',
    tf: `${T}; ITI TF-2 3.9.4.2.2.6, 3.21.4.2`,
  },
  '205': { code: '205', text: 'Duplicate key identifier', ack: 'AE', tf: T },
  '206': { code: '206', text: 'Application record locked', ack: 'AE', tf: T },
  '207': { code: '207', text: 'Application internal error', ack: 'AE', tf: T },
});

/** Where in a message an error is (HL7 v2.5 ERL data type); numbers 1-based. */
export interface Hl7Location {
  readonly segment: string;
  /** Segment sequence (1 = first occurrence). */
  readonly sequence?: number;
  readonly field?: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

/** One error of an HL7 acknowledgement. */
export interface Hl7Issue {
  readonly code: Hl7ErrorCode;
  readonly severity: 'E' | 'W' | 'I';
  /** Diagnostic text (ERR-7 / MSA-3); no PHI beyond what the sender sent. */
  readonly text?: string;
  readonly location?: Hl7Location;
}

/** `PID-3`, `QPD-3.4` style string for logs, outcomes and tests. */
export function locationString(l: Hl7Location): string {
  let s = l.segment;
  if (l.field !== undefined) s += `-${l.field}`;
  if (l.component !== undefined) s += `.${l.component}`;
  if (l.subcomponent !== undefined) s += `.${l.subcomponent}`;
  return s;
}

/** Parses `PID-3`, `QPD-3.4`, `MSH-9.3` into a location (sequence 1). */
export function parseLocation(s: string): Hl7Location | undefined {
  const m = /^([A-Z][A-Z0-9]{2})(?:-(\d+)(?:\.(\d+)(?:\.(\d+))?)?)?$/.exec(s);
  if (!m) return undefined;
  return {
    segment: m[1] as string,
    sequence: 1,
    ...(m[2] ? { field: Number(m[2]) } : {}),
    ...(m[3] ? { component: Number(m[3]) } : {}),
    ...(m[4] ? { subcomponent: Number(m[4]) } : {}),
  };
}

/** An error issue. */
export function hl7Error(code: Hl7ErrorCode, text?: string, location?: Hl7Location | string): Hl7Issue {
  const loc = typeof location === 'string' ? parseLocation(location) : location;
  return { code, severity: 'E', ...(text === undefined ? {} : { text }), ...(loc ? { location: loc } : {}) };
}

/** MSA-1 for a set of issues: AA without errors, AR when any error rejects the message, else AE. */
export function ackCodeFor(issues: readonly Hl7Issue[]): 'AA' | 'AE' | 'AR' {
  if (!issues.some((i) => i.severity === 'E')) return 'AA';
  return issues.some((i) => i.severity === 'E' && HL7_ERROR_CODES[i.code].ack === 'AR') ? 'AR' : 'AE';
}
