/**
 * `pnpm bench [name ...]`: runs the benchmarks (`libs/<pkg>/bench/*.bench.ts`,
 * `services/<svc>/bench/*.bench.ts`) one after another, each in its own process so one's
 * memory does not skew another's RSS numbers. A name selects a package (`soap`) or a file
 * (`mtom-parse`). Benchmarks print numbers; none asserts timings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function benches(): { pkg: string; file: string }[] {
  const out: { pkg: string; file: string }[] = [];
  for (const area of ['libs', 'services']) {
    for (const pkg of readdirSync(join(root, area))) {
      const dir = join(root, area, pkg, 'bench');
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort())
        if (f.endsWith('.bench.ts')) out.push({ pkg, file: join(dir, f) });
    }
  }
  return out;
}

const names = process.argv.slice(2);
const all = benches();
const selected =
  names.length === 0
    ? all
    : all.filter((b) => names.some((n) => b.pkg === n || basename(b.file, '.bench.ts') === n));
if (selected.length === 0) {
  process.stderr.write(
    `no benchmark matches ${names.join(' ')}; available: ${all.map((b) => `${b.pkg}/${basename(b.file, '.bench.ts')}`).join(', ')}\n`,
  );
  process.exit(2);
}
let failed = 0;
for (const b of selected) {
  process.stdout.write(`\n=== ${b.pkg}/${basename(b.file, '.bench.ts')} ===\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', b.file], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
