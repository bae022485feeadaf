/**
 * @mesh/observability: what operations teams see of the mesh on Kubernetes. Environment
 * config with `*_FILE` secrets, pino logs with central redaction, OpenTelemetry tracing
 * with W3C Trace Context, Prometheus metrics, health/readiness probes, graceful shutdown,
 * and a Fastify plugin tying them to each request.
 */
export * from './config.js';
export * from './redact.js';
export * from './logger.js';
export * from './trace-context.js';
export * from './telemetry.js';
export * from './metrics.js';
export * from './health.js';
export * from './lifecycle.js';
export * from './plugin.js';
