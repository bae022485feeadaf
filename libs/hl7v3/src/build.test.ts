/** Round trips: what the builders write parses back (with the library's own validation) into the same values. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { error } from '@mesh/core';
import { parseXml } from '@mesh/xml';
import {
  ITI45_PATIENT_IDENTIFIER_LOCATION,
  buildAck,
  buildIti45Response,
  buildIti46Notification,
  buildIti47Response,
  buildQueryRejection,
  iti45DataSourceLocation,
  iti47ScopingOrganizationLocation,
  parseAck,
  parseIti44,
  parseIti45,
  parseIti45Response,
  parseIti47,
  parseIti47Response,
} from './index.js';
import type { MatchedPatient, PdqQueryV3, PixQueryV3 } from './index.js';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');

const ME = { id: { root: '1.2.3.999.1' }, organizationId: { root: '1.2.3.999' } };
const MSG = {
  messageId: { root: '7f1c2a4e-9a39-4c3e-8a3b-0a3a0b2f6d11' },
  creationTime: new Date(Date.UTC(2026, 10, 25, 23, 30, 5)),
};
const CUSTODIAN = { root: '1.2.3.999' };

function pixQuery(file = 'translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml'): PixQueryV3 {
  const r = parseIti45(read(file));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function pdqQuery(file = 'translation/pdq/v3/PDQ_Maximal_Query.xml'): PdqQueryV3 {
  const r = parseIti47(read(file));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

describe('buildAck (MCCI_IN000002UV01)', () => {
  const feed = parseIti44(read('translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml'));
  if (!feed.ok) throw new Error('fixture');
  const request = feed.value.header;

  it('AA: targets the request message id, swaps sender and receiver, NE, creationTime', () => {
    const xml = buildAck({ ...MSG, request });
    const r = parseAck(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement).toEqual({
      typeCode: 'AA',
      targetMessageId: request.messageId,
      details: [],
    });
    expect(r.value.header.receivers).toEqual([request.sender]);
    expect(r.value.header.sender).toEqual(request.receivers[0]);
    expect(r.value.header.acceptAckCode).toBe('NE');
    expect(r.value.header.interactionId).toBe('MCCI_IN000002UV01');
    expect(r.value.header.creationTime).toBe('20261125233005+0000');
    expect(r.value.header.messageId).toEqual(MSG.messageId);
    expect(r.value.header.processingCode).toBe(request.processingCode);
  });

  it('AE with one acknowledgementDetail per issue (code, text, XPath location)', () => {
    const multi = parseIti44(read('validation/iti44-multipatient-request-1.xml'));
    if (multi.ok) throw new Error('fixture');
    const r = parseAck(buildAck({ ...MSG, request: multi.header, issues: multi.issues, sender: ME }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.typeCode).toBe('AE');
    expect(r.value.acknowledgement.targetMessageId).toEqual({ root: '2.25.19' });
    expect(r.value.acknowledgement.details).toEqual([
      {
        typeCode: 'E',
        code: 'SYN108',
        text: expect.stringContaining('exactly one subject') as string,
        location: '/PRPA_IN201301UV02/controlActProcess/subject[2]',
      },
    ]);
    expect(r.value.header.sender).toEqual(ME);
  });

  it('AR for a message that is not an ITI-44 interaction; unreadable request gets a UNK target', () => {
    const wrong = parseIti44(read('translation/pdq/v3/PDQ.xml'));
    expect(wrong).toMatchObject({ ok: false, issues: [{ code: 'NS200' }] });
    const xml = buildAck({ ...MSG, issues: wrong.issues, sender: ME, receiver: { id: { root: '1.2.3.4' } } });
    const r = parseAck(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.typeCode).toBe('AR');
    expect(r.value.acknowledgement.targetMessageId).toBeUndefined();
    expect(xml).toContain('<targetMessage><id nullFlavor="UNK"/></targetMessage>');
  });

  it('escapes text and attributes', () => {
    const xml = buildAck({
      ...MSG,
      request: { ...request, messageId: { root: '1.2.3', extension: 'a"b<c>&\'d\te' } },
      issues: [error('SYN105', 'x < y & "z"\r\n', "/a[@b='<&>']")],
    });
    parseXml(xml);
    const r = parseAck(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.targetMessageId?.extension).toBe('a"b<c>&\'d\te');
    expect(r.value.acknowledgement.details[0]).toMatchObject({
      text: 'x < y & "z"',
      location: "/a[@b='<&>']",
    });
  });
});

describe('buildIti45Response (PRPA_IN201310UV02)', () => {
  it('case 1: AA / OK with the cross-referenced ids, never the queried-for one; query echoed', () => {
    const q = pixQuery();
    const xml = buildIti45Response(
      q,
      {
        kind: 'found',
        patientIds: [
          q.patientIdentifier,
          { root: '1.2.3.5', extension: 'X1' },
          { root: '1.2.3.6', extension: 'Y&2' },
        ],
      },
      { ...MSG, custodianId: CUSTODIAN },
    );
    const r = parseIti45Response(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement).toMatchObject({ typeCode: 'AA', targetMessageId: q.header.messageId });
    expect(r.value.queryAck).toMatchObject({
      queryId: q.queryId,
      queryResponseCode: 'OK',
      statusCode: 'deliveredResponse',
    });
    expect(r.value.patient?.ids).toEqual([
      { root: '1.2.3.5', extension: 'X1' },
      { root: '1.2.3.6', extension: 'Y&2' },
    ]);
    expect(r.value.patient?.demographics.names[0]?.nullFlavor).toBe('NA');
    expect(r.value.header.receivers[0]).toEqual(q.header.sender);
    expect(r.value.header.sender).toEqual(q.header.receivers[0]);
    // the echoed query parses as the query it answers
    const echoed = parseXml(xml).getElementsByTagNameNS('urn:hl7-org:v3', 'patientIdentifier')[0];
    expect(echoed?.getElementsByTagNameNS('urn:hl7-org:v3', 'value')[0]?.getAttribute('extension')).toBe(
      q.patientIdentifier.extension,
    );
  });

  it('case 2: AA / NF and no registration event', () => {
    const q = pixQuery();
    for (const result of [
      { kind: 'not-found' as const },
      { kind: 'found' as const, patientIds: [q.patientIdentifier] },
    ]) {
      const r = parseIti45Response(buildIti45Response(q, result, { ...MSG, custodianId: CUSTODIAN }));
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      expect(r.value.acknowledgement.typeCode).toBe('AA');
      expect(r.value.queryAck.queryResponseCode).toBe('NF');
      expect(r.value.patient).toBeUndefined();
    }
  });

  it('cases 3-5: unknown patient or domain gives AE / AE with detail 204 at the parameter', () => {
    const q = pixQuery('translation/pixquery/v3/NistPixpdq_Mesa10503-01~UnknownAssigningAuth_Example_01.xml');
    const xml = buildIti45Response(
      q,
      {
        kind: 'error',
        issues: [
          error('204', 'unknown patient identifier domain', ITI45_PATIENT_IDENTIFIER_LOCATION),
          error('204', 'unknown data source', iti45DataSourceLocation(2)),
        ],
      },
      { ...MSG, custodianId: CUSTODIAN },
    );
    const r = parseIti45Response(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.typeCode).toBe('AE');
    expect(r.value.queryAck.queryResponseCode).toBe('AE');
    expect(r.value.patient).toBeUndefined();
    expect(r.value.acknowledgement.details).toEqual([
      expect.objectContaining({
        typeCode: 'E',
        code: '204',
        location:
          '/PRPA_IN201309UV02/controlActProcess/queryByParameter/parameterList/patientIdentifier/value',
      }),
      expect.objectContaining({
        code: '204',
        location: '/PRPA_IN201309UV02/controlActProcess/queryByParameter/parameterList/dataSource[2]/value',
      }),
    ]);
    expect(xml).toContain('codeSystem="2.16.840.1.113883.12.357"');
  });
});

const patient = (n: number, score: number): MatchedPatient => ({
  ids: [{ root: '1.2.3.5', extension: `P${n}` }],
  otherIds: [{ root: '1.2.250.1.213.1.4.8', extension: `NIR${n}` }],
  statusCode: 'active',
  matchScore: score,
  demographics: {
    names: [{ family: ["D'Arc & Co"], given: ['Jeanne', 'Marie'], prefix: [], suffix: [], use: ['L'] }],
    administrativeGender: 'F',
    birthTime: '19400101',
    addresses: [
      { streetAddressLine: ['1 rue <Haute>'], city: 'Domrémy', postalCode: '88630', country: 'FR' },
    ],
    telecoms: [{ value: 'tel:+33-3-29-00-00-00', use: ['HP'] }],
    mothersMaidenName: { family: ['Romée'], given: [], prefix: [], suffix: [] },
    multipleBirthInd: true,
    multipleBirthOrderNumber: 2,
  },
});

describe('buildIti47Response (PRPA_IN201306UV02)', () => {
  it('case 1 with continuation: one page, queryAck quantities, demographics round-trip', () => {
    const q = pdqQuery();
    const xml = buildIti47Response(
      q,
      { kind: 'found', patients: [patient(1, 92), patient(2, 85)], total: 5, remaining: 3 },
      { ...MSG, custodianId: CUSTODIAN, sender: ME },
    );
    const r = parseIti47Response(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement).toMatchObject({ typeCode: 'AA', targetMessageId: q.header.messageId });
    expect(r.value.queryAck).toEqual({
      queryId: q.queryId,
      statusCode: 'waitContinuedQueryResponse',
      queryResponseCode: 'OK',
      resultTotalQuantity: 5,
      resultCurrentQuantity: 2,
      resultRemainingQuantity: 3,
    });
    expect(r.value.patients).toHaveLength(2);
    const p = r.value.patients[0];
    const expected = patient(1, 92);
    expect(p).toEqual({ ...expected, providerOrganizationId: { root: '1.2.3.5' } });
    expect(r.value.header.sender).toEqual(ME);
  });

  it('the echoed query parses back into the same parameters', () => {
    const q = pdqQuery();
    const xml = buildIti47Response(q, { kind: 'not-found' }, { ...MSG, custodianId: CUSTODIAN });
    // Re-read the echoed queryByParameter as a query by moving it into a PRPA_IN201305UV02 shell.
    const doc = parseXml(xml);
    const qbp = doc.getElementsByTagNameNS('urn:hl7-org:v3', 'queryByParameter')[0] as Element;
    const original = parseXml(read('translation/pdq/v3/PDQ_Maximal_Query.xml'));
    const oqbp = original.getElementsByTagNameNS('urn:hl7-org:v3', 'queryByParameter')[0] as Element;
    oqbp.parentNode?.replaceChild(original.importNode(qbp, true), oqbp);
    const again = parseIti47(original);
    if (!again.ok) throw new Error(JSON.stringify(again.issues));
    expect(again.value.parameters).toEqual(q.parameters);
    expect(again.value.initialQuantity).toBe(q.initialQuantity);
    expect(again.value.minimumDegreeMatch).toBe(q.minimumDegreeMatch);
  });

  it('case 2: AA / NF without subjects; last page has deliveredResponse', () => {
    const q = pdqQuery();
    const r = parseIti47Response(
      buildIti47Response(q, { kind: 'not-found' }, { ...MSG, custodianId: CUSTODIAN }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.patients).toEqual([]);
    expect(r.value.queryAck).toMatchObject({
      queryResponseCode: 'NF',
      statusCode: 'deliveredResponse',
      resultTotalQuantity: 0,
    });
  });

  it('case 4: unknown otherIDsScopingOrganization gives AE / AE with detail 204', () => {
    const q = pdqQuery();
    const r = parseIti47Response(
      buildIti47Response(
        q,
        { kind: 'error', issues: [error('204', 'unknown domain', iti47ScopingOrganizationLocation(1))] },
        { ...MSG, custodianId: CUSTODIAN },
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.typeCode).toBe('AE');
    expect(r.value.queryAck.queryResponseCode).toBe('AE');
    expect(r.value.acknowledgement.details[0]).toMatchObject({
      code: '204',
      location:
        '/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/otherIDsScopingOrganization[1]/value',
    });
  });

  it('a continuation response targets the continuation message', () => {
    const q = pdqQuery();
    const cont = { ...q.header, messageId: { root: '1.2.3.4.77', extension: 'c1' } };
    const r = parseIti47Response(
      buildIti47Response(
        q,
        { kind: 'found', patients: [patient(3, 70)], total: 3, remaining: 0 },
        { ...MSG, custodianId: CUSTODIAN, inResponseTo: cont },
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.targetMessageId).toEqual(cont.messageId);
    expect(r.value.queryAck).toMatchObject({ statusCode: 'deliveredResponse', resultRemainingQuantity: 0 });
  });
});

describe('buildQueryRejection', () => {
  it('ITI-45 with a missing patientIdentifier: AE, QE, the detail at the parameter', () => {
    const bad = read('translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml').replace(
      /<patientIdentifier>[\s\S]*?<\/patientIdentifier>/,
      '',
    );
    const p = parseIti45(bad);
    if (p.ok) throw new Error('should fail');
    expect(p.issues).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location: '/PRPA_IN201309UV02/controlActProcess/queryByParameter/parameterList/patientIdentifier',
      }),
    ]);
    const r = parseIti45Response(buildQueryRejection('ITI-45', p, { ...MSG, sender: ME }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement).toMatchObject({ typeCode: 'AE', targetMessageId: p.header?.messageId });
    expect(r.value.queryAck.queryResponseCode).toBe('QE');
  });

  it('ITI-47 with a wrong interaction: AR', () => {
    const p = parseIti47(read('translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml'));
    if (p.ok) throw new Error('should fail');
    const r = parseIti47Response(
      buildQueryRejection('ITI-47', p, {
        ...MSG,
        sender: ME,
        receiver: { id: { root: '1.2.840.114350.1.13.99998.8734' } },
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.acknowledgement.typeCode).toBe('AR');
    expect(r.value.acknowledgement.details[0]?.code).toBe('NS200');
  });
});

describe('buildIti46Notification (PRPA_IN201302UV02)', () => {
  it('carries the patient ids, AL, and parses as a PRPA_IN201302UV02', () => {
    const consumer = { id: { root: '1.2.3.77' }, telecom: 'https://consumer.example/pixv3' };
    const xml = buildIti46Notification(
      {
        patientIds: [
          { root: '1.2.3.5', extension: 'P1' },
          { root: '1.2.250.1.213.1.4.8', extension: 'NIR1' },
        ],
      },
      { ...MSG, sender: ME, receiver: consumer, custodianId: CUSTODIAN },
    );
    const r = parseIti44(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.kind).toBe('revise');
    expect(r.value.header.acceptAckCode).toBe('AL');
    expect(r.value.header.receivers).toEqual([consumer]);
    expect(r.value.header.sender).toEqual(ME);
    expect(r.value.patient.ids).toEqual([
      { root: '1.2.3.5', extension: 'P1' },
      { root: '1.2.250.1.213.1.4.8', extension: 'NIR1' },
    ]);
    expect(r.value.patient.demographics.names[0]?.nullFlavor).toBe('NA');
    expect(r.value.custodianId).toEqual(CUSTODIAN);
  });
});

describe('builders write a SOAP Body child', () => {
  it('no XML declaration; embedded in an envelope the message parses from the Body', () => {
    const q = pdqQuery();
    const xml = buildIti47Response(q, { kind: 'not-found' }, { ...MSG, custodianId: CUSTODIAN });
    expect(xml.startsWith('<PRPA_IN201306UV02 ')).toBe(true);
    const env = parseXml(
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${xml}</s:Body></s:Envelope>`,
    );
    const body = env.getElementsByTagNameNS('http://www.w3.org/2003/05/soap-envelope', 'Body')[0] as Element;
    const r = parseIti47Response(body.firstChild as Element);
    expect(r.ok).toBe(true);
  });
});
