import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XmlError } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import type { AuditMessage } from './index.js';
import { AuditFormatError, parseAuditXml, parseAuditXmlWithForm, toAuditXml } from './index.js';

const minimal: AuditMessage = {
  eventIdentification: {
    eventId: { csdCode: '110106', codeSystemName: 'DCM', originalText: 'Export' },
    eventActionCode: 'R',
    eventDateTime: '2026-11-25T20:00:00.000Z',
    eventOutcomeIndicator: 0,
    eventTypeCodes: [
      {
        csdCode: 'ITI-41',
        codeSystemName: 'IHE Transactions',
        originalText: 'Provide and Register Document Set-b',
      },
    ],
  },
  activeParticipants: [{ userId: 'a"b<c>&\nd', userIsRequestor: true, roleIdCodes: [] }],
  auditSourceIdentification: { auditSourceId: 'repo' },
  participantObjects: [],
};

/** Expects `fn` to throw an AuditFormatError with this reason and returns it. */
function formatError(fn: () => unknown, reason: AuditFormatError['reason']): AuditFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuditFormatError);
    expect((e as AuditFormatError).reason).toBe(reason);
    return e as AuditFormatError;
  }
  throw new Error('expected an AuditFormatError');
}

describe('toAuditXml', () => {
  it('writes the schema element order without a namespace and escapes attribute values', () => {
    const xml = toAuditXml(minimal);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><AuditMessage><EventIdentification /);
    expect(xml).toContain('UserID="a&quot;b&lt;c&gt;&amp;&#10;d"');
    expect(xml.indexOf('<ActiveParticipant')).toBeLessThan(xml.indexOf('<AuditSourceIdentification'));
    expect(parseAuditXml(xml)).toEqual(minimal);
  });

  it('omits the declaration on request', () => {
    expect(toAuditXml(minimal, { declaration: false })).toMatch(/^<AuditMessage>/);
  });

  it('replaces characters XML 1.0 cannot carry instead of writing a broken document', () => {
    const hostile = {
      ...minimal,
      activeParticipants: [{ userId: 'x\u0000y\u001b\ud800', userIsRequestor: true, roleIdCodes: [] }],
    };
    const back = parseAuditXml(toAuditXml(hostile));
    expect(back.activeParticipants[0]?.userId).toBe('x\uFFFDy\uFFFD\uFFFD');
  });

  it('keeps text markup-like content as text', () => {
    const m = {
      ...minimal,
      eventIdentification: { ...minimal.eventIdentification, eventOutcomeDescription: '</x><y>&amp;\r\n' },
    };
    expect(parseAuditXml(toAuditXml(m)).eventIdentification.eventOutcomeDescription).toBe('</x><y>&amp;\r\n');
  });

  it('fills originalText (required by the 2017c schema) from displayName or the code', () => {
    const m: AuditMessage = {
      ...minimal,
      eventIdentification: {
        ...minimal.eventIdentification,
        eventId: { csdCode: '110106', codeSystemName: 'DCM', displayName: 'Export' },
      },
    };
    expect(toAuditXml(m)).toContain(
      '<EventID csd-code="110106" codeSystemName="DCM" displayName="Export" originalText="Export"/>',
    );
  });

  it('writes a caller-owned coded value as it is at each call (only frozen vocabulary codes are remembered)', () => {
    const eventId = { csdCode: '110106', codeSystemName: 'DCM', originalText: 'Export' };
    const message = { ...minimal, eventIdentification: { ...minimal.eventIdentification, eventId } };
    expect(toAuditXml(message)).toContain(
      '<EventID csd-code="110106" codeSystemName="DCM" originalText="Export"/>',
    );
    eventId.originalText = 'Ex & port';
    expect(toAuditXml(message)).toContain('originalText="Ex &amp; port"/>');
    const frozen = Object.freeze({ csdCode: 'a<b', codeSystemName: 'X' });
    const twice = { ...minimal, eventIdentification: { ...minimal.eventIdentification, eventId: frozen } };
    expect(toAuditXml(twice)).toContain(
      '<EventID csd-code="a&lt;b" codeSystemName="X" originalText="a&lt;b"/>',
    );
    expect(toAuditXml(twice)).toBe(toAuditXml(twice));
  });

  it('refuses models the schema cannot express', () => {
    formatError(() => toAuditXml({ ...minimal, activeParticipants: [] }), 'invalid-model');
    formatError(
      () =>
        toAuditXml({
          ...minimal,
          eventIdentification: { ...minimal.eventIdentification, eventDateTime: 'now' },
        }),
      'invalid-model',
    );
    formatError(
      () =>
        toAuditXml({
          ...minimal,
          participantObjects: [
            {
              participantObjectIdTypeCode: { csdCode: '2', codeSystemName: 'RFC-3881' },
              participantObjectTypeCodeRole: 25,
              participantObjectDetails: [],
            },
          ],
        }),
      'invalid-model',
    );
    formatError(
      () =>
        toAuditXml({
          ...minimal,
          participantObjects: [
            {
              participantObjectIdTypeCode: { csdCode: '2', codeSystemName: 'RFC-3881' },
              participantObjectName: 'n',
              participantObjectQuery: 'cQ==',
              participantObjectDetails: [],
            },
          ],
        }),
      'invalid-model',
    );
  });
});

describe('parseAuditXml, DICOM form', () => {
  const pdq = fileURLToPath(
    new URL('../../../../shared/conformance/05-atna/ipf/audit/pdq.xml', import.meta.url),
  );

  it('maps every field of a real message (IPF pdq.xml)', () => {
    const m = parseAuditXml(readFileSync(pdq));
    expect(m.eventIdentification).toEqual({
      eventId: { csdCode: '110112', codeSystemName: 'DCM', originalText: 'Query' },
      eventActionCode: 'E',
      eventDateTime: '2020-03-19T12:16:37.320Z',
      eventOutcomeIndicator: 0,
      eventTypeCodes: [
        { csdCode: 'ITI-21', codeSystemName: 'IHE Transactions', originalText: 'Patient Demographics Query' },
      ],
    });
    expect(m.activeParticipants[1]).toEqual({
      userId: 'PIM|MESA_PD_SUPPLIER',
      alternativeUserId: '18996',
      userIsRequestor: false,
      networkAccessPointId: '127.0.0.1',
      networkAccessPointTypeCode: 2,
      roleIdCodes: [{ csdCode: '110152', codeSystemName: 'DCM', originalText: 'Destination Role ID' }],
    });
    expect(m.auditSourceIdentification).toEqual({
      auditSourceId: 'MPI',
      auditEnterpriseSiteId: 'MPI',
      auditSourceTypeCodes: [{ csdCode: '9', codeSystemName: 'DCM', originalText: 'Other' }],
    });
    expect(m.participantObjects).toHaveLength(5);
    expect(m.participantObjects[0]).toMatchObject({
      participantObjectId: '324406609',
      participantObjectTypeCode: 2,
      participantObjectTypeCodeRole: 24,
      participantObjectDetails: [{ type: 'MSH-10', value: 'MzI0NDA2NjA5' }],
    });
    expect(Buffer.from(m.participantObjects[0]!.participantObjectQuery!, 'base64').toString()).toMatch(
      /^MSH\|/,
    );
    expect(m.participantObjects[1]?.participantObjectId).toBe(
      '24^^^MPI&2.16.840.1.113883.3.37.4.1.1.2.1.1&ISO^PI',
    );
  });

  it('keeps an empty EventOutcomeDescription distinct from an absent one', () => {
    const xml = toAuditXml({
      ...minimal,
      eventIdentification: { ...minimal.eventIdentification, eventOutcomeDescription: '' },
    });
    expect(xml).toContain('<EventOutcomeDescription/>');
    expect(parseAuditXml(xml).eventIdentification.eventOutcomeDescription).toBe('');
    expect('eventOutcomeDescription' in parseAuditXml(toAuditXml(minimal)).eventIdentification).toBe(false);
  });

  it('reads DICOM object descriptions and PurposeOfUse', () => {
    const xml = `<AuditMessage>
      <EventIdentification EventActionCode="R" EventDateTime="2026-01-01T10:00:00+01:00" EventOutcomeIndicator="4">
        <EventID csd-code="110106" codeSystemName="DCM" originalText="Export"/>
        <EventOutcomeDescription>partial</EventOutcomeDescription>
        <PurposeOfUse csd-code="TREATMENT" codeSystemName="2.16.840.1.113883.3.18.7.1" originalText="Treatment"/>
      </EventIdentification>
      <ActiveParticipant UserID="u" UserIsRequestor="1"><MediaIdentifier><MediaType csd-code="110033" codeSystemName="DCM" originalText="DVD"/></MediaIdentifier></ActiveParticipant>
      <AuditSourceIdentification AuditSourceID="s"><AuditSourceTypeCode csd-code="4"/></AuditSourceIdentification>
      <ParticipantObjectIdentification ParticipantObjectID="1.2.3" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3" ParticipantObjectSensitivity="N">
        <ParticipantObjectIDTypeCode csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID"/>
        <ParticipantObjectName>study</ParticipantObjectName>
        <ParticipantObjectDescription>
          <MPPS UID="1.9"/><Accession Number="A1"/>
          <SOPClass UID="1.2.840.10008.5.1.4.1.1.2" NumberOfInstances="2"><Instance UID="1.1"/><Instance UID="1.2"/></SOPClass>
          <ParticipantObjectContainsStudy><StudyIDs UID="1.2.3"/></ParticipantObjectContainsStudy>
          <Encrypted>false</Encrypted><Anonymized>true</Anonymized>
        </ParticipantObjectDescription>
      </ParticipantObjectIdentification>
    </AuditMessage>`;
    const { message, form } = parseAuditXmlWithForm(xml);
    expect(form).toBe('dicom');
    expect(message.eventIdentification.purposesOfUse).toEqual([
      { csdCode: 'TREATMENT', codeSystemName: '2.16.840.1.113883.3.18.7.1', originalText: 'Treatment' },
    ]);
    expect(message.activeParticipants[0]).toMatchObject({
      userIsRequestor: true,
      mediaType: { csdCode: '110033' },
    });
    expect(message.auditSourceIdentification.auditSourceTypeCodes).toEqual([{ csdCode: '4' }]);
    expect(message.participantObjects[0]).toMatchObject({
      participantObjectName: 'study',
      participantObjectSensitivity: 'N',
      participantObjectDescriptions: [
        {
          mppsUids: ['1.9'],
          accessionNumbers: ['A1'],
          sopClasses: [
            { uid: '1.2.840.10008.5.1.4.1.1.2', numberOfInstances: 2, instanceUids: ['1.1', '1.2'] },
          ],
          studyUids: ['1.2.3'],
          encrypted: false,
          anonymized: true,
        },
      ],
    });
    expect(parseAuditXml(toAuditXml(message))).toEqual(message);
  });
});

describe('parseAuditXml, RFC 3881 form', () => {
  const rfc3881 = `<?xml version="1.0" encoding="UTF-8"?>
<AuditMessage xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <EventIdentification EventActionCode="C" EventDateTime="2009-04-02T12:00:00Z" EventOutcomeIndicator="0">
    <EventID code="110107" codeSystemName="DCM" displayName="Import"/>
    <EventTypeCode code="ITI-41" codeSystemName="IHE Transactions" displayName="Provide and Register Document Set-b"/>
  </EventIdentification>
  <ActiveParticipant UserID="http://www.w3.org/2005/08/addressing/anonymous" NetworkAccessPointID="10.0.0.1" NetworkAccessPointTypeCode="2">
    <RoleIDCode code="110153" codeSystemName="DCM" displayName="Source"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="http://repo/iti41" AlternativeUserID="123" UserIsRequestor="false">
    <RoleIDCode code="110152" codeSystemName="DCM" displayName="Destination"/>
  </ActiveParticipant>
  <AuditSourceIdentification AuditSourceID="repo"><AuditSourceTypeCode code="4"/></AuditSourceIdentification>
  <ParticipantObjectIdentification ParticipantObjectID="p1^^^&amp;1.2&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode code="2"  codeSystem="1.3.6.1.4.1.19376" displayName="Patient Number"/>
  </ParticipantObjectIdentification>
  <ParticipantObjectIdentification ParticipantObjectID="1.2.3" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="20">
    <ParticipantObjectIDTypeCode code="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd" codeSystemName="IHE XDS Metadata" displayName="submission set classificationNode"/>
    <ParticipantObjectDescription>free text from the old form</ParticipantObjectDescription>
    <SOPClass UID="1.2.840.10008.5.1.4.1.1.2" NumberOfInstances="1"/>
  </ParticipantObjectIdentification>
</AuditMessage>`;

  it('parses to the same model shape and reports the form', () => {
    const { message, form } = parseAuditXmlWithForm(rfc3881);
    expect(form).toBe('rfc3881');
    expect(message.eventIdentification.eventId).toEqual({
      csdCode: '110107',
      codeSystemName: 'DCM',
      originalText: 'Import',
    });
    expect(message.eventIdentification.eventTypeCodes[0]?.csdCode).toBe('ITI-41');
    // RFC 3881 defaulted UserIsRequestor to true.
    expect(message.activeParticipants.map((p) => p.userIsRequestor)).toEqual([true, false]);
    expect(message.activeParticipants[0]?.roleIdCodes[0]).toEqual({
      csdCode: '110153',
      codeSystemName: 'DCM',
      originalText: 'Source',
    });
    expect(message.auditSourceIdentification.auditSourceTypeCodes).toEqual([{ csdCode: '4' }]);
    expect(message.participantObjects[0]?.participantObjectIdTypeCode).toEqual({
      csdCode: '2',
      codeSystemName: '1.3.6.1.4.1.19376',
      originalText: 'Patient Number',
    });
    expect(message.participantObjects[1]?.participantObjectDescriptions).toEqual([
      {
        mppsUids: [],
        accessionNumbers: [],
        sopClasses: [{ uid: '1.2.840.10008.5.1.4.1.1.2', numberOfInstances: 1, instanceUids: [] }],
      },
    ]);
    // Written back out it is the DICOM form, which parses to the same model.
    const again = parseAuditXmlWithForm(toAuditXml(message));
    expect(again.form).toBe('dicom');
    expect(again.message).toEqual(message);
  });
});

describe('parseAuditXml rejects', () => {
  it('hostile XML (DOCTYPE / entities) as malformed-xml with the XmlError as cause', () => {
    const e = formatError(
      () =>
        parseAuditXml(
          '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><AuditMessage>&x;</AuditMessage>',
        ),
      'malformed-xml',
    );
    expect(e.cause).toBeInstanceOf(XmlError);
    expect((e.cause as XmlError).reason).toBe('doctype');
  });

  it('broken XML and oversized input', () => {
    formatError(() => parseAuditXml('<AuditMessage><EventIdentification>'), 'malformed-xml');
    formatError(() => parseAuditXml(toAuditXml(minimal), { limits: { maxBytes: 100 } }), 'malformed-xml');
  });

  it('well-formed XML that is not an audit message', () => {
    const e = formatError(() => parseAuditXml('<Envelope><Body/></Envelope>'), 'not-audit-message');
    expect(e.message).toContain('Envelope');
  });

  it('messages missing what the schema requires, naming where', () => {
    const xml = toAuditXml(minimal);
    expect(
      formatError(() => parseAuditXml(xml.replace(/<EventID [^>]*\/>/, '')), 'missing-element').path,
    ).toBe('AuditMessage/EventIdentification/EventID');
    expect(
      formatError(() => parseAuditXml(xml.replace(/<ActiveParticipant [^>]*\/>/, '')), 'missing-element')
        .path,
    ).toBe('AuditMessage/ActiveParticipant');
    expect(
      formatError(() => parseAuditXml(xml.replace(' UserIsRequestor="true"', '')), 'missing-attribute').path,
    ).toBe('AuditMessage/ActiveParticipant[1]@UserIsRequestor');
    formatError(
      () => parseAuditXml(xml.replace(/<AuditSourceIdentification [^>]*\/>/, '')),
      'missing-element',
    );
    formatError(() => parseAuditXml(xml.replace(' csd-code="110106"', '')), 'missing-attribute');
  });

  it('values outside their enumerations and duplicates of single elements', () => {
    const xml = toAuditXml(minimal);
    formatError(
      () => parseAuditXml(xml.replace('EventOutcomeIndicator="0"', 'EventOutcomeIndicator="3"')),
      'invalid-value',
    );
    formatError(
      () => parseAuditXml(xml.replace('EventActionCode="R"', 'EventActionCode="X"')),
      'invalid-value',
    );
    formatError(() => parseAuditXml(xml.replace('2026-11-25T20:00:00.000Z', 'yesterday')), 'invalid-value');
    formatError(
      () => parseAuditXml(xml.replace('UserIsRequestor="true"', 'UserIsRequestor="yes"')),
      'invalid-value',
    );
    formatError(() => parseAuditXml(xml.replace(/(<EventID [^>]*\/>)/, '$1$1')), 'duplicate-element');
  });
});
