/**
 * Cost of the affinity domain at start-up and on the registration hot path: parsing the
 * shipped files (the Connectathon one has ~600 codes), and the per-submission checks
 * (isAllowedCode hits and misses on the largest value set, the CX patient-id check).
 * Prints operations per second; asserts nothing.
 *
 *   pnpm exec tsx libs/affinity-domain/bench/lookups.bench.ts
 */
import { readFileSync } from 'node:fs';
import {
  CONNECTATHON_AFFINITY_DOMAIN_URL,
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

const files = {
  default: JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as unknown,
  connectathon: JSON.parse(readFileSync(CONNECTATHON_AFFINITY_DOMAIN_URL, 'utf8')) as unknown,
};
for (const [name, json] of Object.entries(files))
  rate(`parseAffinityDomain(${name})`, 2_000, () => parseAffinityDomain(json));

const cat = parseAffinityDomain(files.connectathon);
const events = cat.valueSets.eventCodeList ?? [];
console.log(`connectathon eventCodeList: ${events.length} codes`);
const N = 2_000_000;
rate('isAllowedCode hit (eventCodeList)', N, (i) => {
  const c = events[i % events.length]!;
  return isAllowedCode(cat, 'eventCodeList', c.code, c.codeSystem);
});
rate('isAllowedCode miss (eventCodeList)', N, (i) =>
  isAllowedCode(cat, 'eventCodeList', `X${i & 1023}`, '1.2.3'),
);

const domain = parseAffinityDomain(files.default);
const pids = Array.from({ length: 1024 }, (_, i) => `${1_950_000_000_000 + i}^^^&1.3.6.1.4.1.99999.1.1&ISO`);
rate('isAffinityDomainPatientId', N, (i) => isAffinityDomainPatientId(domain, pids[i & 1023]!));
rate('JSON.stringify(publicView(connectathon))', 2_000, () => JSON.stringify(publicView(cat)).length);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
