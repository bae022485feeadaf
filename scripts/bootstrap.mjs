#!/usr/bin/env node
// The README's two commands on a fresh machine with only Node and npm:
//   npm start  -> bootstrap, then start the whole mesh on its embedded default
//   npm test   -> bootstrap, then lint + typecheck + every test (pnpm check)
// Bootstrap = use pnpm at the pinned version (installing it under .tools/ with npm when the
// machine has no such pnpm), then install from the lockfile when node_modules is missing or
// older than the lockfile. Plain Node: no dependency may be needed before it runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const isWin = process.platform === 'win32';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: isWin, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function versionOf(cmd) {
  const r = spawnSync(cmd, ['--version'], { cwd: root, encoding: 'utf8', shell: isWin });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function pnpmCommand() {
  if (versionOf('pnpm') === PNPM_VERSION) return 'pnpm';
  const local = join(root, '.tools', 'node_modules', '.bin', isWin ? 'pnpm.cmd' : 'pnpm');
  if (!existsSync(local) || versionOf(local) !== PNPM_VERSION) {
    console.error(`[bootstrap] installing pnpm@${PNPM_VERSION} into .tools/`);
    mkdirSync(join(root, '.tools'), { recursive: true });
    const status = run('npm', [
      'install',
      '--no-save',
      '--no-package-lock',
      '--prefix',
      join(root, '.tools'),
      `pnpm@${PNPM_VERSION}`,
    ]);
    if (status !== 0) process.exit(status);
  }
  return local;
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return statSync(join(root, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
}

const task = process.argv[2];
if (task !== 'start' && task !== 'test') {
  console.error('usage: bootstrap.mjs start|test');
  process.exit(2);
}
const pnpm = pnpmCommand();
if (needsInstall()) {
  const status = run(pnpm, ['install', '--frozen-lockfile']);
  if (status !== 0) process.exit(status);
}
process.exit(run(pnpm, ['run', task === 'start' ? 'mesh' : 'check', ...process.argv.slice(3)]));
