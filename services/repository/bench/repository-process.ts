/**
 * The repository as its own distributed process for the benchmark (PostgreSQL + NATS from the
 * environment, MESH_SERVICE=repository), started by repository.bench.ts as a child so that its
 * RSS is the server's alone. It samples its RSS every 10 ms and answers IPC messages:
 * `{ cmd: 'mark' }` resets the peak to the current RSS (after a full GC) and replies
 * `{ marked, usage }`, `{ cmd: 'peak' }` replies `{ base, peak, overall, atPeak }` in bytes
 * (overall: the highest RSS since start; atPeak: process.memoryUsage() at the peak). Sends `{ ready: url }` once listening.
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

let base = process.memoryUsage.rss();
let peak = base;
/** process.memoryUsage() when the peak was reached: where the memory was (V8 heap, buffers). */
let atPeak = process.memoryUsage();
/** The highest RSS since start, never reset. */
let overall = base;
setInterval(() => {
  // memoryUsage.rss() only: the full memoryUsage() walks the V8 heap, too dear every 10 ms.
  const rss = process.memoryUsage.rss();
  if (rss > peak) {
    peak = rss;
    atPeak = process.memoryUsage();
  }
  overall = Math.max(overall, rss);
}, 10).unref();

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'mark') {
    global.gc?.();
    atPeak = process.memoryUsage();
    base = atPeak.rss;
    peak = base;
    process.send?.({ marked: base, usage: atPeak });
  } else if (m.cmd === 'peak') {
    process.send?.({ base, peak, overall, atPeak });
  } else if (m.cmd === 'stop') {
    void mesh.close().then(() => process.exit(0));
  }
});
process.send?.({ ready: mesh.url });
