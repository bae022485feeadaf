/**
 * Command line of the conformance runner.
 *
 *   tsx test-harness/src/cli.ts run --base-url http://127.0.0.1:8080 [options] <files|dirs|globs...>
 *   tsx test-harness/src/cli.ts validate <files|dirs|globs...>
 *
 * Exit codes: 0 every selected scenario passed, 1 at least one failed (or, with
 * --fail-on-skip, was skipped), 2 usage error or invalid scenario file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { expandScenarioPaths } from './files.js';
import { ScenarioFileError, loadScenarioFiles } from './load.js';
import type { HostPort, Target } from './model.js';
import { formatScenario, formatSummary, toJUnit } from './report.js';
import { runScenarios } from './runner.js';

const USAGE = `usage:
  mesh-harness run --base-url URL [options] <scenario files | directories | globs...>
  mesh-harness validate <scenario files | directories | globs...>

options of run:
  --base-url URL          HTTP(S) base of the system under test (required)
  --route /PATH=URL       send steps whose path starts with /PATH to URL instead (repeatable;
                          e.g. one service per port: --route /xds/registry=http://h:8081)
  --mllp HOST:PORT        MLLP endpoint (scenarios with mllp steps are skipped without it)
  --mllp-tls HOST:PORT    MLLP over TLS instead
  --syslog-tls HOST:PORT  syslog over TLS (RFC 5425)
  --syslog-udp HOST:PORT  syslog over UDP (RFC 5426)
  --ca FILE               PEM trust anchors for TLS connections
  --cert FILE --key FILE  PEM client certificate and key (mutual TLS)
  --tag TAG               run only scenarios with this tag (repeatable: any of them)
  --var NAME=VALUE        define a variable for every scenario (repeatable)
  --timeout MS            default per-step timeout (10000)
  --report FILE           also write a JUnit XML report
  --fail-on-skip          exit 1 when a scenario is skipped
`;

/** Where the CLI writes; tests pass collectors. */
export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

class UsageError extends Error {}

function hostPort(v: string | undefined, flag: string): HostPort | undefined {
  if (v === undefined) return undefined;
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(v);
  if (!m) throw new UsageError(`${flag} expects HOST:PORT, got '${v}'`);
  return { host: m[1] as string, port: Number(m[2]) };
}

function readPem(path: string | undefined, flag: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'base-url': { type: 'string' },
        mllp: { type: 'string' },
        'mllp-tls': { type: 'string' },
        'syslog-tls': { type: 'string' },
        'syslog-udp': { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        tag: { type: 'string', multiple: true },
        var: { type: 'string', multiple: true },
        route: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        report: { type: 'string' },
        'fail-on-skip': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const [command, ...patterns] = positionals;
    if (command !== 'run' && command !== 'validate')
      throw new UsageError(`unknown command '${command ?? ''}'`);
    if (patterns.length === 0) throw new UsageError('no scenario files given');
    let files: string[];
    try {
      files = expandScenarioPaths(patterns);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (command === 'validate') {
      const n = loadScenarioFiles(files).length;
      io.out(`${n} scenarios in ${files.length} files are valid\n`);
      return 0;
    }
    const baseUrl = values['base-url'];
    if (!baseUrl) throw new UsageError('--base-url is required');
    if (!/^https?:\/\//.test(baseUrl))
      throw new UsageError(`--base-url must be an http(s) URL, got '${baseUrl}'`);
    if (values.mllp && values['mllp-tls']) throw new UsageError('give --mllp or --mllp-tls, not both');
    if ((values.cert === undefined) !== (values.key === undefined))
      throw new UsageError('--cert and --key go together');
    const vars: Record<string, string> = {};
    for (const v of values.var ?? []) {
      const i = v.indexOf('=');
      if (i <= 0) throw new UsageError(`--var expects NAME=VALUE, got '${v}'`);
      vars[v.slice(0, i)] = v.slice(i + 1);
    }
    const routes: Record<string, string> = {};
    for (const r of values.route ?? []) {
      const i = r.indexOf('=');
      const path = r.slice(0, i);
      const url = r.slice(i + 1);
      if (i <= 0 || !path.startsWith('/') || !/^https?:\/\//.test(url))
        throw new UsageError(`--route expects /path=http(s)://host:port, got '${r}'`);
      routes[path] = url;
    }
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
      throw new UsageError(`--timeout expects milliseconds, got '${values.timeout}'`);
    const mllpPlain = hostPort(values.mllp, '--mllp');
    const mllpTls = hostPort(values['mllp-tls'], '--mllp-tls');
    const syslogTls = hostPort(values['syslog-tls'], '--syslog-tls');
    const syslogUdp = hostPort(values['syslog-udp'], '--syslog-udp');
    const ca = readPem(values.ca, '--ca');
    const cert = readPem(values.cert, '--cert');
    const key = readPem(values.key, '--key');
    const target: Target = {
      baseUrl,
      ...(Object.keys(routes).length > 0 ? { routes } : {}),
      ...(mllpPlain ? { mllp: mllpPlain } : mllpTls ? { mllp: { ...mllpTls, tls: true } } : {}),
      ...(syslogTls ? { syslogTls } : {}),
      ...(syslogUdp ? { syslogUdp } : {}),
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
    };
    const report = await runScenarios({
      files,
      target,
      vars,
      ...(values.tag ? { tags: values.tag } : {}),
      onScenario: (r) => io.out(`${formatScenario(r)}\n`),
    });
    io.out(`\n${formatSummary(report)}\n`);
    if (values.report) writeFileSync(values.report, toJUnit(report));
    if (!report.ok) return 1;
    if (values['fail-on-skip'] && report.skipped > 0) return 1;
    return 0;
  } catch (e) {
    if (e instanceof ScenarioFileError) {
      io.err(`invalid scenario: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`harness error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
