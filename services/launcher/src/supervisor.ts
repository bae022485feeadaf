/**
 * Distributed mode without --service: start one child process per service (each on its own
 * HTTP port, same paths), forward termination signals and exit when they have all exited.
 * This is what a developer runs to try the distributed layout on one machine; Kubernetes
 * runs one `--service` process per pod instead (k8s/).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MESH_SERVICES } from '@mesh/core';

export interface SupervisorOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Base HTTP port: service i listens on basePort + i + 1 unless its own *_PORT says otherwise. */
  readonly basePort: number;
  readonly log: (line: string) => void;
}

/** Spawns every service and resolves with the exit code once all children have exited. */
export function superviseServices(opts: SupervisorOptions): Promise<number> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const children: ChildProcess[] = [];
  let worst = 0;
  return new Promise((resolve) => {
    let alive = 0;
    MESH_SERVICES.forEach((spec, i) => {
      const port = opts.basePort === 0 ? 0 : opts.basePort + i + 1;
      // Only the service that owns a listener gets its port; the others would not open it anyway.
      const child = spawn(process.execPath, [...process.execArgv, main, '--service', spec.name], {
        env: { ...opts.env, PORT: String(port), MESH_SERVICE: spec.name },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      alive++;
      children.push(child);
      opts.log(`[launcher] started ${spec.name} (pid ${child.pid ?? '?'}) on port ${port}`);
      child.on('exit', (code, signal) => {
        opts.log(`[launcher] ${spec.name} exited (${signal ?? code})`);
        if ((code ?? 1) !== 0 && signal !== 'SIGTERM') worst = code ?? 1;
        if (--alive === 0) resolve(worst);
      });
    });
    const stop = (signal: NodeJS.Signals): void => {
      for (const c of children) if (c.exitCode === null) c.kill(signal);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGTERM'));
  });
}
