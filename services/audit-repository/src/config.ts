/** The audit repository's own configuration, read once from the environment. */
import { readEnv } from '@mesh/observability';
import type { DeepReadonly, EnvSource, TlsServerOptions } from '@mesh/observability';

export interface AuditRepositoryConfig {
  /**
   * Syslog over TLS (RFC 5425): SYSLOG_TLS_CERT_FILE / SYSLOG_TLS_KEY_FILE, SYSLOG_TLS_CA_FILE
   * and SYSLOG_TLS_CLIENT_AUTH=require for mutual TLS (ATNA node authentication). Without a
   * certificate the TLS listener is not opened (UDP and the bus still are).
   */
  readonly syslogTls: TlsServerOptions | undefined;
  /** Largest syslog message accepted, in octets (AUDIT_SYSLOG_MAX_MESSAGE_BYTES). */
  readonly syslogMaxMessageBytes: number;
  /** Unstored messages per TLS connection before reading pauses (AUDIT_SYSLOG_MAX_IN_FLIGHT). */
  readonly syslogMaxInFlight: number;
  /**
   * Hash chains appended in parallel (AUDIT_CHAINS). Default 2: with PostgreSQL on about two
   * cores, two chains took 8% less CPU per record in the repository and 12% less in
   * PostgreSQL than four (bigger batches, fewer transactions); raise it with PostgreSQL's cores.
   */
  readonly chains: number;
  /** Records per transaction at most (AUDIT_BATCH_MAX). */
  readonly batchMax: number;
  /** Records in flight from the bus at once (AUDIT_BUS_IN_FLIGHT), over AUDIT_BUS_SUBSCRIPTIONS subscriptions. */
  readonly busInFlight: number;
  readonly busSubscriptions: number;
  /**
   * Batch messages (`audit.records-submitted`, up to a few hundred records each) in flight
   * at once (AUDIT_BUS_BATCHES_IN_FLIGHT), over the same number of subscriptions.
   */
  readonly busBatchesInFlight: number;
  /** Durable consumer name on the AUDIT stream (AUDIT_BUS_DURABLE); the batch subject's is `<name>-batches`. */
  readonly busDurable: string;
  /** Monthly partitions created ahead of the current month (AUDIT_PARTITIONS_AHEAD). */
  readonly partitionsAhead: number;
  /** Months of records kept; 0 keeps everything (AUDIT_RETENTION_MONTHS). */
  readonly retentionMonths: number;
  /** Where partitions are exported (NDJSON) before retention drops them (AUDIT_EXPORT_DIR). */
  readonly exportDir: string | undefined;
  /** Worker threads parsing audit XML (AUDIT_PARSE_WORKERS); 0 parses on the main thread. */
  readonly parseWorkers: number;
  /** Page size bound of searches (AUDIT_SEARCH_MAX_COUNT). */
  readonly searchMaxCount: number;
}

/** Throws ConfigError naming every bad key. */
export function loadAuditRepositoryConfig(source: EnvSource): DeepReadonly<AuditRepositoryConfig> {
  const env = readEnv(source);
  return env.done({
    syslogTls: env.tlsFromEnv('SYSLOG'),
    syslogMaxMessageBytes: env.int('AUDIT_SYSLOG_MAX_MESSAGE_BYTES', {
      default: 1024 * 1024,
      min: 2048,
      max: 16 * 1024 * 1024,
    }),
    syslogMaxInFlight: env.int('AUDIT_SYSLOG_MAX_IN_FLIGHT', { default: 256, min: 1, max: 10_000 }),
    chains: env.int('AUDIT_CHAINS', { default: 2, min: 1, max: 256 }),
    batchMax: env.int('AUDIT_BATCH_MAX', { default: 500, min: 1, max: 10_000 }),
    busInFlight: env.int('AUDIT_BUS_IN_FLIGHT', { default: 1024, min: 1, max: 20_000 }),
    busSubscriptions: env.int('AUDIT_BUS_SUBSCRIPTIONS', { default: 2, min: 1, max: 64 }),
    busBatchesInFlight: env.int('AUDIT_BUS_BATCHES_IN_FLIGHT', { default: 8, min: 1, max: 1_000 }),
    busDurable: env.str('AUDIT_BUS_DURABLE', {
      default: 'audit-repository',
      pattern: /^[A-Za-z0-9_-]{1,64}$/,
    }),
    partitionsAhead: env.int('AUDIT_PARTITIONS_AHEAD', { default: 2, min: 1, max: 36 }),
    retentionMonths: env.int('AUDIT_RETENTION_MONTHS', { default: 0, min: 0, max: 1200 }),
    exportDir: env.str('AUDIT_EXPORT_DIR'),
    // Opt-in: on the 2-core benchmark host (shared, saturated) one worker made batches smaller
    // and ingest slower; give it spare cores before turning it on.
    parseWorkers: env.int('AUDIT_PARSE_WORKERS', { default: 0, min: 0, max: 64 }),
    searchMaxCount: env.int('AUDIT_SEARCH_MAX_COUNT', { default: 200, min: 1, max: 5000 }),
  });
}
