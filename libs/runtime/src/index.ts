export type {
  Clock,
  ListenerBinding,
  ServiceContext,
  ServiceInstance,
  ServiceLogger,
  ServiceModule,
  ServiceModules,
} from './service.js';
export { loadRuntimeConfig } from './config.js';
export type { ListenerKind, RuntimeConfig } from './config.js';
export { startMeshProcess } from './process.js';
export type { MeshProcess, ServedEntry, StartOptions } from './process.js';
export { createOutbox } from './outbox.js';
export type { Outbox, OutboxOptions, OutboxRow, StagedEvent } from './outbox.js';
