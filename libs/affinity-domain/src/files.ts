/**
 * Where the shipped affinity domain file is. A URL, not contents: this library does no
 * I/O; the service reads the file (AFFINITY_DOMAIN_FILE, or the default) and calls
 * parseAffinityDomain.
 */

/** The default affinity domain: a small country's national shared care record (placeholder OIDs). */
export const DEFAULT_AFFINITY_DOMAIN_URL: URL = new URL('../default-affinity-domain.json', import.meta.url);
