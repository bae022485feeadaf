/** The MPI's own configuration, read once from the environment. */
import { fileURLToPath } from 'node:url';
import { DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import { readEnv } from '@mesh/observability';
import type { DeepReadonly, EnvSource, TlsServerOptions } from '@mesh/observability';

/** An ITI-10 PIX Update Notification subscriber (PIX Consumer with the PIX Update Notification option). */
export interface Iti10Subscriber {
  readonly host: string;
  readonly port: number;
}

export interface MpiConfig {
  /** AFFINITY_DOMAIN_FILE: national patient id authority and known assigning authorities. */
  readonly affinityDomainFile: string;
  /** MPI_MATCH_LINK_THRESHOLD (0..1, default 0.92): at or above, a new source identity is linked automatically. */
  readonly linkThreshold: number;
  /** MPI_MATCH_REVIEW_THRESHOLD (0..1, default 0.75): at or above (below link), a potential duplicate for review. */
  readonly reviewThreshold: number;
  /** MPI_PDQ_MAX_RESULTS (default 1000): most matches one PDQ query keeps (continuation included). */
  readonly pdqMaxResults: number;
  /** MPI_ITI10_SUBSCRIBERS: comma-separated host:port list receiving ADT^A31 (ITI-10). */
  readonly iti10Subscribers: readonly Iti10Subscriber[];
  /** MPI_HL7_APPLICATION / MPI_HL7_FACILITY: MSH-3 / MSH-4 of the MPI's messages. */
  readonly application: string;
  readonly facility: string;
  /** MPI_MLLP_MAX_FRAME_BYTES (default 1 MiB): larger frames close the connection. */
  readonly maxFrameBytes: number;
  /**
   * MPI_MLLP_MAX_IN_FLIGHT (default 8): queries (QBP) of one connection answered at once when
   * the sender pipelines; other messages run alone, in order.
   */
  readonly maxInFlight: number;
  /** MLLP_TLS_CERT_FILE / _KEY_FILE / _CA_FILE / _CLIENT_AUTH: TLS on the MLLP port. */
  readonly mllpTls: TlsServerOptions | undefined;
}

function fraction(env: ReturnType<typeof readEnv>, key: string, def: number): number {
  const raw = env.str(key, { default: String(def), pattern: /^(0(\.\d+)?|1(\.0+)?)$/ });
  return Number(raw);
}

/** Throws ConfigError naming every bad key. */
export function loadMpiConfig(source: EnvSource): DeepReadonly<MpiConfig> {
  const env = readEnv(source);
  const linkThreshold = fraction(env, 'MPI_MATCH_LINK_THRESHOLD', 0.92);
  const reviewThreshold = fraction(env, 'MPI_MATCH_REVIEW_THRESHOLD', 0.75);
  if (reviewThreshold > linkThreshold)
    env.problem('MPI_MATCH_REVIEW_THRESHOLD', 'must not be above MPI_MATCH_LINK_THRESHOLD');
  const subscribers: Iti10Subscriber[] = [];
  for (const s of env.list('MPI_ITI10_SUBSCRIBERS')) {
    const m = /^([^:\s]+):(\d{1,5})$/.exec(s);
    if (!m || Number(m[2]) > 65535) env.problem('MPI_ITI10_SUBSCRIBERS', `"${s}" is not host:port`);
    else subscribers.push({ host: m[1] as string, port: Number(m[2]) });
  }
  return env.done({
    affinityDomainFile: env.str('AFFINITY_DOMAIN_FILE', {
      default: fileURLToPath(DEFAULT_AFFINITY_DOMAIN_URL),
    }),
    linkThreshold,
    reviewThreshold,
    pdqMaxResults: env.int('MPI_PDQ_MAX_RESULTS', { default: 1000, min: 1, max: 100_000 }),
    iti10Subscribers: subscribers,
    application: env.str('MPI_HL7_APPLICATION', { default: 'MESH_MPI' }),
    facility: env.str('MPI_HL7_FACILITY', { default: 'MESH' }),
    maxFrameBytes: env.int('MPI_MLLP_MAX_FRAME_BYTES', {
      default: 1024 * 1024,
      min: 1024,
      max: 64 * 1024 * 1024,
    }),
    maxInFlight: env.int('MPI_MLLP_MAX_IN_FLIGHT', { default: 8, min: 1, max: 256 }),
    mllpTls: env.tlsFromEnv('MLLP'),
  });
}
