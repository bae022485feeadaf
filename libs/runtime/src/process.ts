/**
 * Composes services into one running process (ADR 0003). Embedded: every service, one
 * HTTP port, one PGlite instance and the in-process bus. Distributed: one service, its own
 * port, PostgreSQL and NATS. Same code path either way; only the adapters differ.
 */
import v8 from 'node:v8';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { MESH_SERVICES } from '@mesh/core';
import type { ServiceName, ServiceSpec } from '@mesh/core';
import { connectNats, createInProcessBus } from '@mesh/bus';
import type { Bus } from '@mesh/bus';
import { migrate, openDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import {
  createHealth,
  createLogger,
  createMetrics,
  initTelemetry,
  observabilityPlugin,
} from '@mesh/observability';
import type { DeepReadonly, Health, Logger, MeshMetrics, Telemetry } from '@mesh/observability';
import { applicationActivityAudit, auditSource } from '@mesh/audit';
import { createAuditSender } from '@mesh/secure-node';
import type { AuditSender } from '@mesh/secure-node';
import { soapEndpoint } from '@mesh/soap';
import type { RuntimeConfig } from './config.js';
import type { ListenerBinding, ServiceInstance, ServiceModules } from './service.js';

/** One line of the launcher's "what is served where" report. */
export interface ServedEntry {
  readonly service: ServiceName | 'mesh';
  readonly kind: 'soap' | 'http' | 'mllp' | 'syslog-tls' | 'syslog-udp';
  /** URL (HTTP) or host:port (other listeners). */
  readonly where: string;
  /** Transactions served there, as the TF writes them. */
  readonly transactions: readonly string[];
  /** False while the service's implementation has not landed: the path answers wsa:ActionNotSupported. */
  readonly implemented: boolean;
}

export interface MeshProcess {
  readonly app: FastifyInstance;
  /** Base URL of the HTTP port, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly served: readonly ServedEntry[];
  readonly logger: Logger;
  readonly health: Health;
  readonly metrics: MeshMetrics;
  /** The process's bus and audit sender (for operations tooling and tests). */
  readonly bus: Bus;
  readonly audit: AuditSender;
  /**
   * Graceful shutdown: readiness fails, HTTP stops accepting and drains in-flight requests,
   * services stop, the audit sender flushes, bus and databases close. Idempotent.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config: DeepReadonly<RuntimeConfig>;
  /** The service implementations available to this build. */
  readonly modules: ServiceModules;
  /** Process environment, handed to each service's own loadConfig. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** For tests: a logger to use instead of stdout JSON. */
  readonly logger?: Logger;
}

/** Starts the services this process runs and listens. Rejects (after cleaning up) if any step fails. */
export async function startMeshProcess(opts: StartOptions): Promise<MeshProcess> {
  const { config, modules } = opts;
  const specs: readonly ServiceSpec[] =
    config.mode === 'embedded' ? MESH_SERVICES : MESH_SERVICES.filter((s) => s.name === config.service);
  if (specs.length === 0)
    throw new Error('distributed mode runs exactly one service per process: set MESH_SERVICE or --service');
  const processName = config.mode === 'embedded' ? 'mesh' : (specs[0] as ServiceSpec).name;
  applyHeapGrowing(config.heapGrowingPercent);
  const logger =
    opts.logger ?? createLogger({ service: processName, level: config.logLevel, pretty: config.logPretty });
  const closers: { name: string; fn: () => Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c.fn();
      } catch (err) {
        logger.error({ err, step: c.name }, 'shutdown step failed');
      }
    }
  };

  try {
    const telemetry: Telemetry = await initTelemetry({ serviceName: processName, env: opts.env });
    closers.push({ name: 'telemetry', fn: () => telemetry.shutdown() });
    const metrics = createMetrics();
    const health = createHealth({
      onCheckFailure: (name, state, error) =>
        logger.warn({ check: name, state, err: error }, 'readiness check failed'),
    });

    await mkdir(config.dataDir, { recursive: true });
    const spoolDir = join(config.dataDir, 'spool', processName);
    await mkdir(spoolDir, { recursive: true });

    const bus = await openBus(config, processName);
    closers.push({ name: 'bus', fn: () => bus.close() });
    await bus.ensureStreams();
    health.addCheck('bus', () => bus.ready());

    const audit: AuditSender = await createAuditSender({
      bus,
      spoolDir: join(config.dataDir, 'audit-spool', processName),
      sourceId: config.auditSourceId,
      logger,
    });
    closers.push({ name: 'audit-sender', fn: () => audit.close() });
    exportAuditSenderStats(metrics, audit, closers);

    const app = Fastify({
      loggerInstance: logger,
      // The observability plugin logs each request once, with transaction and trace ids.
      logController: new LogController({ disableRequestLogging: true }),
      ...(config.tls ? { https: config.tls } : {}),
      // Bodies are streamed by the SOAP plugin; this bounds only what Fastify buffers itself.
      bodyLimit: 1024 * 1024,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    }) as unknown as FastifyInstance;
    await app.register(observabilityPlugin, { service: processName, metrics, health, accessLog: true });

    const instances: { spec: ServiceSpec; instance: ServiceInstance | undefined }[] = [];
    for (const spec of specs) {
      // Every service gets its schema, implemented or not: readiness then proves the
      // database is reachable for each, and the schema exists before the first migration.
      const db: Db = await openDb({
        schema: spec.schema,
        ...(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pg') }),
        ...(config.databasePasswordFile ? { passwordFile: config.databasePasswordFile } : {}),
        applicationName: `mesh-${spec.name}`,
        onIdleError: (err) => logger.warn({ err, service: spec.name }, 'idle database connection failed'),
      });
      closers.push({ name: `db:${spec.name}`, fn: () => db.close() });
      const module = modules[spec.name];
      await migrate(db, module?.migrations ?? []);
      health.addCheck(`db:${spec.name}`, () => db.ping());
      if (!module) {
        instances.push({ spec, instance: undefined });
        continue;
      }
      const instance = await module.create({
        spec,
        db,
        bus,
        audit,
        logger: logger.child({ service: spec.name }),
        env: opts.env,
        dataDir: config.dataDir,
        spoolDir,
        clock: () => new Date(),
        metrics,
      });
      if (instance.close)
        closers.push({ name: `service:${spec.name}`, fn: () => instance.close?.() ?? Promise.resolve() });
      for (const [name, fn] of Object.entries(instance.checks ?? {}))
        health.addCheck(`${spec.name}:${name}`, fn);
      instances.push({ spec, instance });
    }

    for (const { spec, instance } of instances) {
      for (const endpoint of spec.soap) {
        await app.register(soapEndpoint, {
          path: endpoint.path,
          operations: instance?.soapOperations?.[endpoint.path] ?? [],
          ...(instance?.soapLimits?.[endpoint.path] ? { limits: instance.soapLimits[endpoint.path] } : {}),
          spoolDir,
          traceId: (request) => request.traceId,
          onDispatch: (request, info) => request.label(info.transaction, info.messageId),
          onError: (err, info) =>
            logger.error(
              { err, service: spec.name, transaction: info.transaction, wsaMessageId: info.messageId },
              'unexpected error in SOAP handler',
            ),
        });
      }
      if (instance?.registerRoutes) await instance.registerRoutes(app);
    }

    await app.listen({ host: config.host, port: config.port });
    // ATNA Secure Node: actor start and stop are audited (ITI TF-2 3.20.4.1.1.1).
    const source = auditSource(config.auditSourceId, config.auditEnterpriseSiteId);
    const application = {
      userId: `mesh-${processName}`,
      altUserId: String(process.pid),
      networkAccessPoint: hostname(),
    };
    await audit.send(
      applicationActivityAudit({
        activity: 'start',
        eventDateTime: new Date(),
        application,
        auditSource: source,
      }),
    );
    closers.push({
      name: 'audit-stop',
      fn: () =>
        audit.send(
          applicationActivityAudit({
            activity: 'stop',
            eventDateTime: new Date(),
            application,
            auditSource: source,
          }),
        ),
    });
    // Registered after listen so that it runs first on shutdown (closers run in reverse).
    closers.push({
      name: 'http',
      fn: async () => {
        health.markShuttingDown();
        await app.close();
      },
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = config.tls ? 'https' : 'http';
    const displayHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `${scheme}://${displayHost}:${port}`;

    const served: ServedEntry[] = [
      { service: 'mesh', kind: 'http', where: `${url}/healthz`, transactions: [], implemented: true },
      { service: 'mesh', kind: 'http', where: `${url}/readyz`, transactions: [], implemented: true },
      { service: 'mesh', kind: 'http', where: `${url}/metrics`, transactions: [], implemented: true },
    ];
    for (const { spec, instance } of instances) {
      for (const endpoint of spec.soap) {
        const ops = instance?.soapOperations?.[endpoint.path] ?? [];
        served.push({
          service: spec.name,
          kind: 'soap',
          where: `${url}${endpoint.path}`,
          transactions: endpoint.transactions,
          implemented: ops.length > 0,
        });
      }
      if (spec.api) {
        served.push({
          service: spec.name,
          kind: 'http',
          where: `${url}${spec.api}`,
          transactions: [],
          implemented: instance?.registerRoutes !== undefined,
        });
      }
      const bound: readonly ListenerBinding[] = instance?.startListeners
        ? await instance.startListeners(config.listenerPorts)
        : [];
      for (const l of spec.listeners) {
        const b = bound.find((x) => x.kind === l.kind);
        served.push({
          service: spec.name,
          kind: l.kind,
          where: `${displayHost}:${b?.port ?? config.listenerPorts[l.kind]}`,
          transactions: l.transactions,
          implemented: b !== undefined,
        });
      }
    }

    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      served,
      logger,
      health,
      metrics,
      bus,
      audit,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function openBus(config: DeepReadonly<RuntimeConfig>, name: string): Promise<Bus> {
  if (config.natsUrl === undefined) return createInProcessBus();
  return connectNats({
    servers: config.natsUrl,
    name: `mesh-${name}`,
    ...(config.natsSubjectPrefix ? { subjectPrefix: config.natsSubjectPrefix } : {}),
    ...(config.natsTokenFile ? { tokenFile: config.natsTokenFile } : {}),
    ...(config.natsUser ? { user: config.natsUser } : {}),
    ...(config.natsPasswordFile ? { passwordFile: config.natsPasswordFile } : {}),
    ...(config.natsTls ? { tls: config.natsTls } : {}),
  });
}

/**
 * The Secure Node's spool and delivery counters as gauges (a growing `pending` means the bus
 * has been unreachable: records are safe on disk but not yet in the audit repository).
 * Refreshed every 5 s; the interval stops with the process.
 */
function exportAuditSenderStats(
  metrics: MeshMetrics,
  audit: AuditSender,
  closers: { name: string; fn: () => Promise<void> }[],
): void {
  const gauge = metrics.gauge({
    name: 'mesh_audit_sender',
    help: 'ATNA Secure Node sender: records pending in the spool, spool bytes, and delivery counters since start.',
    labelNames: ['stat'],
  });
  const refresh = (): void => {
    for (const [stat, value] of Object.entries(audit.stats()) as [string, number][])
      gauge.set({ stat }, value);
  };
  refresh();
  const timer = setInterval(refresh, 5_000);
  timer.unref();
  closers.push({
    name: 'audit-metrics',
    fn: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  });
}

/**
 * Sets V8's old-generation growing factor for this process (V8 reads the flag at every full
 * collection, so setting it after start-up takes effect). V8's own factor adapts to the
 * collector's speed and the allocation rate; for the mesh's request loads it either grew the
 * heap far past the live data (the registry: peak RSS about 290 MB against 237 MB with 100) or
 * kept it tight, with about ten full collections a second while ITI-43 streamed 1 MB
 * documents (the repository: 4.7-5.0 against 2.8-3.0 ms of CPU per retrieval with 100).
 * Measured on the 2-core development machine, 2026-11-26.
 */
function applyHeapGrowing(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
