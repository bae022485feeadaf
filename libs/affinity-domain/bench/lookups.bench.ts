/**
 * Cost of the affinity domain at start-up and on the registration hot path: parsing the
 * shipped default and a variant of it with a large (600-code, synthetic) eventCodeList, and
 * the per-submission checks (isAllowedCode hits and misses on that large value set, the CX
 * patient-id check). Prints operations per second; asserts nothing.
 *
 *   pnpm exec tsx libs/affinity-domain/bench/lookups.bench.ts
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_AFFINITY_DOMAIN_URL,
  isAffinityDomainPatientId,
  isAllowedCode,
  parseAffinityDomain,
  publicView,
} from '@mesh/affinity-domain';

function rate(label: string, iterations: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < iterations; i++) if (fn(i)) sink++;
  const ns = Number(process.hrtime.bigint() - start);
  const perSec = (iterations / ns) * 1e9;
  const usPer = ns / iterations / 1000;
  console.log(
    `${label.padEnd(52)} ${perSec.toFixed(0).padStart(12)} ops/s  ${usPer.toFixed(3)} µs/op  (${sink})`,
  );
}

const defaultJson = JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as {
  valueSets: Record<string, unknown>;
};
// A value set the size of a Connectathon eventCodeList, spread over a few code systems as
// real ones are, so that lookups walk a realistically shaped index.
const SYNTHETIC_EVENT_CODES = 600;
const large = {
  ...defaultJson,
  valueSets: {
    ...defaultJson.valueSets,
    eventCodeList: Array.from({ length: SYNTHETIC_EVENT_CODES }, (_, i) => ({
      code: `EV-${i}`,
      codeSystem: `1.2.3.4.${i % 6}`,
      displayName: `Synthetic event ${i}`,
    })),
  },
};
const files = { default: defaultJson as unknown, 'default + 600 event codes': large as unknown };
for (const [name, json] of Object.entries(files))
  rate(`parseAffinityDomain(${name})`, 2_000, () => parseAffinityDomain(json));

const big = parseAffinityDomain(large);
const events = big.valueSets.eventCodeList ?? [];
console.log(`synthetic eventCodeList: ${events.length} codes`);
const N = 2_000_000;
rate('isAllowedCode hit (eventCodeList)', N, (i) => {
  const c = events[i % events.length]!;
  return isAllowedCode(big, 'eventCodeList', c.code, c.codeSystem);
});
rate('isAllowedCode miss (eventCodeList)', N, (i) =>
  isAllowedCode(big, 'eventCodeList', `X${i & 1023}`, '1.2.3.4.0'),
);

const domain = parseAffinityDomain(defaultJson);
const pids = Array.from({ length: 1024 }, (_, i) => `${1_950_000_000_000 + i}^^^&1.3.6.1.4.1.99999.1.1&ISO`);
rate('isAffinityDomainPatientId', N, (i) => isAffinityDomainPatientId(domain, pids[i & 1023]!));
rate('JSON.stringify(publicView(default))', 2_000, () => JSON.stringify(publicView(domain)).length);
rate('JSON.stringify(publicView(+600 event codes))', 2_000, () => JSON.stringify(publicView(big)).length);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
