/**
 * A repository mesh process for the crash test (crash.int.test.ts): embedded (PGlite under
 * DATA_DIR, in-process bus) with a registry stand-in on the bus that never answers, so an ITI-41
 * stays exactly between "bytes stored as pending" and "registry answered" until the parent kills
 * this process with SIGKILL. IPC: sends `{ ready: url }` once listening and `{ registering: true }`
 * when the ITI-42 reaches the stand-in.
 */
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import { repositoryService } from './service.js';

const mesh = await startMeshProcess({
  config: loadRuntimeConfig(process.env),
  modules: { repository: repositoryService },
  env: process.env,
  logger: createLogger({ service: 'crash-child', level: 'silent' }),
});
const sub = mesh.bus.serve('registry.register', () => {
  process.send?.({ registering: true });
  return new Promise(() => undefined);
});
await sub.ready;
process.send?.({ ready: mesh.url });
