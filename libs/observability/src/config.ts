/**
 * Environment parsing, done once at start-up (HOUSE_STYLE "Handlers receive their ports":
 * `loadConfig(env)` parses the environment once, fails fast naming the bad key, returns a
 * frozen object). Every getter records a problem instead of throwing, so one start-up
 * attempt reports every bad key at once; `done()` throws a single {@link ConfigError}.
 *
 * ```ts
 * export function loadConfig(source: EnvSource) {
 *   const env = readEnv(source);
 *   return env.done({
 *     port: env.int('PORT', { default: 8080, min: 1, max: 65535 }),
 *     databaseUrl: env.url('DATABASE_URL', { required: true, protocols: ['postgres:', 'postgresql:'] }),
 *     dbPassword: env.secret('DB_PASSWORD'),
 *     tls: env.tlsFromEnv('SOAP'),
 *   });
 * }
 * ```
 *
 * Conventions: a variable set to the empty string counts as unset (Kubernetes ConfigMaps
 * often render absent values that way). Values of `str`, `url`, `list` and `secret` are
 * never echoed in error messages, since a misplaced credential must not reach the logs.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** What `readEnv` reads: `process.env` or a plain record in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** One bad key and why. */
export interface ConfigProblem {
  readonly key: string;
  readonly reason: string;
}

/** Thrown by {@link EnvReader.done} when any key was bad; lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.key}: ${p.reason}`).join('\n'),
    );
    this.problems = Object.freeze([...problems]);
  }
}

/** Recursively read-only view of a config object. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** `<PREFIX>_TLS_CLIENT_AUTH`: whether a TLS server asks for / insists on a client certificate. */
export type TlsClientAuth = 'none' | 'request' | 'require';

/**
 * Options for `tls.createServer` / `https.createServer` / Fastify's `https` option, as read by
 * {@link EnvReader.tlsFromEnv}. PEM contents are strings so the config object can be frozen.
 */
export interface TlsServerOptions {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  /** TLS 1.2 is the floor of IHE ATNA Secure Node's BCP 195 profile (ITI TF-2 3.19.6.2). */
  readonly minVersion: 'TLSv1.2';
  readonly clientAuth: TlsClientAuth;
}

interface Presence {
  readonly required?: boolean;
}

const MAX_ECHO = 60;

function echo(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
const CLIENT_AUTH: readonly TlsClientAuth[] = ['none', 'request', 'require'];

/**
 * Typed, aggregating reader over an environment. Create one per `loadConfig` call with
 * {@link readEnv}; finish with {@link EnvReader.done}.
 */
export class EnvReader {
  readonly #source: EnvSource;
  readonly #problems: ConfigProblem[] = [];

  constructor(source: EnvSource) {
    this.#source = source;
  }

  /** Problems recorded so far. */
  get problems(): readonly ConfigProblem[] {
    return this.#problems;
  }

  /** Records a problem the caller found itself (e.g. a cross-field rule). */
  problem(key: string, reason: string): void {
    this.#problems.push({ key, reason });
  }

  /** The raw value, with the empty string read as unset. */
  raw(key: string): string | undefined {
    const v = this.#source[key];
    return v === undefined || v === '' ? undefined : v;
  }

  #missing(key: string, required: boolean | undefined): void {
    if (required) this.problem(key, 'is required but not set');
  }

  /** A string. `pattern` must match the whole value. */
  str(key: string, opts: { default: string; pattern?: RegExp }): string;
  str(key: string, opts: { required: true; pattern?: RegExp }): string;
  str(key: string, opts?: { required?: boolean; pattern?: RegExp }): string | undefined;
  str(
    key: string,
    opts: { default?: string; required?: boolean; pattern?: RegExp } = {},
  ): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.#missing(key, opts.required);
      return opts.default ?? (opts.required ? '' : undefined);
    }
    if (opts.pattern && !new RegExp(`^(?:${opts.pattern.source})$`, opts.pattern.flags).test(v)) {
      this.problem(key, `does not match ${String(opts.pattern)}`);
    }
    return v;
  }

  /** A base-10 integer within [min, max]. */
  int(key: string, opts: { default: number; min?: number; max?: number }): number;
  int(key: string, opts: { required: true; min?: number; max?: number }): number;
  int(key: string, opts?: { required?: boolean; min?: number; max?: number }): number | undefined;
  int(
    key: string,
    opts: { default?: number; required?: boolean; min?: number; max?: number } = {},
  ): number | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.#missing(key, opts.required);
      return opts.default ?? (opts.required ? 0 : undefined);
    }
    const t = v.trim();
    const n = /^[+-]?\d+$/.test(t) ? Number(t) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      this.problem(key, `expected an integer, got ${echo(v)}`);
      return opts.default ?? 0;
    }
    if (opts.min !== undefined && n < opts.min) this.problem(key, `must be >= ${opts.min}, got ${n}`);
    if (opts.max !== undefined && n > opts.max) this.problem(key, `must be <= ${opts.max}, got ${n}`);
    return n;
  }

  /** A boolean: true/false, 1/0, yes/no, on/off (any case). Unset gives `default` (false). */
  bool(key: string, opts: { default?: boolean } = {}): boolean {
    const v = this.raw(key);
    const fallback = opts.default ?? false;
    if (v === undefined) return fallback;
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
    this.problem(key, `expected true/false/1/0/yes/no/on/off, got ${echo(v)}`);
    return fallback;
  }

  /** An absolute URL, returned as written. `protocols` like `['https:']` restricts the scheme. */
  url(key: string, opts: { default: string; protocols?: readonly string[] }): string;
  url(key: string, opts: { required: true; protocols?: readonly string[] }): string;
  url(key: string, opts?: { required?: boolean; protocols?: readonly string[] }): string | undefined;
  url(
    key: string,
    opts: { default?: string; required?: boolean; protocols?: readonly string[] } = {},
  ): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.#missing(key, opts.required);
      return opts.default ?? (opts.required ? '' : undefined);
    }
    let parsed: URL;
    try {
      parsed = new URL(v.trim());
    } catch {
      // The value is not echoed: connection URLs often carry credentials.
      this.problem(key, 'is not a valid absolute URL');
      return v;
    }
    if (opts.protocols && !opts.protocols.includes(parsed.protocol)) {
      this.problem(key, `scheme must be one of ${opts.protocols.join(', ')}, got ${parsed.protocol}`);
    }
    return v.trim();
  }

  /** One of `values`. Unset gives `defaultValue`, or a problem when there is none. */
  enumOf<const V extends string>(key: string, values: readonly V[], defaultValue?: V): V {
    const v = this.raw(key);
    const fallback = (defaultValue ?? values[0]) as V;
    if (v === undefined) {
      if (defaultValue === undefined) this.#missing(key, true);
      return fallback;
    }
    const t = v.trim();
    const hit = values.find((x) => x === t);
    if (hit !== undefined) return hit;
    this.problem(key, `must be one of ${values.join('|')}, got ${echo(v)}`);
    return fallback;
  }

  /** A comma-separated list (separator configurable), items trimmed, empty items dropped. */
  list(
    key: string,
    opts: { default?: readonly string[]; required?: boolean; separator?: string } = {},
  ): string[] {
    const v = this.raw(key);
    if (v === undefined) {
      this.#missing(key, opts.required);
      return [...(opts.default ?? [])];
    }
    const items = v
      .split(opts.separator ?? ',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items.length === 0) this.#missing(key, opts.required);
    return items;
  }

  /**
   * A secret, from `KEY` or from the file named by `KEY_FILE` (the Docker / Kubernetes
   * secret-volume convention). Setting both is an error: which one wins would be a guess.
   * One trailing newline of the file is dropped (editors and `echo` add it).
   */
  secret(key: string, opts: { required: true }): string;
  secret(key: string, opts?: Presence): string | undefined;
  secret(key: string, opts: Presence = {}): string | undefined {
    const fileKey = `${key}_FILE`;
    const direct = this.raw(key);
    const file = this.raw(fileKey);
    if (direct !== undefined && file !== undefined) {
      this.problem(key, `both ${key} and ${fileKey} are set; set only one`);
      return undefined;
    }
    if (direct !== undefined) return direct;
    if (file === undefined) {
      if (opts.required) this.problem(key, `is required: set ${key} or ${fileKey}`);
      return opts.required ? '' : undefined;
    }
    const text = this.#readFile(fileKey, file);
    if (text === undefined) return opts.required ? '' : undefined;
    const value = text.replace(/\r?\n$/, '');
    if (value === '') {
      this.problem(fileKey, `file ${file} is empty`);
      return opts.required ? '' : undefined;
    }
    return value;
  }

  #readFile(key: string, path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
      this.problem(key, `cannot read ${path} (${code})`);
      return undefined;
    }
  }

  /**
   * TLS server options from `<PREFIX>_TLS_CERT_FILE`, `_TLS_KEY_FILE`, `_TLS_CA_FILE` and
   * `_TLS_CLIENT_AUTH` (none|request|require, default none). Returns undefined when no
   * certificate is configured (plain listener). `require` (mutual TLS, as ATNA Secure Node
   * asks for node authentication, ITI TF-1 9.2) needs a CA file: trusting the public web
   * PKI for client certificates would let any certificate holder in. The cert/key pair is
   * loaded into a secure context once, so a mismatched key fails at start-up, not at the
   * first handshake.
   */
  tlsFromEnv(prefix: string): TlsServerOptions | undefined {
    const k = (s: string) => `${prefix}_TLS_${s}`;
    const certFile = this.raw(k('CERT_FILE'));
    const keyFile = this.raw(k('KEY_FILE'));
    const caFile = this.raw(k('CA_FILE'));
    const clientAuth = this.enumOf(k('CLIENT_AUTH'), CLIENT_AUTH, 'none');
    if (certFile === undefined) {
      if (keyFile !== undefined) this.problem(k('KEY_FILE'), `is set but ${k('CERT_FILE')} is not`);
      if (caFile !== undefined) this.problem(k('CA_FILE'), `is set but ${k('CERT_FILE')} is not`);
      if (this.raw(k('CLIENT_AUTH')) !== undefined && clientAuth !== 'none') {
        this.problem(k('CLIENT_AUTH'), `is ${clientAuth} but ${k('CERT_FILE')} is not set`);
      }
      return undefined;
    }
    if (keyFile === undefined) this.problem(k('KEY_FILE'), `is required when ${k('CERT_FILE')} is set`);
    if (clientAuth === 'require' && caFile === undefined) {
      this.problem(k('CA_FILE'), `is required when ${k('CLIENT_AUTH')}=require`);
    }
    const cert = this.#readFile(k('CERT_FILE'), certFile);
    const key = keyFile === undefined ? undefined : this.#readFile(k('KEY_FILE'), keyFile);
    const ca = caFile === undefined ? undefined : this.#readFile(k('CA_FILE'), caFile);
    if (cert === undefined || key === undefined || (caFile !== undefined && ca === undefined))
      return undefined;
    try {
      createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) });
    } catch (e) {
      // OpenSSL's message names the failure (bad PEM, key mismatch) without key material.
      this.problem(k('CERT_FILE'), `unusable certificate/key: ${(e as Error).message}`);
      return undefined;
    }
    return {
      cert,
      key,
      ...(ca === undefined ? {} : { ca }),
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'require',
      minVersion: 'TLSv1.2',
      clientAuth,
    };
  }

  /**
   * Ends parsing: throws {@link ConfigError} listing every problem, or returns `config`
   * deep-frozen.
   */
  done<T extends object>(config: T): DeepReadonly<T> {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
    return deepFreeze(config) as DeepReadonly<T>;
  }
}

/** Starts reading an environment (`readEnv(process.env)`); see {@link EnvReader}. */
export function readEnv(source: EnvSource): EnvReader {
  return new EnvReader(source);
}

/** Freezes plain objects and arrays recursively (typed arrays cannot be frozen and are left as is). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) {
    return value;
  }
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
