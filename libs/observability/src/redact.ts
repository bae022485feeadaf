/**
 * The central redaction list (HOUSE_STYLE "Logs, traces, audit": a central redaction list
 * keeps PHI, assertions and document bodies out of logs). An ATNA audit record, not a log
 * line, is where "who touched which patient" is recorded (ITI TF-2 3.20), so logs lose
 * nothing by never carrying patient data.
 *
 * Notation of {@link REDACT_PATHS}:
 * - `*.name`: a property called `name` (compared case-insensitively) at ANY depth, top
 *   level included. Unlike pino's `redact` paths, where `*` is exactly one level.
 * - `a.b.c`: that exact path from the top of the log record (case-sensitive).
 *
 * Why not pino's own `redact` option: measured with pino 10 (`bench/logger.bench.ts`), ~40
 * wildcard paths cost tens of microseconds per log line, more than the rest of logging;
 * one walk over the record with a key set costs about one microsecond.
 *
 * What is scanned: plain objects, arrays, and Error objects (turned into pino's serialized
 * error shape first, so a database driver's `detail` or an error's own fields are scanned
 * too) up to {@link MAX_DEPTH} levels. Class instances other than errors are not walked:
 * log plain data. Free text in the message string is never inspected, so never
 * interpolate identifiers into messages: pass them as fields, where this list applies.
 */

/** Replaces a redacted value; the key stays so that readers see something was there. */
export const CENSOR = '[REDACTED]';

/** Objects deeper than this are replaced by {@link CENSOR} rather than logged unscanned. */
export const MAX_DEPTH = 8;

/**
 * Every path kept out of logs. Grouped by why; extend here, never per service.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  // Credentials and transport secrets (RFC 9110 Authorization, cookies, API keys, OAuth).
  '*.authorization',
  '*.proxy-authorization',
  '*.cookie',
  '*.set-cookie',
  '*.x-api-key',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.idToken',
  '*.id_token',
  '*.apiKey',
  '*.api_key',
  '*.privateKey',
  '*.private_key',
  // XUA: SAML assertions and WS-Security headers carry the user's identity, roles and the
  // patient the assertion is about (ITI TF-2 3.40.4.1.2).
  '*.assertion',
  '*.samlAssertion',
  '*.saml',
  '*.security',
  '*.wsSecurity',
  // Document and message bodies: CDA documents, SOAP envelopes, MTOM parts, HL7 messages,
  // DSML payloads. Any of them is PHI or directory data.
  '*.body',
  '*.rawBody',
  '*.payload',
  '*.document',
  '*.documents',
  '*.documentContent',
  '*.content',
  '*.envelope',
  '*.soapEnvelope',
  '*.xml',
  '*.attachment',
  '*.attachments',
  '*.hl7',
  '*.hl7Message',
  '*.rawMessage',
  // Patient identity and demographics (XDS sourcePatientId / sourcePatientInfo, PIX/PDQ
  // PID segment fields, the national identifier, XUA resource-id).
  '*.patientId',
  '*.patientIds',
  '*.sourcePatientId',
  '*.sourcePatientInfo',
  '*.patientResourceId',
  '*.patient',
  '*.patientName',
  '*.pidSegment',
  '*.nationalId',
  '*.ssn',
  '*.matricule',
  '*.insuranceNumber',
  '*.birthDate',
  '*.dateOfBirth',
  '*.dob',
  '*.birthTime',
  '*.gender',
  '*.address',
  '*.telecom',
  '*.phone',
  '*.email',
  '*.mothersMaidenName',
  '*.demographics',
  // PostgreSQL errors put offending row values in `detail` ("Key (patient_id)=(...) ...").
  'err.detail',
  'error.detail',
]);

interface PathNode {
  readonly children: Map<string, PathNode>;
  terminal: boolean;
}

/** A compiled {@link REDACT_PATHS}-style list. */
export interface Redactor {
  /** Returns `value` itself when nothing needed redacting, else a redacted copy (input never mutated). */
  scrub<T>(value: T): T;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Pino's serialized error shape, without pulling pino into this module. */
function errorToPlain(e: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  for (const [k, v] of Object.entries(e)) if (!(k in out)) out[k] = v;
  if (e.cause !== undefined && depth < MAX_DEPTH) {
    out['cause'] = e.cause instanceof Error ? errorToPlain(e.cause, depth + 1) : e.cause;
  }
  return out;
}

/** Compiles a path list (see the notation above) into a {@link Redactor}. */
export function compileRedactor(paths: readonly string[]): Redactor {
  const anyDepth = new Set<string>();
  const root: PathNode = { children: new Map(), terminal: false };
  for (const p of paths) {
    if (p.startsWith('*.')) {
      anyDepth.add(p.slice(2).toLowerCase());
      continue;
    }
    let node = root;
    for (const seg of p.split('.')) {
      let next = node.children.get(seg);
      if (!next) {
        next = { children: new Map(), terminal: false };
        node.children.set(seg, next);
      }
      node = next;
    }
    node.terminal = true;
  }

  const walk = (value: unknown, node: PathNode | undefined, depth: number): unknown => {
    if (value === null || typeof value !== 'object') return value;
    let obj: object = value;
    let changed = false;
    if (obj instanceof Error) {
      obj = errorToPlain(obj, depth);
      changed = true;
    } else if (!Array.isArray(obj) && !isPlainObject(obj)) {
      return value;
    }
    if (depth >= MAX_DEPTH) return CENSOR;
    if (Array.isArray(obj)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < obj.length; i++) {
        const item: unknown = obj[i];
        const s = walk(item, undefined, depth + 1);
        if (s !== item) {
          copy ??= obj.slice();
          copy[i] = s;
        }
      }
      return copy ?? (changed ? obj : value);
    }
    const rec = obj as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      const child = node?.children.get(k);
      let s: unknown;
      if (v === undefined) continue;
      if (anyDepth.has(k.toLowerCase()) || child?.terminal === true) s = CENSOR;
      else s = walk(v, child, depth + 1);
      if (s !== v) {
        copy ??= { ...rec };
        copy[k] = s;
      }
    }
    return copy ?? (changed ? rec : value);
  };

  return {
    scrub<T>(value: T): T {
      return walk(value, root, 0) as T;
    },
  };
}
