/** Hostile and broken input: every parser answers with issues (spec code, XPath location), never throws. */
import { readFileSync } from 'node:fs';
import { parseXml } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import {
  parseAck,
  parseIti44,
  parseIti45,
  parseIti47,
  parseIti47Continuation,
  parseIti47Response,
} from './index.js';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');
const FEED = read('translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml');
const PIX = read('translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml');
const PDQ = read('translation/pdq/v3/PDQ_Maximal_Query.xml');

const parsers = { parseIti44, parseIti45, parseIti47, parseIti47Continuation, parseAck, parseIti47Response };

describe('hostile input', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name}: DOCTYPE / XXE is refused as a syntax error (AR)`, () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PRPA_IN201301UV02 xmlns="urn:hl7-org:v3">&e;</PRPA_IN201301UV02>`;
      const r = parse(xxe);
      expect(r.ok).toBe(false);
      expect(r.issues).toEqual([expect.objectContaining({ code: 'SYN', severity: 'Error', location: '/' })]);
      expect(r.issues[0]?.context).toContain('doctype');
    });

    it(`${name}: not XML, empty, binary`, () => {
      for (const junk of ['', 'MSH|^~\\&|', new Uint8Array([0xff, 0xfe, 0x00, 0x41]), '<a><b></a>']) {
        const r = parse(junk);
        expect(r.ok).toBe(false);
        expect(r.issues[0]?.code).toBe('SYN');
      }
    });
  }

  it('a root outside the HL7v3 namespace is an unsupported interaction (NS200)', () => {
    const r = parseIti44(FEED.replace('xmlns="urn:hl7-org:v3"', 'xmlns="urn:example"'));
    expect(r).toMatchObject({ ok: false, issues: [{ code: 'NS200', location: '/PRPA_IN201301UV02' }] });
  });

  it('a SOAP envelope instead of its body is refused', () => {
    const r = parseIti45(`<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>`);
    expect(r).toMatchObject({ ok: false, issues: [{ code: 'NS200', location: '/Envelope' }] });
  });

  it('the wrong interaction for the transaction is refused (NS200)', () => {
    expect(parseIti45(PDQ)).toMatchObject({ ok: false, issues: [{ code: 'NS200' }] });
    expect(parseIti47(PIX)).toMatchObject({ ok: false, issues: [{ code: 'NS200' }] });
    expect(parseIti44(PIX)).toMatchObject({ ok: false, issues: [{ code: 'NS200' }] });
  });

  it('deep nesting is refused by the hardened parser', () => {
    const deep = `<PRPA_IN201301UV02 xmlns="urn:hl7-org:v3">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</PRPA_IN201301UV02>`;
    const r = parseIti44(deep);
    expect(r.ok).toBe(false);
    expect(r.issues[0]?.code).toBe('SYN');
  });
});

describe('missing or wrong required elements (one change per test)', () => {
  const feedWithout = (re: RegExp): ReturnType<typeof parseIti44> => parseIti44(FEED.replace(re, ''));

  it('ITI-44 accepted unchanged', () => {
    expect(parseIti44(FEED)).toMatchObject({ ok: true, issues: [] });
  });

  it('ITI-44 without message id', () => {
    expect(feedWithout(/<id [^>]*\/>/)).toMatchObject({
      ok: false,
      issues: [{ code: 'SYN105', location: '/PRPA_IN201301UV02/id' }],
    });
  });

  it('ITI-44 without patient id', () => {
    const r = parseIti44(FEED.replace(/(<patient classCode="PAT">\s*)(<id [^>]*\/>\s*)+/, '$1'));
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location: '/PRPA_IN201301UV02/controlActProcess/subject/registrationEvent/subject1/patient/id',
      }),
    ]);
  });

  it('ITI-44 without patientPerson name', () => {
    const r = parseIti44(FEED.replace(/<name[\s\S]*?<\/name>/g, ''));
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location:
          '/PRPA_IN201301UV02/controlActProcess/subject/registrationEvent/subject1/patient/patientPerson/name',
      }),
    ]);
  });

  it('ITI-44 with processingModeCode R is not supported (NS250, rejected)', () => {
    const r = parseIti44(FEED.replace('<processingModeCode code="T"/>', '<processingModeCode code="R"/>'));
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'NS250', location: '/PRPA_IN201301UV02/processingModeCode/@code' }),
    ]);
  });

  it('ITI-44 with two receivers', () => {
    const receiver = /<receiver[\s\S]*?<\/receiver>/.exec(FEED)?.[0] ?? '';
    const r = parseIti44(FEED.replace(receiver, receiver + receiver));
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'SYN108', location: '/PRPA_IN201301UV02/receiver[2]' }),
    ]);
  });

  it('ITI-44 with a device id that is not an OID', () => {
    const r = parseIti44(FEED.replace('<id root="1.2.840.114350.1.13.99998.8734"/>', '<id root="my-app"/>'));
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'SYN103', location: '/PRPA_IN201301UV02/sender/device/id/@root' }),
    ]);
  });

  it('ITI-44 interactionId that contradicts the root element', () => {
    const r = parseIti44(FEED.replace('extension="PRPA_IN201301UV02"', 'extension="PRPA_IN201302UV02"'));
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'SYN103', location: '/PRPA_IN201301UV02/interactionId/@extension' }),
    ]);
  });

  it('ITI-44 merge without the prior registration', () => {
    const merge = read('translation/pixfeed/v3/PIX_FEED_MERGE_Maximal_Request.xml');
    const r = parseIti44(merge.replace(/<replacementOf[\s\S]*<\/replacementOf>/, ''));
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location: '/PRPA_IN201304UV02/controlActProcess/subject/registrationEvent/replacementOf',
      }),
    ]);
  });

  it('ITI-45 with a (second) dataSource carrying an extension', () => {
    const r = parseIti45(
      PIX.replace(
        '<patientIdentifier>',
        '<dataSource><value root="1.2.3" extension="x"/></dataSource><patientIdentifier>',
      ),
    );
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN103',
        location:
          '/PRPA_IN201309UV02/controlActProcess/queryByParameter/parameterList/dataSource[2]/value/@extension',
      }),
    ]);
  });

  it('ITI-47 with responseModalityCode B and an excluded parameter', () => {
    const r = parseIti47(
      PDQ.replace('<responseModalityCode code="R" />', '<responseModalityCode code="B" />').replace(
        '<parameterList>',
        '<parameterList><patientStatusCode><value code="A"/></patientStatusCode>',
      ),
    );
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN103',
        location: '/PRPA_IN201305UV02/controlActProcess/queryByParameter/responseModalityCode/@code',
      }),
      expect.objectContaining({
        code: 'SYN103',
        location: '/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/patientStatusCode',
      }),
    ]);
  });

  it('ITI-47 with two birth times and minimumDegreeMatch out of range', () => {
    const birth = /<livingSubjectBirthTime>[\s\S]*?<\/livingSubjectBirthTime>/.exec(PDQ)?.[0] ?? '';
    const r = parseIti47(PDQ.replace(birth, birth + birth).replace('value="75"', 'value="150"'));
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN103',
        location:
          '/PRPA_IN201305UV02/controlActProcess/queryByParameter/matchCriterionList/minimumDegreeMatch/value/@value',
      }),
      expect.objectContaining({
        code: 'SYN108',
        location:
          '/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/livingSubjectBirthTime[2]',
      }),
    ]);
  });
});

const quqi = (root: string, status: string, extra = ''): string => `<?xml version="1.0"?>
<${root} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">
  <id root="1.2.3.4.5.6" extension="q2"/>
  <creationTime value="20261125233000"/>
  <interactionId root="2.16.840.1.113883.1.6" extension="QUQI_IN000003UV01"/>
  <processingCode code="P"/>
  <processingModeCode code="T"/>
  <acceptAckCode code="AL"/>
  <receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.3.999.1"/></device></receiver>
  <sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.3.77"/></device></sender>
  <acknowledgement><typeCode code="AA"/><targetMessage><id root="7f1c2a4e-9a39-4c3e-8a3b-0a3a0b2f6d11"/></targetMessage></acknowledgement>
  <controlActProcess classCode="CACT" moodCode="EVN">
    <code code="PRPA_TE000003UV01" codeSystem="2.16.840.1.113883.1.6"/>
    <queryContinuation>
      <queryId root="1.2.840.114350.1.13.28.1.18.5.999" extension="18204"/>${extra}
      <statusCode code="${status}"/>
    </queryContinuation>
  </controlActProcess>
</${root}>`;

describe('ITI-47 continuation and cancel (QUQI_IN000003UV01)', () => {
  it('continuation: query id, quantity, target message', () => {
    const r = parseIti47Continuation(
      quqi(
        'QUQI_IN000003UV01',
        'waitContinuedQueryResponse',
        '<startResultNumber value="3"/><continuationQuantity value="2"/>',
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value).toMatchObject({
      cancel: false,
      queryId: { root: '1.2.840.114350.1.13.28.1.18.5.999', extension: '18204' },
      continuationQuantity: 2,
      startResultNumber: 3,
      targetMessageId: { root: '7f1c2a4e-9a39-4c3e-8a3b-0a3a0b2f6d11' },
    });
  });

  it('cancel: QUQI_IN000003UV01_Cancel with statusCode aborted', () => {
    const r = parseIti47Continuation(quqi('QUQI_IN000003UV01_Cancel', 'aborted'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.cancel).toBe(true);
    expect(r.value.header.interactionId).toBe('QUQI_IN000003UV01');
  });

  it('a wrong statusCode, a missing queryId or a missing target message are errors', () => {
    expect(parseIti47Continuation(quqi('QUQI_IN000003UV01', 'new')).issues).toEqual([
      expect.objectContaining({
        code: 'SYN103',
        location: '/QUQI_IN000003UV01/controlActProcess/queryContinuation/statusCode/@code',
      }),
    ]);
    expect(
      parseIti47Continuation(quqi('QUQI_IN000003UV01', 'aborted').replace(/<queryId[^>]*\/>/, '')).issues,
    ).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location: '/QUQI_IN000003UV01/controlActProcess/queryContinuation/queryId',
      }),
    ]);
    expect(
      parseIti47Continuation(
        quqi('QUQI_IN000003UV01', 'aborted').replace(/<targetMessage>.*<\/targetMessage>/, ''),
      ).issues,
    ).toEqual([
      expect.objectContaining({
        code: 'SYN105',
        location: '/QUQI_IN000003UV01/acknowledgement/targetMessage',
      }),
    ]);
  });
});

describe('timestamps and embedding', () => {
  it('creationTime and birthTime must be HL7 TS values (SYN102)', () => {
    const r = parseIti44(
      FEED.replace(/<creationTime value="[^"]*"\/>/, '<creationTime value="2009-11-12"/>'),
    );
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'SYN102', location: '/PRPA_IN201301UV02/creationTime/@value' }),
    ]);
    const q = parseIti47(PDQ.replace('<value value="19400101"/>', '<value value="01/01/1940"/>'));
    expect(q.issues).toEqual([
      expect.objectContaining({
        code: 'SYN102',
        location:
          '/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/livingSubjectBirthTime[1]/value/@value',
      }),
    ]);
  });

  it('parses the HL7 element taken from a SOAP Body, namespaces declared on the envelope', () => {
    const body = PDQ.replace(/^<\?xml[^>]*>/, '')
      .replace('xmlns="urn:hl7-org:v3"', '')
      .replace(/xmlns:xsi="[^"]*"/, '');
    const envelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;
    const doc = parseXml(envelope);
    const el = doc.getElementsByTagNameNS('urn:hl7-org:v3', 'PRPA_IN201305UV02')[0] as Element;
    const r = parseIti47(el);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.minimumDegreeMatch).toBe(75);
    // the same element with xsi:type REAL is caught: the xsi:type QName resolves through the envelope's declarations
    const wrong = parseXml(envelope.replace('xsi:type="INT"', 'xsi:type="REAL"'));
    const r2 = parseIti47(wrong.getElementsByTagNameNS('urn:hl7-org:v3', 'PRPA_IN201305UV02')[0] as Element);
    expect(r2.issues).toEqual([expect.objectContaining({ code: 'SYN102' })]);
  });
});
