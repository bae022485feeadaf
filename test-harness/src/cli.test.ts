import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml, select, selectString } from '@mesh/xml';
import { main } from './cli.js';
import { expandScenarioPaths, globToRegExp } from './files.js';
import { startHttp } from './fake-servers.test-helper.js';
import type { FakeHttp } from './fake-servers.test-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-cli-'));
mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
const write = (rel: string, text: string): string => {
  const p = join(dir, rel);
  writeFileSync(p, text);
  return p;
};
const passing = write(
  'pass.yaml',
  `id: p\ntags: [smoke]\nsteps:\n  - http: { path: /ok }\n    expect: { status: 200, bodyContains: fine }\n`,
);
const failing = write(
  'sub/fail.yaml',
  `id: f\ntitle: Failing & <escaped>\ntags: [other]\nsteps:\n  - http: { path: /ok }\n    expect: { status: 201 }\n  - http: { path: /ok }\n`,
);
write('sub/deep/mllp.yaml', `id: m\ntags: [smoke]\nsteps:\n  - mllp: { message: "MSH|^~\\\\&|A" }\n`);
const withVar = write(
  'var.yaml',
  `id: v\nsteps:\n  - http: { path: '\${p}' }\n    expect: { status: 200 }\n`,
);
const invalid = write('invalid.yml.txt', `id: x\nsteps:\n  - http: { path: /ok, verb: GET }\n`);

let http: FakeHttp;
beforeAll(async () => {
  http = await startHttp((req) => (req.url === '/ok' ? { status: 200, body: 'all fine' } : { status: 404 }));
});
afterAll(() => http.close());

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('CLI', () => {
  it('exit 0 when everything selected passed; one line per step and a summary', async () => {
    const r = await cli(['run', '--base-url', http.url, passing]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS p: p [smoke]');
    expect(r.out).toMatch(/ {2}PASS 1\. GET \/ok \(\d+ ms\)/);
    expect(r.out).toMatch(/OK: 1 scenarios, 1 passed, 0 failed, 0 skipped; 1 steps, 0 failed/);
  });

  it('exit 1 on a failure, with expected vs actual and the response excerpt; JUnit report written', async () => {
    const report = join(dir, 'junit.xml');
    const r = await cli(['run', '--base-url', http.url, '--report', report, passing, failing]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL 1. GET /ok');
    expect(r.out).toContain('status: expected 201, got 200');
    expect(r.out).toContain('| all fine');
    expect(r.out).toContain('SKIP 2. GET /ok');
    const doc = parseXml(readFileSync(report));
    expect(selectString('/testsuites/@tests', doc)).toBe('3');
    expect(selectString('/testsuites/@failures', doc)).toBe('1');
    expect(selectString('//testsuite[@name="f"]/testcase[1]/failure/@message', doc)).toBe('status');
    expect(selectString('//testsuite[@name="f"]/testcase[1]/failure', doc)).toContain(
      'expected 201, got 200',
    );
    expect(select('//testsuite[@name="f"]/testcase[2]/skipped', doc)).toHaveLength(1);
    expect(select('//testsuite[@name="p"]/testcase/failure', doc)).toHaveLength(0);
  });

  it('skips scenarios whose transport is not configured; --fail-on-skip makes that exit 1', async () => {
    const r = await cli(['run', '--base-url', http.url, '--tag', 'smoke', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('SKIP m: m');
    expect(r.out).toContain('needs --mllp');
    expect(r.out).not.toContain(' f: ');
    expect((await cli(['run', '--base-url', http.url, '--tag', 'smoke', '--fail-on-skip', dir])).code).toBe(
      1,
    );
  });

  it('exit 2 for an invalid scenario file, naming file and step', async () => {
    const r = await cli(['run', '--base-url', http.url, invalid]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `invalid scenario: ${invalid}: scenario 'x' step 1 (http): http: unknown key 'verb'`,
    );
    expect((await cli(['validate', invalid])).code).toBe(2);
    expect((await cli(['validate', passing, failing])).out).toContain('2 scenarios in 2 files are valid');
  });

  it('exit 2 for usage errors', async () => {
    expect((await cli(['run', passing])).err).toContain('--base-url is required');
    expect((await cli(['run', '--base-url', http.url, '--mllp', 'nohost', passing])).err).toContain(
      '--mllp expects HOST:PORT',
    );
    expect((await cli(['run', '--base-url', http.url, '--bogus', passing])).code).toBe(2);
    expect((await cli(['run', '--base-url', http.url, join(dir, 'none*.yaml')])).err).toContain(
      'no scenario file matches',
    );
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('--route sends matching paths to another base URL', async () => {
    const args = ['run', '--base-url', 'http://127.0.0.1:1', '--var', 'p=/ok'];
    expect((await cli([...args, withVar])).code).toBe(1);
    expect((await cli([...args, '--route', `/ok=${http.url}`, withVar])).code).toBe(0);
    expect((await cli([...args, '--route', 'ok=nowhere', withVar])).err).toContain('--route expects');
  });

  it('--var defines variables for every scenario', async () => {
    expect((await cli(['run', '--base-url', http.url, '--var', 'p=/ok', withVar])).code).toBe(0);
    expect((await cli(['run', '--base-url', http.url, '--var', 'p=/nope', withVar])).code).toBe(1);
  });

  it('the process exit code follows the result (tsx entry point)', async () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const run = (files: string[]): Promise<number> =>
      new Promise((res) => {
        execFile(
          join(repo, 'node_modules/.bin/tsx'),
          ['test-harness/src/cli.ts', 'run', '--base-url', http.url, ...files],
          { cwd: repo },
          (e) => res(e ? Number((e as { code?: number }).code) : 0),
        );
      });
    expect(await run([passing])).toBe(0);
    expect(await run([failing])).toBe(1);
    expect(await run([invalid])).toBe(2);
  });
});

describe('file arguments', () => {
  it('expands directories and globs (** across directories)', () => {
    expect(expandScenarioPaths([dir]).map((p) => p.slice(dir.length))).toEqual([
      '/pass.yaml',
      '/sub/deep/mllp.yaml',
      '/sub/fail.yaml',
      '/var.yaml',
    ]);
    expect(expandScenarioPaths([`${dir}/**/*.yaml`]).length).toBe(4);
    expect(expandScenarioPaths([`${dir}/sub/*.yaml`]).map((p) => p.slice(dir.length))).toEqual([
      '/sub/fail.yaml',
    ]);
    expect(expandScenarioPaths([passing, passing])).toEqual([passing]);
    expect(globToRegExp('a/**/b?.yaml').test('a/x/y/b1.yaml')).toBe(true);
    expect(globToRegExp('a/*.yaml').test('a/x/b.yaml')).toBe(false);
  });
});
