/**
 * `${name}` substitution. Built-ins give every run fresh identifiers so scenarios can be
 * replayed against a system that keeps state (a registry refuses a second document with the
 * same uniqueId: ITI TF-2 3.42.4.1.3.5 XDSNonIdenticalHash / duplicate uniqueId).
 */
import { randomUUID } from 'node:crypto';

/** Raised when a template names a variable that is not defined. */
export class UnknownVariableError extends Error {
  override readonly name = 'UnknownVariableError';
  constructor(readonly variable: string) {
    super(`unknown variable \${${variable}}`);
  }
}

/** Converts a UUID to the `2.25.<decimal>` OID form of ITU-T X.667 / ISO/IEC 9834-8. */
export function uuidToOid(uuid: string): string {
  return `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString(10)}`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** HL7 v2 TS (DTM) in UTC: YYYYMMDDHHMMSS+0000. */
export function hl7Timestamp(d: Date): string {
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`
  );
}

/**
 * Value of a built-in, or undefined when `name` is not one. Each use of `${uuid}` or
 * `${uniqueOid}` yields a new value; bind one to a scenario variable to reuse it.
 */
export function builtin(name: string, now: () => Date = () => new Date()): string | undefined {
  switch (name) {
    case 'uuid':
      return randomUUID();
    case 'urnUuid':
      return `urn:uuid:${randomUUID()}`;
    case 'uniqueOid':
      return uuidToOid(randomUUID());
    case 'now':
      return now().toISOString();
    case 'nowHl7':
      return hl7Timestamp(now());
    case 'nowXds':
      // XDS DTM (ITI TF-3 4.2.3.1.5): YYYYMMDDHHMMSS in UTC, no zone.
      return hl7Timestamp(now()).slice(0, 14);
    default:
      if (name.startsWith('env.')) return process.env[name.slice(4)];
      return undefined;
  }
}

const PATTERN = /\$(\$?)\{([A-Za-z_][\w.-]*)\}/g;

/**
 * Replaces every `${name}` with the scenario variable, or a built-in. `$${name}` is a
 * literal `${name}`. `escape` is applied to substituted values only (XML bodies escape
 * markup characters so a captured value cannot change the document's structure).
 */
export function substitute(
  template: string,
  vars: Readonly<Record<string, string>>,
  escape: (s: string) => string = (s) => s,
): string {
  return template.replace(PATTERN, (_m, dollar: string, name: string) => {
    if (dollar) return `\${${name}}`;
    const v = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : builtin(name);
    if (v === undefined) throw new UnknownVariableError(name);
    return escape(v);
  });
}
