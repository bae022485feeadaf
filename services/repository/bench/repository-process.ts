/**
 * The repository as its own distributed process for the benchmark (PostgreSQL + NATS from the
 * environment, MESH_SERVICE=repository), started by repository.bench.ts as a child so that its
 * RSS is the server's alone. It samples its RSS every 10 ms and answers IPC messages:
 * `{ cmd: 'mark' }` resets the peak to the current RSS, `{ cmd: 'peak' }` replies
 * `{ base, peak, overall }` in bytes (overall: the highest RSS since start). Sends `{ ready: url }` once listening.
 */
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import { repositoryService } from '../src/index.js';

const mesh = await startMeshProcess({
  config: loadRuntimeConfig(process.env),
  modules: { repository: repositoryService },
  env: process.env,
  logger: createLogger({ service: 'repository-bench', level: 'warn' }),
});

let base = process.memoryUsage().rss;
let peak = base;
/** The highest RSS since start, never reset. */
let overall = base;
setInterval(() => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  overall = Math.max(overall, rss);
}, 10).unref();

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'mark') {
    global.gc?.();
    base = process.memoryUsage().rss;
    peak = base;
    process.send?.({ marked: base });
  } else if (m.cmd === 'peak') {
    process.send?.({ base, peak: Math.max(peak, process.memoryUsage().rss), overall });
  } else if (m.cmd === 'stop') {
    void mesh.close().then(() => process.exit(0));
  }
});
process.send?.({ ready: mesh.url });
