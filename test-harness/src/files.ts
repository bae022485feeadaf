/**
 * Expansion of the file arguments of the CLI. Shells differ (`**` needs `globstar` in bash),
 * and Node 20 has no `fs.glob`, so the harness expands patterns itself: `*` and `?` within a
 * path segment, `**` across segments; a directory stands for every `.yaml`/`.yml` under it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const isYaml = (f: string): boolean => /\.ya?ml$/i.test(f);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Glob pattern (forward slashes) -> anchored regular expression over a relative path. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Absolute paths of the scenario files named by `args` (files, directories or patterns),
 * de-duplicated and sorted. Throws when an argument matches nothing.
 */
export function expandScenarioPaths(args: readonly string[], cwd = process.cwd()): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    const norm = arg.split(sep).join('/');
    const wild = norm.search(/[*?]/);
    let matched: string[];
    if (wild < 0) {
      const p = resolve(cwd, arg);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        throw new Error(`no such scenario file or directory: ${arg}`);
      }
      matched = isDir ? walk(p).filter(isYaml) : [p];
    } else {
      const slash = norm.lastIndexOf('/', wild);
      const baseRel = slash < 0 ? '.' : norm.slice(0, slash) || '/';
      const base = resolve(cwd, baseRel);
      const rx = globToRegExp(slash < 0 ? norm : norm.slice(slash + 1));
      let files: string[] = [];
      try {
        files = walk(base);
      } catch {
        files = [];
      }
      matched = files.filter((f) => rx.test(relative(base, f).split(sep).join('/')));
    }
    if (matched.length === 0) throw new Error(`no scenario file matches ${arg}`);
    for (const m of matched) out.add(m);
  }
  return [...out].sort();
}
