/**
 * Cost of one transaction audit on the hot path: build (ITI-18 with a 2 KB query, and
 * ITI-43 with 10 documents), serialize with toAuditXml, and parse back with parseAuditXml
 * (what the audit repository does for every syslog message): a string of plain XML takes the
 * subset scanner, bytes the hardened DOM parser. Prints messages/s and bytes.
 *
 *   pnpm exec tsx libs/audit/bench/audit-xml.bench.ts
 */
import { auditSource, buildTransactionAudit, parseAuditXml, toAuditXml } from '@mesh/audit';
import type { TransactionAuditInput } from '@mesh/audit';
import { TEST_USER } from '../src/test-fixtures.js';

const base: TransactionAuditInput = {
  transaction: 'ITI-18',
  side: 'responder',
  outcome: 'Success',
  eventDateTime: new Date('2026-11-25T20:15:00.123Z'),
  initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.1.2.3' },
  responder: {
    userId: 'https://registry.mesh.example/xds/iti18',
    altUserId: '4711',
    networkAccessPoint: '10.0.0.5',
  },
  principal: TEST_USER,
  auditSource: auditSource('registry', 'LU'),
  patientId: '1234567890^^^&1.2.442.0.1&ISO',
  query: {
    storedQueryId: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
    query: `<query:AdhocQueryRequest>${'<rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>(\'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\')</rim:Value></rim:ValueList></rim:Slot>'.repeat(12)}</query:AdhocQueryRequest>`,
  },
  documents: Array.from({ length: 10 }, (_, i) => ({
    uniqueId: `1.2.442.0.9.2.${i}`,
    repositoryUniqueId: '1.2.442.0.9.1',
    homeCommunityId: 'urn:oid:1.2.442.0.9',
  })),
};

function measure(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `${label.padEnd(44)} ${String(Math.round((iterations / ms) * 1000)).padStart(8)} msg/s  (${((ms / iterations) * 1000).toFixed(1)} us/msg)`,
  );
}

for (const transaction of ['ITI-18', 'ITI-43'] as const) {
  const input = { ...base, transaction };
  const message = buildTransactionAudit(input);
  const xml = toAuditXml(message);
  console.log(`\n${transaction}: ${Buffer.byteLength(xml)} bytes of XML`);
  measure('buildTransactionAudit', 50_000, () => buildTransactionAudit(input));
  measure('toAuditXml', 50_000, () => toAuditXml(message));
  measure('parseAuditXml (string: subset scanner)', 20_000, () => parseAuditXml(xml));
  const bytes = Buffer.from(xml, 'utf8');
  measure('parseAuditXml (bytes: hardened parser)', 10_000, () => parseAuditXml(bytes));
}
