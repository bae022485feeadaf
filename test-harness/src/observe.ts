/**
 * What a step observed, in one shape for every transport, with the XML, JSON and HL7 views
 * parsed lazily (a parse error only matters to the expectations that need that view).
 */
import { parseXml } from '@mesh/xml';
import { parseHl7 } from './hl7.js';
import type { Hl7Message } from './hl7.js';
import type { Failure, StepKind } from './model.js';
import type { ParsedPart } from './mtom.js';

/** A view that could not be built, with the reason shown in the report. */
export interface ViewError {
  readonly error: string;
}

export const isViewError = (v: unknown): v is ViewError =>
  typeof v === 'object' && v !== null && 'error' in v && Object.keys(v).length === 1;

/** Everything expectations and captures can look at. */
export class Observed {
  /** Defects of the response found while reading it (e.g. a broken MIME package); each fails the step. */
  readonly problems: Failure[] = [];
  private xmlView?: Document | ViewError;
  private jsonView?: { value: unknown } | ViewError;
  private hl7View?: Hl7Message | ViewError;

  constructor(
    readonly kind: StepKind,
    /** Response body as text (the root part of a multipart response; the HL7 message for MLLP). */
    readonly body: string,
    readonly status?: number,
    /** Lower-case names. */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Non-root MIME parts of a multipart response, in order. */
    readonly attachments: readonly ParsedPart[] = [],
  ) {}

  /** The body parsed with the hardened parser of `@mesh/xml`. */
  xml(): Document | ViewError {
    if (!this.xmlView) {
      try {
        this.xmlView = parseXml(this.body);
      } catch (e) {
        this.xmlView = { error: `response is not usable XML: ${(e as Error).message}` };
      }
    }
    return this.xmlView;
  }

  json(): { value: unknown } | ViewError {
    if (!this.jsonView) {
      try {
        this.jsonView = { value: JSON.parse(this.body) as unknown };
      } catch (e) {
        this.jsonView = { error: `response is not JSON: ${(e as Error).message}` };
      }
    }
    return this.jsonView;
  }

  hl7(): Hl7Message | ViewError {
    if (!this.hl7View) {
      try {
        this.hl7View = parseHl7(this.body);
      } catch (e) {
        this.hl7View = { error: `response is not HL7 v2: ${(e as Error).message}` };
      }
    }
    return this.hl7View;
  }
}

/**
 * Value at a dotted path (`a.b.0.c`; numeric segments index arrays). `found` is false when
 * any segment is missing.
 */
export function jsonAt(value: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = value;
  for (const seg of path === '' ? [] : path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
    else if (typeof cur === 'object' && cur !== null && !Array.isArray(cur) && Object.hasOwn(cur, seg))
      cur = (cur as Record<string, unknown>)[seg];
    else return { found: false };
  }
  return { found: true, value: cur };
}
