/**
 * Cost of the HL7v3 hot paths of the PIX Manager / PDQ Supplier: parse + validate an ITI-44
 * feed, an ITI-45 query and an ITI-47 query (IPF samples, read in place), and build the
 * ITI-44 ack, the ITI-45 response and an ITI-47 page of 10 patients. Prints messages/s.
 *
 *   pnpm exec tsx libs/hl7v3/bench/hl7v3.bench.ts
 */
import { readFileSync } from 'node:fs';
import {
  buildAck,
  buildIti45Response,
  buildIti47Response,
  parseIti44,
  parseIti45,
  parseIti47,
} from '@mesh/hl7v3';
import type { MatchedPatient } from '@mesh/hl7v3';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');
const feedXml = read('translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml');
const pixXml = read('translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml');
const pdqXml = read('translation/pdq/v3/PDQ_Maximal_Query.xml');

function measure(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `${label.padEnd(40)} ${String(Math.round((iterations / ms) * 1000)).padStart(8)} msg/s  (${((ms / iterations) * 1000).toFixed(1)} us/msg)`,
  );
}

function must<T>(r: { ok: true; value: T } | { ok: false }): T {
  if (!r.ok) throw new Error('fixture does not parse');
  return r.value;
}

const feed = must(parseIti44(feedXml));
const pix = must(parseIti45(pixXml));
const pdq = must(parseIti47(pdqXml));
const msg = {
  messageId: { root: '7f1c2a4e-9a39-4c3e-8a3b-0a3a0b2f6d11' },
  creationTime: new Date(),
  custodianId: { root: '1.2.3.999' },
};
const patients: MatchedPatient[] = Array.from({ length: 10 }, (_, i) => ({
  ids: [{ root: '1.2.3.5', extension: `P${i}` }],
  otherIds: [{ root: '1.2.250.1.213.1.4.8', extension: `NIR${i}` }],
  matchScore: 90 - i,
  demographics: {
    names: [{ family: ['Durand'], given: ['Anne', 'Marie'], prefix: [], suffix: [] }],
    administrativeGender: 'F',
    birthTime: '19700101',
    addresses: [{ streetAddressLine: ['1 rue Haute'], city: 'Nancy', postalCode: '54000', country: 'FR' }],
    telecoms: [{ value: 'tel:+33-3-83-00-00-00' }],
  },
}));

measure('parse ITI-44 feed (PRPA_IN201301UV02)', 20_000, () => parseIti44(feedXml));
measure('parse ITI-45 query (PRPA_IN201309UV02)', 20_000, () => parseIti45(pixXml));
measure('parse ITI-47 query (PRPA_IN201305UV02)', 20_000, () => parseIti47(pdqXml));
measure('build ITI-44 ack (MCCI_IN000002UV01)', 50_000, () => buildAck({ ...msg, request: feed.header }));
measure('build ITI-45 response, 3 ids', 50_000, () =>
  buildIti45Response(pix, { kind: 'found', patientIds: patients.slice(0, 3).map((p) => p.ids[0]!) }, msg),
);
measure('build ITI-47 response, 10 patients', 20_000, () =>
  buildIti47Response(pdq, { kind: 'found', patients, total: 25, remaining: 15 }, msg),
);
