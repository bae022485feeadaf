/**
 * Validation of an affinity domain file's parsed JSON. Pure: the caller reads the file
 * (AFFINITY_DOMAIN_FILE) and JSON.parse-s it; this checks the value against the rules of
 * schemas/affinity-domain.schema.json plus what the schema cannot say (no duplicate codes,
 * authorities, namespace ids or repositories), collecting every problem with its JSON path
 * so an operator fixes the file in one pass.
 */
import type {
  AffinityDomain,
  AssigningAuthority,
  AuthorityKind,
  Code,
  CodedAttribute,
  Repository,
  ValueSets,
} from './model.js';
import { CODED_ATTRIBUTES, CODED_ATTRIBUTE_NAMES } from './model.js';

/** One thing wrong with the file: where (`$.valueSets.classCode[3].code`) and what. */
export interface AffinityDomainProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * The affinity domain file is unusable; lists every problem, one per line. A configuration
 * error (the service must not start), not a transaction fault, hence not a MeshError.
 */
export class AffinityDomainError extends Error {
  override readonly name = 'AffinityDomainError';
  readonly problems: readonly AffinityDomainProblem[];

  constructor(problems: readonly AffinityDomainProblem[], options?: { cause?: unknown }) {
    super(
      `invalid affinity domain (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
      options,
    );
    this.problems = Object.freeze([...problems]);
  }
}

// The same patterns as the schema's $defs (kept equal by schema.test.ts's shared variants).
/** ISO OID, dotted decimal without leading zeros; at most 64 characters (ITI TF-3 4.2.3.1.5). */
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const OID_MAX = 64;
const URN_OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const URN_OID_MAX = 72;
const TEXT = /^\S(.*\S)?$/;
const TEXT_MAX = 256;
const DESCRIPTION_MAX = 2000;
const NAMESPACE_ID = /^[A-Za-z0-9_.-]{1,20}$/;
const MIME = /^[\w.+-]+\/[\w.+-]+$/;
const LANGUAGE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
const KINDS: ReadonlySet<string> = new Set<AuthorityKind>([
  'national',
  'hospital',
  'laboratory',
  'radiology',
  'general-practice',
  'pharmacy',
  'nursing-home',
  'home-care',
  'insurer',
  'other',
]);

type Json = Record<string, unknown>;

class Checker {
  readonly problems: AffinityDomainProblem[] = [];

  fail(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }

  /** An object with exactly the allowed keys and at least the required ones. */
  object(
    value: unknown,
    path: string,
    required: readonly string[],
    optional: readonly string[],
  ): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return this.fail(path, 'must be an object');
    const obj = value as Json;
    const allowed = new Set([...required, ...optional]);
    for (const key of Object.keys(obj)) if (!allowed.has(key)) this.fail(prop(path, key), 'unknown property');
    for (const key of required) if (!(key in obj)) this.fail(prop(path, key), 'is required');
    return obj;
  }

  array(value: unknown, path: string, minItems: number): readonly unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, 'must be an array');
    const items = value as readonly unknown[];
    if (items.length < minItems) return this.fail(path, `must have at least ${minItems} item(s)`);
    return items;
  }

  string(value: unknown, path: string, pattern: RegExp, maxLength: number, what: string): string | undefined {
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    // JSON Schema maxLength counts code points (2020-12 core 6.3.1), not UTF-16 units.
    if ([...value].length > maxLength) return this.fail(path, `must be at most ${maxLength} characters`);
    if (!pattern.test(value)) return this.fail(path, `must be ${what}`);
    return value;
  }

  text(value: unknown, path: string): string | undefined {
    return this.string(value, path, TEXT, TEXT_MAX, 'non-empty text without leading or trailing spaces');
  }

  oid(value: unknown, path: string): string | undefined {
    return this.string(value, path, OID, OID_MAX, 'an OID (dotted decimal, no leading zeros)');
  }
}

function prop(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function authority(c: Checker, value: unknown, path: string): AssigningAuthority | undefined {
  const o = c.object(value, path, ['oid', 'name'], ['namespaceId', 'kind']);
  if (!o) return undefined;
  const oid = 'oid' in o ? c.oid(o.oid, `${path}.oid`) : undefined;
  const name = 'name' in o ? c.text(o.name, `${path}.name`) : undefined;
  const namespaceId =
    o.namespaceId === undefined
      ? undefined
      : c.string(
          o.namespaceId,
          `${path}.namespaceId`,
          NAMESPACE_ID,
          20,
          'an HD-1 namespace id ([A-Za-z0-9_.-]{1,20})',
        );
  let kind: AuthorityKind | undefined;
  if (o.kind !== undefined) {
    if (typeof o.kind === 'string' && KINDS.has(o.kind)) kind = o.kind as AuthorityKind;
    else c.fail(`${path}.kind`, `must be one of ${[...KINDS].join(', ')}`);
  }
  if (oid === undefined || name === undefined) return undefined;
  return {
    oid,
    name,
    ...(namespaceId === undefined ? {} : { namespaceId }),
    ...(kind === undefined ? {} : { kind }),
  };
}

function repository(c: Checker, value: unknown, path: string): Repository | undefined {
  const o = c.object(value, path, ['repositoryUniqueId', 'name'], ['url']);
  if (!o) return undefined;
  const repositoryUniqueId =
    'repositoryUniqueId' in o ? c.oid(o.repositoryUniqueId, `${path}.repositoryUniqueId`) : undefined;
  const name = 'name' in o ? c.text(o.name, `${path}.name`) : undefined;
  let url: string | undefined;
  if (o.url !== undefined) {
    if (typeof o.url === 'string' && isAbsoluteUri(o.url)) url = o.url;
    else c.fail(`${path}.url`, 'must be an absolute URI');
  }
  if (repositoryUniqueId === undefined || name === undefined) return undefined;
  return { repositoryUniqueId, name, ...(url === undefined ? {} : { url }) };
}

/** JSON Schema format "uri" (RFC 3986 absolute URI), as ajv-formats checks it in full mode. */
function isAbsoluteUri(s: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s"<>\\^`{|}]*$/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function code(c: Checker, value: unknown, path: string): Code | undefined {
  const o = c.object(value, path, ['code', 'codeSystem', 'displayName'], []);
  if (!o) return undefined;
  const codeValue = 'code' in o ? c.text(o.code, `${path}.code`) : undefined;
  const codeSystem = 'codeSystem' in o ? c.text(o.codeSystem, `${path}.codeSystem`) : undefined;
  const displayName = 'displayName' in o ? c.text(o.displayName, `${path}.displayName`) : undefined;
  if (codeValue === undefined || codeSystem === undefined || displayName === undefined) return undefined;
  return { code: codeValue, codeSystem, displayName };
}

function valueSet(c: Checker, value: unknown, path: string): Code[] | undefined {
  const items = c.array(value, path, 1);
  if (!items) return undefined;
  const out: Code[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  items.forEach((item, i) => {
    const parsed = code(c, item, `${path}[${i}]`);
    if (!parsed) {
      ok = false;
      return;
    }
    // The pair is the identity of a code (ITI TF-3 4.2.3.1.2); a repeat is an editing mistake.
    const key = `${parsed.codeSystem}\u0000${parsed.code}`;
    const first = seen.get(key);
    if (first !== undefined) {
      ok = false;
      c.fail(`${path}[${i}]`, `duplicate of ${path}[${first}] (same code and codeSystem)`);
      return;
    }
    seen.set(key, i);
    out.push(parsed);
  });
  return ok ? out : undefined;
}

function stringList(
  c: Checker,
  value: unknown,
  path: string,
  pattern: RegExp,
  maxLength: number,
  what: string,
): string[] | undefined {
  const items = c.array(value, path, 1);
  if (!items) return undefined;
  const out: string[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  items.forEach((item, i) => {
    const s = c.string(item, `${path}[${i}]`, pattern, maxLength, what);
    if (s === undefined) {
      ok = false;
      return;
    }
    // Media types (RFC 6838 4.2) and language tags (RFC 5646 2.1.1) are case-insensitive.
    const first = seen.get(s.toLowerCase());
    if (first !== undefined) {
      ok = false;
      c.fail(`${path}[${i}]`, `duplicate of ${path}[${first}] (compared case-insensitively)`);
      return;
    }
    seen.set(s.toLowerCase(), i);
    out.push(s);
  });
  return ok ? out : undefined;
}

const VALUE_SET_KEYS = [...CODED_ATTRIBUTE_NAMES, 'mimeType', 'languageCode'] as const;

function valueSets(c: Checker, value: unknown, path: string): ValueSets | undefined {
  const required = CODED_ATTRIBUTE_NAMES.filter((a) => CODED_ATTRIBUTES[a].required);
  const optional = VALUE_SET_KEYS.filter((k) => !(required as readonly string[]).includes(k));
  const o = c.object(value, path, required, optional);
  if (!o) return undefined;
  const out: Partial<Record<CodedAttribute, Code[]>> & { mimeType?: string[]; languageCode?: string[] } = {};
  let ok = true;
  for (const attribute of CODED_ATTRIBUTE_NAMES) {
    if (!(attribute in o)) {
      if (CODED_ATTRIBUTES[attribute].required) ok = false;
      continue;
    }
    const set = valueSet(c, o[attribute], `${path}.${attribute}`);
    if (set) out[attribute] = set;
    else ok = false;
  }
  if ('mimeType' in o) {
    const list = stringList(c, o.mimeType, `${path}.mimeType`, MIME, 255, 'a media type (type/subtype)');
    if (list) out.mimeType = list;
    else ok = false;
  }
  if ('languageCode' in o) {
    const list = stringList(
      c,
      o.languageCode,
      `${path}.languageCode`,
      LANGUAGE,
      64,
      'a language tag (RFC 3066)',
    );
    if (list) out.languageCode = list;
    else ok = false;
  }
  return ok ? (out as ValueSets) : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the parsed JSON of an affinity domain file and returns a deep-frozen copy
 * holding only the model's properties (the optional `$schema` key is dropped).
 * @throws AffinityDomainError listing every problem with its JSON path.
 */
export function parseAffinityDomain(json: unknown): AffinityDomain {
  const c = new Checker();
  const root = '$';
  const o = c.object(
    json,
    root,
    ['name', 'homeCommunityId', 'patientIdAuthority', 'assigningAuthorities', 'repositories', 'valueSets'],
    ['$schema', 'description', 'version'],
  );
  if (!o) throw new AffinityDomainError(c.problems);
  if (o.$schema !== undefined && typeof o.$schema !== 'string')
    c.fail(prop(root, '$schema'), 'must be a string');
  const name = 'name' in o ? c.text(o.name, '$.name') : undefined;
  const description =
    o.description === undefined
      ? undefined
      : c.string(
          o.description,
          '$.description',
          TEXT,
          DESCRIPTION_MAX,
          'non-empty text without leading or trailing spaces',
        );
  const version = o.version === undefined ? undefined : c.text(o.version, '$.version');
  const homeCommunityId =
    'homeCommunityId' in o
      ? c.string(o.homeCommunityId, '$.homeCommunityId', URN_OID, URN_OID_MAX, 'urn:oid: followed by an OID')
      : undefined;
  const national =
    'patientIdAuthority' in o ? authority(c, o.patientIdAuthority, '$.patientIdAuthority') : undefined;

  const locals: AssigningAuthority[] = [];
  if ('assigningAuthorities' in o) {
    c.array(o.assigningAuthorities, '$.assigningAuthorities', 0)?.forEach((a, i) => {
      const parsed = authority(c, a, `$.assigningAuthorities[${i}]`);
      if (parsed) locals.push(parsed);
    });
  }
  // One authority per OID and per HD-1 namespace: the MPI maps a PID-3 namespace to its OID
  // and the registry tells the national id from local ones by OID alone.
  const oids = new Map<string, string>();
  const namespaces = new Map<string, string>();
  const all: [AssigningAuthority | undefined, string][] = [
    [national, '$.patientIdAuthority'],
    ...locals.map((a, i): [AssigningAuthority, string] => [a, `$.assigningAuthorities[${i}]`]),
  ];
  for (const [a, path] of all) {
    if (!a) continue;
    const sameOid = oids.get(a.oid);
    if (sameOid !== undefined) c.fail(`${path}.oid`, `OID already used by ${sameOid}`);
    else oids.set(a.oid, path);
    if (a.namespaceId !== undefined) {
      const sameNs = namespaces.get(a.namespaceId);
      if (sameNs !== undefined) c.fail(`${path}.namespaceId`, `namespace id already used by ${sameNs}`);
      else namespaces.set(a.namespaceId, path);
    }
  }

  const repositories: Repository[] = [];
  if ('repositories' in o) {
    const seen = new Map<string, string>();
    c.array(o.repositories, '$.repositories', 1)?.forEach((r, i) => {
      const path = `$.repositories[${i}]`;
      const parsed = repository(c, r, path);
      if (!parsed) return;
      const same = seen.get(parsed.repositoryUniqueId);
      if (same !== undefined) c.fail(`${path}.repositoryUniqueId`, `already used by ${same}`);
      else seen.set(parsed.repositoryUniqueId, path);
      repositories.push(parsed);
    });
  }
  const sets = 'valueSets' in o ? valueSets(c, o.valueSets, '$.valueSets') : undefined;

  if (c.problems.length > 0 || !name || !homeCommunityId || !national || !sets)
    throw new AffinityDomainError(
      c.problems.length > 0 ? c.problems : [{ path: root, message: 'is invalid' }],
    );
  return deepFreeze({
    name,
    ...(description === undefined ? {} : { description }),
    ...(version === undefined ? {} : { version }),
    homeCommunityId,
    patientIdAuthority: national,
    assigningAuthorities: locals,
    repositories,
    valueSets: sets,
  });
}
