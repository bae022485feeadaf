/**
 * The runtime's configuration: parsed once from the environment by {@link loadRuntimeConfig},
 * failing fast with every bad key named, frozen, then passed into {@link startMeshProcess}.
 */
import { isAbsolute, resolve } from 'node:path';
import { MESH_SERVICES, isServiceName } from '@mesh/core';
import type { ServiceName } from '@mesh/core';
import { readEnv } from '@mesh/observability';
import type { DeepReadonly, EnvSource, TlsServerOptions } from '@mesh/observability';

export type ListenerKind = 'mllp' | 'syslog-tls' | 'syslog-udp';

export interface RuntimeConfig {
  /** embedded: every service in one process (PGlite, in-process bus); distributed: PostgreSQL and NATS. */
  readonly mode: 'embedded' | 'distributed';
  /**
   * Distributed: the one service this process runs (MESH_SERVICE or --service). Absent in
   * distributed mode means "supervise": start one child process per service.
   */
  readonly service: ServiceName | undefined;
  readonly host: string;
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly databasePasswordFile: string | undefined;
  readonly natsUrl: string | undefined;
  /**
   * NATS_SUBJECT_PREFIX: namespaces every subject and stream (dot-separated tokens ending in
   * '.', e.g. `staging.`), so several meshes or test runs can share one NATS server.
   */
  readonly natsSubjectPrefix: string | undefined;
  /** NATS credentials from files: NATS_TOKEN_FILE, or NATS_USER with NATS_PASSWORD_FILE. */
  readonly natsTokenFile: string | undefined;
  readonly natsUser: string | undefined;
  readonly natsPasswordFile: string | undefined;
  /** NATS TLS: NATS_TLS_CA_FILE, and NATS_TLS_CERT_FILE / NATS_TLS_KEY_FILE for mutual TLS. */
  readonly natsTls:
    { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string } | undefined;
  /** HTTPS on the HTTP port when TLS_CERT_FILE/TLS_KEY_FILE are set (TLS_CA_FILE, TLS_CLIENT_AUTH for mutual TLS). */
  readonly tls: TlsServerOptions | undefined;
  readonly listenerPorts: Readonly<Record<ListenerKind, number>>;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly logPretty: boolean;
  /** How long graceful shutdown may take before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** ATNA AuditSourceID of this deployment's audit records (AUDIT_SOURCE_ID). */
  readonly auditSourceId: string;
  /** ATNA AuditEnterpriseSiteID (AUDIT_ENTERPRISE_SITE_ID), e.g. the agency's OID. */
  readonly auditEnterpriseSiteId: string | undefined;
  /**
   * V8_HEAP_GROWING_PERCENT: how much V8 lets the old generation grow past what the last full
   * collection kept before it collects again (V8's `--heap-growing-percent`, applied by
   * {@link startMeshProcess}); 0 leaves V8's own adaptive factor. Default 100: a factor of 2.
   */
  readonly heapGrowingPercent: number;
}

/**
 * Reads the runtime configuration. `argvService` is the `--service` command-line value,
 * which wins over MESH_SERVICE. Throws ConfigError naming every bad key.
 */
export function loadRuntimeConfig(source: EnvSource, argvService?: string): DeepReadonly<RuntimeConfig> {
  const env = readEnv(source);
  const databaseUrl = env.url('DATABASE_URL', { protocols: ['postgres:', 'postgresql:'] });
  const natsUrl = env.url('NATS_URL', { protocols: ['nats:', 'tls:', 'ws:', 'wss:'] });
  if ((databaseUrl === undefined) !== (natsUrl === undefined)) {
    env.problem(
      databaseUrl === undefined ? 'DATABASE_URL' : 'NATS_URL',
      'distributed mode needs both DATABASE_URL and NATS_URL; set both or neither',
    );
  }
  const mode = databaseUrl !== undefined && natsUrl !== undefined ? 'distributed' : 'embedded';
  const serviceRaw = argvService ?? env.str('MESH_SERVICE');
  let service: ServiceName | undefined;
  if (serviceRaw !== undefined) {
    if (!isServiceName(serviceRaw)) {
      env.problem(
        argvService === undefined ? 'MESH_SERVICE' : '--service',
        `unknown service '${serviceRaw}'; one of ${MESH_SERVICES.map((s) => s.name).join(', ')}`,
      );
    } else if (mode === 'embedded') {
      env.problem(
        argvService === undefined ? 'MESH_SERVICE' : '--service',
        'one service per process needs distributed mode (DATABASE_URL and NATS_URL)',
      );
    } else {
      service = serviceRaw;
    }
  }
  const defaultPort =
    service === undefined ? 8080 : (MESH_SERVICES.find((s) => s.name === service)?.defaultPort ?? 8080);
  const dataDirRaw = env.str('DATA_DIR', { default: './data' });
  const config: RuntimeConfig = {
    mode,
    service,
    // Embedded mode is a developer's or tester's mesh: loopback unless told otherwise.
    // A container (distributed) must listen on all interfaces to be reachable.
    host: env.str('HOST', { default: mode === 'embedded' ? '127.0.0.1' : '0.0.0.0' }),
    port: env.int('PORT', { default: defaultPort, min: 0, max: 65535 }),
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(dataDirRaw),
    databaseUrl,
    databasePasswordFile: env.str('DATABASE_PASSWORD_FILE'),
    natsUrl,
    natsSubjectPrefix: env.str('NATS_SUBJECT_PREFIX', { pattern: /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.$/ }),
    natsTokenFile: env.str('NATS_TOKEN_FILE'),
    natsUser: env.str('NATS_USER'),
    natsPasswordFile: env.str('NATS_PASSWORD_FILE'),
    natsTls: natsTls(env),
    tls: env.tlsFromEnv('TLS'),
    listenerPorts: {
      mllp: env.int('MLLP_PORT', { default: 2575, min: 0, max: 65535 }),
      'syslog-tls': env.int('SYSLOG_TLS_PORT', { default: 6514, min: 0, max: 65535 }),
      'syslog-udp': env.int('SYSLOG_UDP_PORT', { default: 5514, min: 0, max: 65535 }),
    },
    logLevel: env.enumOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    logPretty: env.bool('LOG_PRETTY', { default: false }),
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', { default: 25_000, min: 100, max: 600_000 }),
    auditSourceId: env.str('AUDIT_SOURCE_ID', { default: 'ihe-mesh' }),
    auditEnterpriseSiteId: env.str('AUDIT_ENTERPRISE_SITE_ID'),
    heapGrowingPercent: env.int('V8_HEAP_GROWING_PERCENT', { default: 100, min: 0, max: 1000 }),
  };
  return env.done(config);
}

function natsTls(env: ReturnType<typeof readEnv>): RuntimeConfig['natsTls'] {
  const caFile = env.str('NATS_TLS_CA_FILE');
  const certFile = env.str('NATS_TLS_CERT_FILE');
  const keyFile = env.str('NATS_TLS_KEY_FILE');
  if (caFile === undefined && certFile === undefined && keyFile === undefined) return undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    env.problem(
      certFile === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE',
      'set both NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE, or neither',
    );
  }
  return {
    ...(caFile === undefined ? {} : { caFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}
