import { TRANSACTIONS } from '@mesh/core';
import type { UserPrincipal } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import {
  AuditFormatError,
  auditSource,
  buildTransactionAudit,
  documentObject,
  humanRequestor,
  networkAccessPointType,
  outcomeIndicator,
  parseAuditXml,
  queryObject,
  TRANSACTION_AUDITS,
  toAuditXml,
  transactionCode,
  type AuditMessage,
  type TransactionAuditInput,
} from './index.js';
import { TEST_USER } from './test-fixtures.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

const user: UserPrincipal = TEST_USER;

const base: TransactionAuditInput = {
  transaction: 'ITI-41',
  side: 'initiator',
  outcome: 'Success',
  eventDateTime: new Date('2026-11-25T20:15:00.123Z'),
  initiator: {
    userId: 'http://www.w3.org/2005/08/addressing/anonymous',
    altUserId: '99',
    networkAccessPoint: '10.1.2.3',
  },
  responder: { userId: 'https://repo.example/xds/iti41', networkAccessPoint: 'repo.example' },
  auditSource: auditSource('mesh-repository', 'LU'),
  patientId: '1234^^^&1.2.3.4.5&ISO',
  submissionSetUniqueId: '1.2.3.4.5.6.7',
  documents: [{ uniqueId: '1.2.3.9', repositoryUniqueId: '1.2.3.100', homeCommunityId: 'urn:oid:1.2.3.200' }],
  query: {
    storedQueryId: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
    query: '<query:AdhocQueryRequest/>',
  },
  hl7Query: { queryId: 'Q-77', query: 'QPD|IHE PIX Query|Q-77|1234^^^&1.2.3.4.5&ISO' },
  messageId: 'MSG-0001',
  removedObjectIds: ['urn:uuid:d1a2c3e4-0000-4000-8000-000000000001'],
};

/** The event codes, participants (role, requestor flag, user) and object type codes of a message. */
function shape(m: AuditMessage) {
  const e = m.eventIdentification;
  return {
    event: [
      e.eventId.csdCode,
      e.eventActionCode,
      e.eventTypeCodes.map((t) => `${t.csdCode}|${t.codeSystemName}|${t.originalText}`),
    ],
    participants: m.activeParticipants.map((p) => [
      p.roleIdCodes[0]?.csdCode ?? 'human',
      p.userIsRequestor,
      p.userId,
    ]),
    objects: m.participantObjects.map((o) => [
      o.participantObjectTypeCode,
      o.participantObjectTypeCodeRole,
      o.participantObjectIdTypeCode.csdCode,
      o.participantObjectIdTypeCode.codeSystemName,
      o.participantObjectId,
    ]),
  };
}

const ANON = 'http://www.w3.org/2005/08/addressing/anonymous';
const PATIENT = [1, 1, '2', 'RFC-3881', '1234^^^&1.2.3.4.5&ISO'];
const SUBMISSION_SET = [
  2,
  20,
  'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  'IHE XDS Metadata',
  '1.2.3.4.5.6.7',
];

describe('buildTransactionAudit: ITI TF-2 definitions', () => {
  it('ITI-41 Document Source (3.41.5.1.1): Export, R, Source requestor, Destination repository', () => {
    expect(shape(buildTransactionAudit(base))).toEqual({
      event: ['110106', 'R', ['ITI-41|IHE Transactions|Provide and Register Document Set-b']],
      participants: [
        ['110153', true, ANON],
        ['110152', false, 'https://repo.example/xds/iti41'],
      ],
      objects: [PATIENT, SUBMISSION_SET],
    });
  });

  it('ITI-41 Document Repository (3.41.5.1.2): Import, C, same participants and objects', () => {
    const m = buildTransactionAudit({ ...base, side: 'responder' });
    expect(shape(m)).toEqual({
      event: ['110107', 'C', ['ITI-41|IHE Transactions|Provide and Register Document Set-b']],
      participants: [
        ['110153', true, ANON],
        ['110152', false, 'https://repo.example/xds/iti41'],
      ],
      objects: [PATIENT, SUBMISSION_SET],
    });
    expect(m.activeParticipants[0]).toMatchObject({
      alternativeUserId: '99',
      networkAccessPointId: '10.1.2.3',
      networkAccessPointTypeCode: 2,
    });
    expect(m.activeParticipants[1]).toMatchObject({
      networkAccessPointId: 'repo.example',
      networkAccessPointTypeCode: 1,
    });
  });

  it('ITI-42 Document Registry (3.42.5.1.2): Import, C; the repository side exports (R)', () => {
    const registry = buildTransactionAudit({ ...base, transaction: 'ITI-42', side: 'responder' });
    expect(shape(registry)).toMatchObject({
      event: ['110107', 'C', ['ITI-42|IHE Transactions|Register Document Set-b']],
      objects: [PATIENT, SUBMISSION_SET],
    });
    expect(shape(buildTransactionAudit({ ...base, transaction: 'ITI-42' })).event.slice(0, 2)).toEqual([
      '110106',
      'R',
    ]);
  });

  it('ITI-43 (3.43.5.1): the Repository is Source, the requesting Consumer is Destination; documents are Report Numbers', () => {
    const repo = buildTransactionAudit({
      ...base,
      transaction: 'ITI-43',
      side: 'responder',
      patientId: undefined,
    });
    expect(shape(repo)).toEqual({
      event: ['110106', 'R', ['ITI-43|IHE Transactions|Retrieve Document Set']],
      participants: [
        ['110153', false, 'https://repo.example/xds/iti41'],
        ['110152', true, ANON],
      ],
      objects: [[2, 3, '9', 'RFC-3881', '1.2.3.9']],
    });
    expect(repo.participantObjects[0]?.participantObjectDetails).toEqual([
      { type: 'Repository Unique Id', value: b64('1.2.3.100') },
      { type: 'ihe:homeCommunityID', value: b64('urn:oid:1.2.3.200') },
    ]);
    const consumer = buildTransactionAudit({ ...base, transaction: 'ITI-43' });
    expect(shape(consumer).event.slice(0, 2)).toEqual(['110107', 'C']);
    expect(shape(consumer).objects).toEqual([PATIENT, [2, 3, '9', 'RFC-3881', '1.2.3.9']]);
  });

  it('ITI-18 (3.18.5.1): Query, E on both sides; the query object carries the request and its encoding', () => {
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({ ...base, transaction: 'ITI-18', side });
      expect(shape(m)).toEqual({
        event: ['110112', 'E', ['ITI-18|IHE Transactions|Registry Stored Query']],
        participants: [
          ['110153', true, ANON],
          ['110152', false, 'https://repo.example/xds/iti41'],
        ],
        objects: [
          PATIENT,
          [2, 24, 'ITI-18', 'IHE Transactions', 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d'],
        ],
      });
      const q = m.participantObjects[1]!;
      expect(Buffer.from(q.participantObjectQuery!, 'base64').toString()).toBe('<query:AdhocQueryRequest/>');
      expect(q.participantObjectDetails).toEqual([{ type: 'QueryEncoding', value: b64('UTF-8') }]);
    }
  });

  it('a XUA user becomes the Human Requestor and PurposeOfUse; anonymous callers add no participant', () => {
    const m = buildTransactionAudit({ ...base, principal: user });
    expect(m.activeParticipants).toHaveLength(3);
    expect(m.activeParticipants[1]).toEqual({
      userId: 'anne.muller@hospital.example',
      userName: 'Dr. Anne Muller',
      userIsRequestor: true,
      roleIdCodes: [
        { csdCode: '46255001', codeSystemName: '2.16.840.1.113883.6.96', originalText: 'Pharmacist' },
      ],
    });
    expect(m.eventIdentification.purposesOfUse).toEqual([
      { csdCode: 'TREATMENT', codeSystemName: '2.16.840.1.113883.3.18.7.1', originalText: 'Treatment' },
    ]);
    expect(
      buildTransactionAudit({ ...base, principal: { kind: 'anonymous' } }).activeParticipants,
    ).toHaveLength(2);
    expect(humanRequestor({ kind: 'system', service: 'registry' })).toBeUndefined();
  });

  it('records outcome and time; failures are audited with what is known', () => {
    const m = buildTransactionAudit({
      ...base,
      outcome: 'Failure',
      outcomeDescription: 'XDSPatientIdDoesNotMatch',
      patientId: undefined,
      submissionSetUniqueId: undefined,
    });
    expect(m.eventIdentification).toMatchObject({
      eventOutcomeIndicator: 8,
      eventOutcomeDescription: 'XDSPatientIdDoesNotMatch',
      eventDateTime: '2026-11-25T20:15:00.123Z',
    });
    expect(m.participantObjects).toEqual([]);
    expect(buildTransactionAudit({ ...base, outcome: 12 }).eventIdentification.eventOutcomeIndicator).toBe(
      12,
    );
  });

  it('a successful audit missing a required object is a programming error', () => {
    expect(() => buildTransactionAudit({ ...base, submissionSetUniqueId: undefined })).toThrow(
      AuditFormatError,
    );
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-43', documents: [] })).toThrow(
      /Document/,
    );
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-18', query: undefined })).toThrow(
      /Query/,
    );
  });

  it('built messages survive XML and back unchanged', () => {
    for (const transaction of Object.keys(TRANSACTION_AUDITS) as (keyof typeof TRANSACTION_AUDITS)[])
      for (const side of ['initiator', 'responder'] as const) {
        const m = buildTransactionAudit({ ...base, transaction, side, principal: user });
        expect(parseAuditXml(toAuditXml(m))).toEqual(m);
      }
  });
});

/** ParticipantObjectDetail values decoded, per object. */
const details = (m: AuditMessage) =>
  m.participantObjects.map((o) =>
    o.participantObjectDetails.map((d) => [d.type, Buffer.from(d.value, 'base64').toString()]),
  );

const V2_SENDER = 'LAB|HOSP_A';
const V2_RECEIVER = 'MESH|MPI';
const hl7v2: Pick<TransactionAuditInput, 'initiator' | 'responder'> = {
  initiator: { userId: V2_SENDER, networkAccessPoint: '10.1.2.3' },
  responder: { userId: V2_RECEIVER, altUserId: '4242', networkAccessPoint: 'mpi.example' },
};
const OTHER_PATIENT = '77^^^&1.2.3.9&ISO';

describe('buildTransactionAudit: Metadata Update, Remove Metadata and Documents, PIX/PDQ', () => {
  it('ITI-57 Update Document Set (3.57.5.1): Export/Import with action U, submission set and patient', () => {
    const admin = buildTransactionAudit({ ...base, transaction: 'ITI-57', principal: user });
    expect(shape(admin)).toEqual({
      event: ['110106', 'U', ['ITI-57|IHE Transactions|Update Document Set']],
      participants: [
        ['110153', true, ANON],
        ['46255001', true, 'anne.muller@hospital.example'],
        ['110152', false, 'https://repo.example/xds/iti41'],
      ],
      objects: [PATIENT, SUBMISSION_SET],
    });
    const registry = buildTransactionAudit({ ...base, transaction: 'ITI-57', side: 'responder' });
    expect(shape(registry).event).toEqual(['110107', 'U', ['ITI-57|IHE Transactions|Update Document Set']]);
    expect(shape(registry).objects).toEqual([PATIENT, SUBMISSION_SET]);
    expect(() =>
      buildTransactionAudit({ ...base, transaction: 'ITI-57', submissionSetUniqueId: undefined }),
    ).toThrow(/SubmissionSet/);
  });

  it('ITI-62 Delete Document Set (3.62.5.1): Patient Record, D; patient and each removed object reference', () => {
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({ ...base, transaction: 'ITI-62', side });
      expect(shape(m)).toEqual({
        event: ['110110', 'D', ['ITI-62|IHE Transactions|Delete Document Set']],
        participants: [
          ['110153', true, ANON],
          ['110152', false, 'https://repo.example/xds/iti41'],
        ],
        objects: [
          PATIENT,
          [
            2,
            3,
            'urn:ihe:iti:2017:ObjectRef',
            'IHE XDS Metadata',
            'urn:uuid:d1a2c3e4-0000-4000-8000-000000000001',
          ],
        ],
      });
      expect(m.participantObjects[1]?.participantObjectDataLifeCycle).toBe(14);
    }
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-62', removedObjectIds: [] })).toThrow(
      /Removed Object/,
    );
  });

  it('ITI-86 Remove Documents (3.86.5.1): Patient Record, D; documents with repository and community, erased', () => {
    const repo = buildTransactionAudit({ ...base, transaction: 'ITI-86', side: 'responder' });
    expect(shape(repo)).toEqual({
      event: ['110110', 'D', ['ITI-86|IHE Transactions|Remove Documents']],
      participants: [
        ['110153', true, ANON],
        ['110152', false, 'https://repo.example/xds/iti41'],
      ],
      objects: [PATIENT, [2, 3, '9', 'RFC-3881', '1.2.3.9']],
    });
    expect(repo.participantObjects[1]).toMatchObject({ participantObjectDataLifeCycle: 15 });
    expect(details(repo)[1]).toEqual([
      ['Repository Unique Id', '1.2.3.100'],
      ['ihe:homeCommunityID', 'urn:oid:1.2.3.200'],
    ]);
    expect(shape(buildTransactionAudit({ ...base, transaction: 'ITI-86' })).event[0]).toBe('110110');
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-86', documents: [] })).toThrow(
      /Document/,
    );
  });

  it('ITI-8 Patient Identity Feed (3.8.5.1): Patient Record C/U/D; MSH-3|4 source, MSH-5|6 destination, MSH-10 detail', () => {
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({ ...base, ...hl7v2, transaction: 'ITI-8', side });
      expect(shape(m)).toEqual({
        event: ['110110', 'C', ['ITI-8|IHE Transactions|Patient Identity Feed']],
        participants: [
          ['110153', true, V2_SENDER],
          ['110152', false, V2_RECEIVER],
        ],
        objects: [PATIENT],
      });
      expect(details(m)).toEqual([[['MSH-10', 'MSG-0001']]]);
    }
    // A merge (A40) is two messages: the subsumed patient deleted, the survivor updated.
    const subsumed = buildTransactionAudit({ ...base, ...hl7v2, transaction: 'ITI-8', action: 'D' });
    const survivor = buildTransactionAudit({
      ...base,
      ...hl7v2,
      transaction: 'ITI-8',
      action: 'U',
      patientId: OTHER_PATIENT,
    });
    expect([subsumed, survivor].map((m) => m.eventIdentification.eventActionCode)).toEqual(['D', 'U']);
    expect(survivor.participantObjects[0]?.participantObjectId).toBe(OTHER_PATIENT);
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-8', action: 'E' })).toThrow(
      /EventActionCode/,
    );
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-41', action: 'U' })).toThrow(
      AuditFormatError,
    );
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-8', patientId: undefined })).toThrow(
      /Patient/,
    );
  });

  it('ITI-9 PIX Query (3.9.5.1): Query, E; query object with the QPD segment and MSH-10; patients found', () => {
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({
        ...base,
        ...hl7v2,
        transaction: 'ITI-9',
        side,
        patientIds: [OTHER_PATIENT],
      });
      expect(shape(m)).toEqual({
        event: ['110112', 'E', ['ITI-9|IHE Transactions|PIX Query']],
        participants: [
          ['110153', true, V2_SENDER],
          ['110152', false, V2_RECEIVER],
        ],
        objects: [
          PATIENT,
          [1, 1, '2', 'RFC-3881', OTHER_PATIENT],
          [2, 24, 'ITI-9', 'IHE Transactions', 'Q-77'],
        ],
      });
      const q = m.participantObjects[2]!;
      expect(Buffer.from(q.participantObjectQuery!, 'base64').toString()).toBe(
        'QPD|IHE PIX Query|Q-77|1234^^^&1.2.3.4.5&ISO',
      );
      expect(details(m)).toEqual([[], [], [['MSH-10', 'MSG-0001']]]);
    }
    expect(() => buildTransactionAudit({ ...base, transaction: 'ITI-9', hl7Query: undefined })).toThrow(
      /Query Parameters/,
    );
  });

  it('ITI-21 Patient Demographics Query (3.21.5.1): Query, E; query id defaults to MSH-10; no patient needed', () => {
    const m = buildTransactionAudit({
      ...base,
      ...hl7v2,
      transaction: 'ITI-21',
      side: 'responder',
      patientId: undefined,
      hl7Query: { query: 'QPD|IHE PDQ Query|Q-1|@PID.5.1^MULLER' },
    });
    expect(shape(m)).toEqual({
      event: ['110112', 'E', ['ITI-21|IHE Transactions|Patient Demographics Query']],
      participants: [
        ['110153', true, V2_SENDER],
        ['110152', false, V2_RECEIVER],
      ],
      objects: [[2, 24, 'ITI-21', 'IHE Transactions', 'MSG-0001']],
    });
    expect(details(m)).toEqual([[['MSH-10', 'MSG-0001']]]);
  });

  it('ITI-44 Patient Identity Feed HL7 V3 (3.44.5.1): Patient Record; message id as the "II" detail', () => {
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({
        ...base,
        transaction: 'ITI-44',
        side,
        action: 'U',
        messageId: '1.2.3^42',
      });
      expect(shape(m)).toEqual({
        event: ['110110', 'U', ['ITI-44|IHE Transactions|Patient Identity Feed']],
        participants: [
          ['110153', true, ANON],
          ['110152', false, 'https://repo.example/xds/iti41'],
        ],
        objects: [PATIENT],
      });
      expect(details(m)).toEqual([[['II', '1.2.3^42']]]);
    }
    expect(
      buildTransactionAudit({ ...base, transaction: 'ITI-44' }).eventIdentification.eventActionCode,
    ).toBe('C');
  });

  it('ITI-45 PIXV3 Query (3.45.5.1): Query, E; QueryByParameter, query id as object id, no detail', () => {
    const qbp = '<queryByParameter><queryId root="1.2.3" extension="9"/></queryByParameter>';
    for (const side of ['initiator', 'responder'] as const) {
      const m = buildTransactionAudit({
        ...base,
        transaction: 'ITI-45',
        side,
        hl7Query: { queryId: '9@1.2.3', query: qbp },
      });
      expect(shape(m)).toEqual({
        event: ['110112', 'E', ['ITI-45|IHE Transactions|PIX Query']],
        participants: [
          ['110153', true, ANON],
          ['110152', false, 'https://repo.example/xds/iti41'],
        ],
        objects: [PATIENT, [2, 24, 'ITI-45', 'IHE Transactions', '9@1.2.3']],
      });
      expect(Buffer.from(m.participantObjects[1]!.participantObjectQuery!, 'base64').toString()).toBe(qbp);
      expect(details(m)).toEqual([[], []]);
    }
  });

  it('ITI-47 PDQV3 Query (3.47.5.1): Query, E; QueryByParameter already base64; patients returned', () => {
    const m = buildTransactionAudit({
      ...base,
      transaction: 'ITI-47',
      side: 'responder',
      principal: user,
      patientId: undefined,
      patientIds: [OTHER_PATIENT],
      hl7Query: { queryId: '35423@1.2.840.1', queryBase64: 'PHE+PC9xPg==' },
    });
    expect(shape(m)).toEqual({
      event: ['110112', 'E', ['ITI-47|IHE Transactions|Patient Demographics Query']],
      participants: [
        ['110153', true, ANON],
        ['46255001', true, 'anne.muller@hospital.example'],
        ['110152', false, 'https://repo.example/xds/iti41'],
      ],
      objects: [
        [1, 1, '2', 'RFC-3881', OTHER_PATIENT],
        [2, 24, 'ITI-47', 'IHE Transactions', '35423@1.2.840.1'],
      ],
    });
    expect(m.participantObjects[1]?.participantObjectQuery).toBe('PHE+PC9xPg==');
  });
});

describe('generic builders and codes', () => {
  it('transactionCode takes the TF name from the @mesh/core catalogue', () => {
    expect(transactionCode('ITI-55')).toEqual({
      csdCode: 'ITI-55',
      codeSystemName: 'IHE Transactions',
      originalText: TRANSACTIONS['ITI-55'].name,
    });
  });

  it('outcomeIndicator maps ebRS statuses', () => {
    expect(['Success', 'PartialSuccess', 'Failure'].map((s) => outcomeIndicator(s as 'Success'))).toEqual([
      0, 4, 8,
    ]);
  });

  it('networkAccessPointType tells IP addresses, URIs and names apart', () => {
    expect(
      ['10.0.0.1', '::1', '[2001:db8::1]', 'fe80::1%eth0', 'https://h/x', 'host.example', 'localhost'].map(
        networkAccessPointType,
      ),
    ).toEqual([2, 2, 2, 2, 5, 1, 1]);
  });

  it('documentObject without homeCommunityId and queryObject with one, already base64', () => {
    expect(documentObject({ uniqueId: 'd', repositoryUniqueId: 'r' }).participantObjectDetails).toEqual([
      { type: 'Repository Unique Id', value: b64('r') },
    ]);
    const q = queryObject({
      storedQueryId: 'urn:uuid:x',
      queryBase64: 'PHEvPg==',
      homeCommunityId: 'urn:oid:1.2',
      encoding: 'ISO-8859-1',
    });
    expect(q.participantObjectQuery).toBe('PHEvPg==');
    expect(q.participantObjectDetails).toEqual([
      { type: 'QueryEncoding', value: b64('ISO-8859-1') },
      { type: 'urn:ihe:iti:xca:2010:homeCommunityId', value: b64('urn:oid:1.2') },
    ]);
  });

  it('auditSource defaults to an application server process', () => {
    expect(auditSource('registry')).toEqual({
      auditSourceId: 'registry',
      auditSourceTypeCodes: [{ csdCode: '4', originalText: 'Application Server process or thread' }],
    });
  });
});
