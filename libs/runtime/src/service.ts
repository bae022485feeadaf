/**
 * The contract every IHE actor service implements (HOUSE_STYLE "Handlers receive their
 * ports"). A service module is pure composition: given its ports it returns the SOAP
 * operations, admin routes and listeners it serves. The runtime opens the ports, applies
 * migrations, mounts what the service returns and tears it down on shutdown; the launcher
 * decides which services run in which process.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceName, ServiceSpec } from '@mesh/core';
import type { Bus } from '@mesh/bus';
import type { Db, Migration } from '@mesh/db';
import type { SoapLimits, SoapOperation } from '@mesh/soap';
import type { AuditSender } from '@mesh/secure-node';
import type { MeshMetrics } from '@mesh/observability';

/** pino-compatible logger surface the runtime hands to services. */
export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): ServiceLogger;
}

/** Wall clock, injectable for tests. */
export type Clock = () => Date;

/** The ports a service receives. Each service sees only its own schema. */
export interface ServiceContext {
  readonly spec: ServiceSpec;
  readonly db: Db;
  readonly bus: Bus;
  readonly audit: AuditSender;
  readonly logger: ServiceLogger;
  /** The process environment, for the service's own `loadConfig(env)`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Persistent data directory of this process (DATA_DIR), for files the service owns. */
  readonly dataDir: string;
  /** Where streamed attachments are spooled while a request is in flight. */
  readonly spoolDir: string;
  readonly clock: Clock;
  /** The process's metrics registry, for the service's own `mesh_` metrics (exposed at /metrics). */
  readonly metrics?: MeshMetrics;
}

/** A non-HTTP listener a service opened (MLLP, syslog), for the launcher's report. */
export interface ListenerBinding {
  readonly kind: 'mllp' | 'syslog-tls' | 'syslog-udp';
  readonly port: number;
  readonly tls: boolean;
}

/** What a running service contributes to its process. */
export interface ServiceInstance {
  /** SOAP operations by endpoint path (paths from the service's {@link ServiceSpec}). */
  readonly soapOperations?: Readonly<Record<string, readonly SoapOperation[]>>;
  /** Limits of a SOAP endpoint other than the defaults of `@mesh/soap`, by endpoint path. */
  readonly soapLimits?: Readonly<Record<string, Partial<SoapLimits>>>;
  /** Admin/search routes (under the service's `/api/...` prefix). */
  registerRoutes?(app: FastifyInstance): void | Promise<void>;
  /** Opens MLLP/syslog listeners on the given ports (0 = any free port). */
  startListeners?(
    ports: Readonly<Record<ListenerBinding['kind'], number>>,
  ): Promise<readonly ListenerBinding[]>;
  /** Readiness checks beyond the database and bus the runtime already checks. */
  readonly checks?: Readonly<Record<string, () => Promise<void>>>;
  /** Stops background work; called after HTTP has drained, before ports close. */
  close?(): Promise<void>;
}

/** A service implementation, as later issues add them (registry, repository, mpi, ...). */
export interface ServiceModule {
  readonly name: ServiceName;
  /** The service's versioned SQL migrations, applied to its schema at start. */
  readonly migrations: readonly Migration[];
  create(ctx: ServiceContext): Promise<ServiceInstance>;
}

export type ServiceModules = Readonly<Partial<Record<ServiceName, ServiceModule>>>;
