/**
 * The mesh launcher: the only module with side effects at import. `npm start` runs it.
 *
 * - embedded (default): every service in this process on one HTTP port (PORT, 8080),
 *   PGlite and files under DATA_DIR (./data), the in-process bus;
 * - distributed (DATABASE_URL and NATS_URL set): `--service <name>` (or MESH_SERVICE) runs
 *   that one service on its own port; without it, one child process per service.
 */
import { ConfigError, createLifecycle } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import { MODULES } from './modules.js';
import { formatServed } from './report.js';
import { superviseServices } from './supervisor.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadRuntimeConfig(process.env, argValue('--service'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (config.mode === 'distributed' && config.service === undefined) {
    return superviseServices({
      env: process.env,
      basePort: config.port,
      log: (l) => process.stdout.write(`${l}\n`),
    });
  }
  const mesh = await startMeshProcess({ config, modules: MODULES, env: process.env });
  process.stdout.write(`${formatServed(config.mode, mesh.served)}\n`);

  const lifecycle = createLifecycle({
    logger: mesh.logger,
    timeoutMs: config.shutdownTimeoutMs,
    health: mesh.health,
  });
  lifecycle.onShutdown('mesh', () => mesh.close());
  lifecycle.installSignalHandlers();
  // The lifecycle exits the process once shutdown completes (0) or fails or overruns (1).
  return new Promise<number>(() => undefined);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `mesh failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
