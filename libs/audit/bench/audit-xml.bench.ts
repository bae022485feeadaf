/**
 * Cost of one transaction audit on the hot path.
 *
 * 1. Per record, build + serialize (buildTransactionAudit then toAuditXml, what every
 *    transaction of every service pays before the Secure Node sender publishes the XML),
 *    for the two records the busiest paths write: the MPI's ITI-9 PIX query (HL7v2 over
 *    MLLP, no XUA user) and the registry's ITI-42 Register Document Set-b (XUA user).
 *    Prints us per record and per step.
 * 2. Larger records: ITI-18 with a 2 KB query and ITI-43 with 10 documents, built,
 *    serialized, and parsed back with parseAuditXml (what the audit repository does for every
 *    syslog message): a string of plain XML takes the subset scanner, bytes the hardened DOM
 *    parser.
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

/** Built once per process, as the services do. */
const SOURCE = auditSource('ihe-mesh', 'LU');

/**
 * The MPI's ITI-9 responder record as services/mpi builds it: MSH-3|MSH-4 and MSH-5|MSH-6
 * as UserIDs, the peer's IP and the host name, the queried id and the ids it resolved to,
 * the QPD segment as the query and MSH-10 as the message detail. The clock is read per record.
 */
const iti9 = (): TransactionAuditInput => ({
  transaction: 'ITI-9',
  side: 'responder',
  outcome: 'Success',
  eventDateTime: new Date(),
  initiator: { userId: 'PIXCONSUMER|HOSPITAL_A', networkAccessPoint: '10.1.2.3' },
  responder: { userId: 'MESH_MPI|LU_EHEALTH', altUserId: '4711', networkAccessPoint: 'mpi-7d9f6c5b8-x2x4q' },
  auditSource: SOURCE,
  messageId: 'MSG-20261125201500-000042',
  patientId: 'P000123^^^HOSPITAL_A&1.2.442.0.1.1&ISO',
  patientIds: ['1234567890^^^LU_NATIONAL&1.2.442.0.1&ISO', 'H-556677^^^HOSPITAL_B&1.2.442.0.1.2&ISO'],
  hl7Query: {
    queryId: 'Q-20261125-42',
    query:
      'QPD|IHE PIX Query|Q-20261125-42|P000123^^^HOSPITAL_A&1.2.442.0.1.1&ISO|^^^LU_NATIONAL&1.2.442.0.1&ISO',
  },
});

/** The registry's ITI-42 responder record (services/registry): a XUA user, patient and submission set. */
const iti42 = (): TransactionAuditInput => ({
  transaction: 'ITI-42',
  side: 'responder',
  outcome: 'Success',
  eventDateTime: new Date(),
  initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.1.2.3' },
  responder: { userId: '/xds/registry', altUserId: '4711', networkAccessPoint: 'registry-5c8d7f9b6-q7w2e' },
  principal: TEST_USER,
  auditSource: SOURCE,
  patientId: '1234567890^^^&1.2.442.0.1&ISO',
  submissionSetUniqueId: '1.2.442.0.9.3.20261125.201500.42',
});

function measure(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / iterations;
  console.log(
    `${label.padEnd(44)} ${String(Math.round((iterations / ms) * 1000)).padStart(8)} msg/s  (${((ms / iterations) * 1000).toFixed(2)} us/msg wall, ${cpuUs.toFixed(2)} us/msg CPU)`,
  );
}

const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
for (const [transaction, make] of [
  ['ITI-9', iti9],
  ['ITI-42', iti42],
] as const) {
  const input = make();
  const message = buildTransactionAudit(input);
  console.log(`\n${transaction} record: ${Buffer.byteLength(toAuditXml(message))} bytes of XML`);
  for (let r = 0; r < ROUNDS; r++) {
    measure(`build + serialize (round ${r + 1})`, 200_000, () => toAuditXml(buildTransactionAudit(make())));
    measure('  buildTransactionAudit', 200_000, () => buildTransactionAudit(input));
    measure('  toAuditXml', 200_000, () => toAuditXml(message));
  }
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
