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
