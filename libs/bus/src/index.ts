/**
 * @mesh/bus: the typed subject catalogue and the Bus port with its two implementations,
 * NATS + JetStream (`connectNats`) and in-process (`createInProcessBus`).
 */
export * from './subjects.js';
export * from './bus.js';
export * from './errors.js';
export { createInProcessBus } from './in-process.js';
export type { InProcessBusOptions } from './in-process.js';
export { connectNats } from './nats.js';
export type { NatsBus, NatsBusOptions } from './nats.js';
