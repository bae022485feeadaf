/**
 * Acknowledgements and query responses (HL7 v2.5 2.9.2 original mode; ITI TF-2 3.8.4,
 * 3.9.4.2, 3.21.4.2): MSH swapped from the request, MSA-1 AA/AE/AR with MSA-2 = the
 * request's MSH-10, one ERR per issue. ERR is written as v2.5 wants it (ERR-2 location,
 * ERR-3 code, ERR-4 severity) or, for v2.3.1 replies (ITI-8), in ERR-1 (ELD).
 */
import { segment, msh, message } from './build.js';
import type { FieldValue, RepetitionValue } from './build.js';
import { HL7_ERROR_CODES, ackCodeFor } from './errors.js';
import type { Hl7Issue } from './errors.js';
import type { Hl7Message, Hl7Segment } from './message.js';
import { DEFAULT_DELIMITERS } from './escape.js';

/** Who answers (MSH-3, MSH-4 of replies) and how reply ids and times are made. */
export interface Responder {
  readonly application: RepetitionValue;
  readonly facility: RepetitionValue;
  /** New MSH-10 for each reply. */
  readonly nextControlId: () => string;
  readonly clock: () => Date;
}

/** Raw copy of a request field into a reply, re-escaped for the default delimiters. */
function copy(req: Hl7Message, seg: Hl7Segment | undefined, n: number): FieldValue {
  if (!seg) return undefined;
  const raw = seg.raw(n);
  if (raw === '') return undefined;
  const d = req.delimiters;
  const same =
    d.field === DEFAULT_DELIMITERS.field &&
    d.component === DEFAULT_DELIMITERS.component &&
    d.repetition === DEFAULT_DELIMITERS.repetition &&
    d.escape === DEFAULT_DELIMITERS.escape &&
    d.subcomponent === DEFAULT_DELIMITERS.subcomponent;
  if (same) return { raw };
  // Other delimiters: rebuild from the unescaped structure.
  return {
    repeat: seg.repetitions(n).map((r) => {
      const comps = r.raw.split(d.component).length;
      return Array.from({ length: comps }, (_, c) => {
        const subs = r.rawComponent(c + 1).split(d.subcomponent).length;
        return subs > 1 ? Array.from({ length: subs }, (_, s) => r.get(c + 1, s + 1)) : r.get(c + 1);
      });
    }),
  };
}

/** A request segment copied into a reply (delimiters normalised). */
export function echo(req: Hl7Message, seg: Hl7Segment): Hl7Segment {
  return segment(seg.name, ...seg.fields.slice(1).map((_, i) => copy(req, seg, i + 1)));
}

/** ERR segments for the issues, in the reply's version. */
export function errSegments(issues: readonly Hl7Issue[], version: string): Hl7Segment[] {
  return issues.map((i) => {
    const spec = HL7_ERROR_CODES[i.code];
    const l = i.location;
    if (version.startsWith('2.3')) {
      // v2.3.1 ERR-1 ELD: segment id ^ sequence ^ field position ^ code (CE).
      return segment('ERR', [
        l?.segment ?? '',
        l ? String(l.sequence ?? 1) : '',
        l?.field === undefined ? '' : String(l.field),
        [i.code, spec.text, 'HL70357'],
      ]);
    }
    const erl: RepetitionValue | undefined = l
      ? [
          l.segment,
          String(l.sequence ?? 1),
          l.field === undefined ? '' : String(l.field),
          l.field === undefined ? '' : String(l.repetition ?? 1),
          l.component === undefined ? '' : String(l.component),
          l.subcomponent === undefined ? '' : String(l.subcomponent),
        ]
      : undefined;
    return segment(
      'ERR',
      undefined,
      erl,
      [i.code, spec.text, 'HL70357'],
      i.severity,
      undefined,
      undefined,
      undefined,
      i.text,
    );
  });
}

/** The reply MSH: sender/receiver swapped, same processing id, version and charset. */
export function replyMsh(
  req: Hl7Message,
  r: Responder,
  messageType: readonly [string, string, string?],
  version: string,
): Hl7Segment {
  return msh({
    sendingApplication: r.application,
    sendingFacility: r.facility,
    receivingApplication: copy(req, req.msh, 3),
    receivingFacility: copy(req, req.msh, 4),
    dateTime: r.clock(),
    messageType,
    controlId: r.nextControlId(),
    processingId: copy(req, req.msh, 11) ?? 'P',
    version,
    charset: req.charset,
  });
}

/** A general acknowledgement (ACK) to a request: MSH, MSA, ERR*. */
export function buildAck(
  req: Hl7Message,
  r: Responder,
  opts: { issues: readonly Hl7Issue[]; version: string; code?: 'AA' | 'AE' | 'AR' },
): Hl7Message {
  const code = opts.code ?? ackCodeFor(opts.issues);
  const trigger = req.messageType.trigger;
  const type: [string, string, string?] = opts.version.startsWith('2.3')
    ? ['ACK', trigger]
    : ['ACK', trigger, 'ACK'];
  const text = opts.issues.find((i) => i.severity === 'E')?.text;
  return message(
    [
      replyMsh(req, r, type, opts.version),
      segment('MSA', code, req.controlId, opts.version.startsWith('2.3') ? text : undefined),
      ...errSegments(opts.issues, opts.version),
    ],
    req.charset,
  );
}

/**
 * A query response (RSP^K23 / RSP^K22, ITI TF-2 3.9.4.2, 3.21.4.2): MSH, MSA, ERR*, QAK
 * (QAK-1 = QPD-2 query tag, QAK-2 OK / NF / AE / AR), QPD echoed, then the result segments.
 */
export function buildQueryResponse(
  req: Hl7Message,
  r: Responder,
  opts: {
    messageType: readonly [string, string, string];
    issues: readonly Hl7Issue[];
    /** QAK-2: OK data found, NF no data, AE / AR errors. */
    status: 'OK' | 'NF' | 'AE' | 'AR';
    body: readonly Hl7Segment[];
    version?: string;
    /** QAK-4 hit count total, QAK-5 this payload, QAK-6 hits remaining (ITI-21 continuation). */
    counts?: { readonly total: number; readonly payload: number; readonly remaining: number };
  },
): Hl7Message {
  const qpd = req.segment('QPD');
  const version = opts.version ?? '2.5';
  const code = ackCodeFor(opts.issues);
  return message(
    [
      replyMsh(req, r, opts.messageType, version),
      segment('MSA', code, req.controlId),
      ...errSegments(opts.issues, version),
      opts.counts
        ? segment(
            'QAK',
            copy(req, qpd, 2),
            opts.status,
            copy(req, qpd, 1),
            String(opts.counts.total),
            String(opts.counts.payload),
            String(opts.counts.remaining),
          )
        : segment('QAK', copy(req, qpd, 2), opts.status),
      ...(qpd ? [echo(req, qpd)] : []),
      ...opts.body,
    ],
    req.charset,
  );
}
