import { describe, expect, it } from 'vitest';
import type { AuditMessage } from './index.js';
import { AuditFormatError, toAuditXml } from './index.js';

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

describe('toAuditXml', () => {
  it('writes the schema element order without a namespace and escapes attribute values', () => {
    const xml = toAuditXml(minimal);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><AuditMessage><EventIdentification /);
    expect(xml).toContain('UserID="a&quot;b&lt;c&gt;&amp;&#10;d"');
    expect(xml.indexOf('<ActiveParticipant')).toBeLessThan(xml.indexOf('<AuditSourceIdentification'));
  });

  it('refuses a message without ActiveParticipant', () => {
    expect(() => toAuditXml({ ...minimal, activeParticipants: [] })).toThrow(AuditFormatError);
  });
});
