/**
 * Parse throughput of parseXml (strict reader + limits + xmldom DOM) against plain xmldom
 * DOMParser on the same ebRIM-like input, in the same run. Prints MB/s and the ratio.
 *
 *   pnpm exec tsx libs/xml/bench/parse.bench.ts
 */
import { DOMParser } from '@xmldom/xmldom';
import { parseXml } from '@mesh/xml';

const RIM = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';

/** One DocumentEntry as ITI-41/42 carry it: slots, classifications, external identifiers (~2.3 KB). */
function extrinsicObject(i: number): string {
  const slot = (name: string, ...values: string[]): string =>
    `<rim:Slot name="${name}"><rim:ValueList>${values.map((v) => `<rim:Value>${v}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
  const classification = (scheme: string, code: string, system: string): string =>
    `<rim:Classification classificationScheme="${scheme}" classifiedObject="Document${i}" id="cl-${scheme.slice(-4)}-${i}" nodeRepresentation="${code}">` +
    slot('codingScheme', system) +
    `<rim:Name><rim:LocalizedString value="Code ${code} &amp; co"/></rim:Name></rim:Classification>`;
  return (
    `\n    <rim:ExtrinsicObject id="Document${i}" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">` +
    slot('creationTime', '20240101120000') +
    slot('languageCode', 'fr-LU') +
    slot('sourcePatientId', `P${i}^^^&amp;1.2.442.0.1&amp;ISO`) +
    slot(
      'sourcePatientInfo',
      'PID-3|P1^^^&amp;1.2.442.0.1&amp;ISO',
      'PID-5|Muller^Anne^^^',
      'PID-7|19800101',
      'PID-8|F',
    ) +
    slot('hash', 'e543712c0e10501972de13a5bfcbe826c49feb75') +
    slot('size', '35') +
    slot('repositoryUniqueId', '1.2.442.0.9.1') +
    `<rim:Name><rim:LocalizedString value="Discharge letter ${i}"/></rim:Name>` +
    classification('urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a', '11490-0', '2.16.840.1.113883.6.1') +
    classification('urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f', 'N', '2.16.840.1.113883.5.25') +
    classification(
      'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
      'urn:ihe:pcc:xds-ms:2007',
      '1.3.6.1.4.1.19376.1.2.3',
    ) +
    classification('urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1', 'HOSP', '2.16.840.1.113883.5.11') +
    `<rim:ExternalIdentifier id="ei-p-${i}" identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427" registryObject="Document${i}" value="P${i}^^^&amp;1.2.442.0.1&amp;ISO"><rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name></rim:ExternalIdentifier>` +
    `<rim:ExternalIdentifier id="ei-u-${i}" identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" registryObject="Document${i}" value="1.2.442.0.9.2.${i}"><rim:Name><rim:LocalizedString value="XDSDocumentEntry.uniqueId"/></rim:Name></rim:ExternalIdentifier>` +
    `</rim:ExtrinsicObject>`
  );
}

function document(targetBytes: number): string {
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>\n<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="${RIM}">\n  <rim:RegistryObjectList>`,
  ];
  let size = parts[0]!.length;
  for (let i = 0; size < targetBytes; i++) {
    const eo = extrinsicObject(i);
    parts.push(eo);
    size += eo.length;
  }
  parts.push('\n  </rim:RegistryObjectList>\n</lcm:SubmitObjectsRequest>\n');
  return parts.join('');
}

function measure(label: string, bytes: number, fn: () => unknown, budgetMs: number): number {
  for (let i = 0; i < 2; i++) fn(); // warm-up
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs && runs < 200);
  const mbps = (bytes * runs) / (1024 * 1024) / (elapsed / 1000);
  console.log(
    `  ${label.padEnd(22)} ${mbps.toFixed(1).padStart(7)} MB/s  (${runs} runs, ${(elapsed / runs).toFixed(1)} ms/parse)`,
  );
  return mbps;
}

for (const mb of [1, 10]) {
  const text = document(mb * 1024 * 1024);
  const buf = Buffer.from(text, 'utf8');
  console.log(`ebRIM-like document: ${(buf.length / 1024 / 1024).toFixed(2)} MB`);
  const domparser = (): unknown =>
    new DOMParser({
      onError: (level) => {
        if (level !== 'warning') throw new Error(level);
      },
    }).parseFromString(text, 'text/xml');
  const plain = measure('xmldom DOMParser', buf.length, domparser, 3000);
  const ours = measure('parseXml(string)', buf.length, () => parseXml(text), 3000);
  const oursBuf = measure('parseXml(Buffer)', buf.length, () => parseXml(buf), 3000);
  console.log(
    `  ratio xmldom/parseXml: ${(plain / ours).toFixed(2)}x (string), ${(plain / oursBuf).toFixed(2)}x (Buffer)`,
  );
}
