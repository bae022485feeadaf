/**
 * Cost of the ebRIM mapping on the registry's hot paths: reading an ITI-42 with one
 * DocumentEntry (parse + map, what every registration pays), and writing the LeafClass
 * RegistryObjectList of a FindDocuments answer for a patient with 50 entries (what every
 * query pays). Prints operations per second, µs per operation and heap; asserts nothing.
 *
 *   pnpm exec tsx libs/xds/bench/ebrim.bench.ts
 */
import { parseXml } from '@mesh/xml';
import {
  readRegistryObjectList,
  readSubmitObjectsRequest,
  writeRegistryObjectList,
  writeSubmitObjectsRequest,
} from '@mesh/xds';
import type { DocumentEntry, RegistryObjects } from '@mesh/xds';
import { validSubmission } from '../src/fixture.test-support.js';

function rate(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(iterations, 2_000); i++) fn(); // warm-up (the optimizing compiler included)
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - start);
  console.log(
    `${label.padEnd(60)} ${((iterations / ns) * 1e9).toFixed(0).padStart(9)} ops/s  ${(ns / iterations / 1e3).toFixed(2).padStart(9)} µs/op`,
  );
}

const submission = validSubmission();
const iti42 = writeSubmitObjectsRequest(submission);
console.log(`ITI-42 body with 1 DocumentEntry, 1 Folder, 4 Associations: ${iti42.length} bytes`);
rate('parseXml + readSubmitObjectsRequest (1 entry)', 5_000, () => readSubmitObjectsRequest(parseXml(iti42)));
rate(
  'readSubmitObjectsRequest only (pre-parsed DOM, 1 entry)',
  50_000,
  (() => {
    const doc = parseXml(iti42);
    return () => readSubmitObjectsRequest(doc);
  })(),
);
{
  // What a server sees: every read on a DOM parsed just before (fresh strings, nothing cached
  // from an earlier read of the same nodes); only the read is timed.
  const iterations = 2_000;
  let ns = 0n;
  for (let i = 0; i < 200 + iterations; i++) {
    const doc = parseXml(iti42);
    const start = process.hrtime.bigint();
    readSubmitObjectsRequest(doc);
    if (i >= 200) ns += process.hrtime.bigint() - start;
  }
  console.log(
    `${'readSubmitObjectsRequest on a just-parsed DOM (1 entry)'.padEnd(60)} ${''.padStart(9)}        ${(Number(ns) / iterations / 1e3).toFixed(2).padStart(9)} µs/op`,
  );
}

const entries: DocumentEntry[] = Array.from({ length: 50 }, (_, i) => ({
  ...submission.documentEntries[0]!,
  entryUUID: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  uniqueId: `1.2.442.0.6.1.3.20261125.${i}`,
  availabilityStatus: 'Approved',
}));
const leaf: RegistryObjects = {
  submissionSets: [],
  folders: [],
  associations: [],
  objectRefs: [],
  documentEntries: entries,
};
const leafXml = writeRegistryObjectList(leaf);
console.log(`LeafClass RegistryObjectList with 50 DocumentEntries: ${leafXml.length} bytes`);
rate('writeRegistryObjectList (50 entries, LeafClass)', 2_000, () => writeRegistryObjectList(leaf));
rate('parseXml + readRegistryObjectList (50 entries)', 500, () =>
  readRegistryObjectList(parseXml(leafXml).documentElement),
);
const mem = process.memoryUsage();
console.log(`rss ${(mem.rss / 1e6).toFixed(0)} MB, heapUsed ${(mem.heapUsed / 1e6).toFixed(0)} MB`);
