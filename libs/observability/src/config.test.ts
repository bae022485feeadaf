import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, readEnv } from './config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): { key: string; reason: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('readEnv getters', () => {
  it('applies defaults when keys are unset or empty', () => {
    const env = readEnv({ LOG_LEVEL: '' });
    const cfg = env.done({
      port: env.int('PORT', { default: 8080, min: 1, max: 65535 }),
      level: env.enumOf('LOG_LEVEL', ['info', 'debug'], 'info'),
      name: env.str('NAME', { default: 'registry' }),
      optional: env.str('OPTIONAL'),
      tls: env.bool('USE_TLS', { default: true }),
      subjects: env.list('SUBJECTS', { default: ['a'] }),
    });
    expect(cfg).toEqual({
      port: 8080,
      level: 'info',
      name: 'registry',
      optional: undefined,
      tls: true,
      subjects: ['a'],
    });
  });

  it('parses set values', () => {
    const env = readEnv({
      PORT: ' 9000 ',
      LEVEL: 'debug',
      FLAG: 'Off',
      HOSTS: ' a , b,,c ',
      URL: 'nats://127.0.0.1:4222',
    });
    const cfg = env.done({
      port: env.int('PORT', { default: 1 }),
      level: env.enumOf('LEVEL', ['info', 'debug'], 'info'),
      flag: env.bool('FLAG', { default: true }),
      hosts: env.list('HOSTS'),
      url: env.url('URL', { required: true, protocols: ['nats:'] }),
    });
    expect(cfg).toEqual({
      port: 9000,
      level: 'debug',
      flag: false,
      hosts: ['a', 'b', 'c'],
      url: 'nats://127.0.0.1:4222',
    });
  });

  it('returns a deeply frozen object', () => {
    const env = readEnv({});
    const cfg = env.done({
      db: { pool: env.int('POOL', { default: 4 }) },
      list: env.list('L', { default: ['x'] }),
    });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.db)).toBe(true);
    expect(Object.isFrozen(cfg.list)).toBe(true);
  });

  it('reports a required key that is missing', () => {
    const env = readEnv({});
    env.str('DATABASE_URL', { required: true });
    expect(problemsOf(() => env.done({}))).toEqual([
      { key: 'DATABASE_URL', reason: 'is required but not set' },
    ]);
  });

  it('reports a bad int, naming the key and value', () => {
    const env = readEnv({ PORT: '80a' });
    env.int('PORT', { default: 8080 });
    const [p] = problemsOf(() => env.done({}));
    expect(p?.key).toBe('PORT');
    expect(p?.reason).toContain('"80a"');
  });

  it('reports ints out of range', () => {
    const env = readEnv({ PORT: '70000', WORKERS: '0' });
    env.int('PORT', { default: 1, max: 65535 });
    env.int('WORKERS', { default: 1, min: 1 });
    expect(problemsOf(() => env.done({})).map((p) => p.key)).toEqual(['PORT', 'WORKERS']);
  });

  it('reports bad bool, enum, url and scheme without echoing url values', () => {
    const env = readEnv({
      B: 'maybe',
      E: 'loud',
      U: 'not a url with password hunter2',
      S: 'ftp://h/',
    });
    env.bool('B');
    env.enumOf('E', ['quiet', 'normal'] as const, 'quiet');
    env.url('U');
    env.url('S', { protocols: ['https:'] });
    const problems = problemsOf(() => env.done({}));
    expect(problems.map((p) => p.key)).toEqual(['B', 'E', 'U', 'S']);
    expect(problems[2]?.reason).not.toContain('hunter2');
  });

  it('aggregates every problem into one ConfigError message', () => {
    const env = readEnv({ PORT: 'x', LEVEL: 'loud' });
    env.int('PORT', { default: 1 });
    env.enumOf('LEVEL', ['info'], 'info');
    env.str('NEEDED', { required: true });
    env.enumOf('MODE', ['a', 'b']);
    try {
      env.done({});
      expect.unreachable();
    } catch (e) {
      const err = e as ConfigError;
      expect(err.problems.map((p) => p.key)).toEqual(['PORT', 'LEVEL', 'NEEDED', 'MODE']);
      for (const key of ['PORT', 'LEVEL', 'NEEDED', 'MODE']) expect(err.message).toContain(`  ${key}: `);
    }
  });

  it('enforces str patterns on the whole value', () => {
    const env = readEnv({ OID: '1.2.3x' });
    env.str('OID', { pattern: /[0-2](\.\d+)+/ });
    expect(problemsOf(() => env.done({})).map((p) => p.key)).toEqual(['OID']);
  });
});

describe('secret()', () => {
  it('reads KEY directly', () => {
    const env = readEnv({ DB_PASSWORD: 's3cret' });
    expect(env.secret('DB_PASSWORD')).toBe('s3cret');
    expect(env.problems).toEqual([]);
  });

  it('reads KEY_FILE and trims exactly one trailing newline', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 'line1\n\n');
    const env = readEnv({ DB_PASSWORD_FILE: file });
    expect(env.secret('DB_PASSWORD', { required: true })).toBe('line1\n');
    writeFileSync(file, 'x\r\n');
    expect(readEnv({ DB_PASSWORD_FILE: file }).secret('DB_PASSWORD')).toBe('x');
  });

  it('rejects KEY and KEY_FILE both set', () => {
    const file = join(dir, 'both');
    writeFileSync(file, 'a\n');
    const env = readEnv({ DB_PASSWORD: 'a', DB_PASSWORD_FILE: file });
    env.secret('DB_PASSWORD');
    const [p] = problemsOf(() => env.done({}));
    expect(p?.key).toBe('DB_PASSWORD');
    expect(p?.reason).toContain('DB_PASSWORD_FILE');
  });

  it('reports an unreadable or empty file and a missing required secret, never the value', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const env = readEnv({ A_FILE: join(dir, 'missing'), B_FILE: empty, D: 'visible-secret', D_FILE: empty });
    env.secret('A');
    env.secret('B');
    env.secret('C', { required: true });
    env.secret('D');
    const problems = problemsOf(() => env.done({}));
    expect(problems.map((p) => p.key)).toEqual(['A_FILE', 'B_FILE', 'C', 'D']);
    expect(problems[0]?.reason).toContain('ENOENT');
    expect(JSON.stringify(problems)).not.toContain('visible-secret');
  });
});

describe('tlsFromEnv()', () => {
  let cert: string;
  let key: string;
  let otherKey: string;
  beforeAll(() => {
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    otherKey = join(dir, 'other.pem');
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
    execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', key, '-out', cert, '-subj', '/CN=mesh-test'], {
      stdio: 'ignore',
    });
    execFileSync(
      'openssl',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey],
      {
        stdio: 'ignore',
      },
    );
  });

  it('returns undefined when no certificate is configured', () => {
    const env = readEnv({});
    expect(env.tlsFromEnv('SOAP')).toBeUndefined();
    expect(env.problems).toEqual([]);
  });

  it('builds server options for each client-auth mode', () => {
    const none = readEnv({ SOAP_TLS_CERT_FILE: cert, SOAP_TLS_KEY_FILE: key }).tlsFromEnv('SOAP');
    expect(none).toMatchObject({ requestCert: false, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    expect(none?.cert).toContain('BEGIN CERTIFICATE');
    const env = readEnv({
      SOAP_TLS_CERT_FILE: cert,
      SOAP_TLS_KEY_FILE: key,
      SOAP_TLS_CA_FILE: cert,
      SOAP_TLS_CLIENT_AUTH: 'require',
    });
    expect(env.tlsFromEnv('SOAP')).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
      clientAuth: 'require',
    });
    expect(env.problems).toEqual([]);
    const req = readEnv({
      SOAP_TLS_CERT_FILE: cert,
      SOAP_TLS_KEY_FILE: key,
      SOAP_TLS_CLIENT_AUTH: 'request',
    });
    expect(req.tlsFromEnv('SOAP')).toMatchObject({ requestCert: true, rejectUnauthorized: false });
  });

  it('reports a missing key, require without CA, a mismatched key and a bad mode', () => {
    const a = readEnv({ X_TLS_CERT_FILE: cert, X_TLS_CLIENT_AUTH: 'require' });
    a.tlsFromEnv('X');
    expect(problemsOf(() => a.done({})).map((p) => p.key)).toEqual(['X_TLS_KEY_FILE', 'X_TLS_CA_FILE']);

    const b = readEnv({ X_TLS_CERT_FILE: cert, X_TLS_KEY_FILE: otherKey });
    expect(b.tlsFromEnv('X')).toBeUndefined();
    expect(problemsOf(() => b.done({})).map((p) => p.key)).toEqual(['X_TLS_CERT_FILE']);

    const c = readEnv({ X_TLS_CERT_FILE: cert, X_TLS_KEY_FILE: key, X_TLS_CLIENT_AUTH: 'always' });
    c.tlsFromEnv('X');
    expect(problemsOf(() => c.done({})).map((p) => p.key)).toEqual(['X_TLS_CLIENT_AUTH']);

    const d = readEnv({ X_TLS_KEY_FILE: key });
    expect(d.tlsFromEnv('X')).toBeUndefined();
    expect(problemsOf(() => d.done({})).map((p) => p.key)).toEqual(['X_TLS_KEY_FILE']);
  });
});
