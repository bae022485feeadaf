/** The registry's own configuration, read once from the environment. */
import { fileURLToPath } from 'node:url';
import { DEFAULT_AFFINITY_DOMAIN_URL } from '@mesh/affinity-domain';
import { readEnv } from '@mesh/observability';
import type { DeepReadonly, EnvSource } from '@mesh/observability';

export interface RegistryConfig {
  /** The affinity domain file (AFFINITY_DOMAIN_FILE); default: the shipped national domain. */
  readonly affinityDomainFile: string;
  /** XDSTooManyResults cap of ITI-18 (REGISTRY_MAX_RESULTS). */
  readonly maxResults: number;
  /** Group-commit statements of ITI-42 submissions written at the same time (REGISTRY_WRITES_IN_FLIGHT). */
  readonly writesInFlight: number;
}

/** Throws ConfigError naming every bad key. */
export function loadRegistryConfig(source: EnvSource): DeepReadonly<RegistryConfig> {
  const env = readEnv(source);
  return env.done({
    affinityDomainFile: env.str('AFFINITY_DOMAIN_FILE', {
      default: fileURLToPath(DEFAULT_AFFINITY_DOMAIN_URL),
    }),
    maxResults: env.int('REGISTRY_MAX_RESULTS', { default: 1000, min: 1, max: 100_000 }),
    writesInFlight: env.int('REGISTRY_WRITES_IN_FLIGHT', { default: 1, min: 1, max: 16 }),
  });
}
