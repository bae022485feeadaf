import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applicationActivityAudit,
  auditSource,
  nodeAuthenticationFailureAudit,
  parseAuditXml,
  toAuditXml,
  userAuthenticationAudit,
} from './index.js';

const source = auditSource('mesh-registry', 'LU');
const at = new Date('2026-11-25T21:00:00.000Z');
const codes = (c: { csdCode: string; codeSystemName?: string }[]): string[] =>
  c.map((x) => `${x.csdCode}|${x.codeSystemName ?? ''}`);

describe('Secure Node self-audits', () => {
  it('application start has the codes and participant roles of a real IPF record (start.xml)', () => {
    const ipf = parseAuditXml(
      readFileSync(
        fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/start.xml', import.meta.url)),
      ),
    );
    const m = applicationActivityAudit({
      activity: 'start',
      eventDateTime: at,
      application: { userId: 'mesh-registry', altUserId: '4711', networkAccessPoint: '10.0.75.1' },
      launchers: [{ userId: 'kubernetes' }],
      auditSource: source,
    });
    const ei = m.eventIdentification;
    expect([ei.eventId.csdCode, ei.eventActionCode, ...codes([...ei.eventTypeCodes])]).toEqual([
      ipf.eventIdentification.eventId.csdCode,
      ipf.eventIdentification.eventActionCode,
      ...codes([...ipf.eventIdentification.eventTypeCodes]),
    ]);
    const roles = (msg: typeof m) =>
      msg.activeParticipants.map((p) => [p.roleIdCodes[0]?.csdCode, p.userIsRequestor]);
    expect(roles(m)).toEqual(roles(ipf));
    expect(m.activeParticipants[0]).toMatchObject({
      alternativeUserId: '4711',
      networkAccessPointTypeCode: 2,
    });
    expect(parseAuditXml(toAuditXml(m))).toEqual(m);
    expect(
      applicationActivityAudit({
        activity: 'stop',
        eventDateTime: at,
        application: { userId: 'x' },
        auditSource: source,
      }).eventIdentification.eventTypeCodes[0]?.csdCode,
    ).toBe('110121');
  });

  it('node-authentication failure is a Security Alert about the peer, with the reason', () => {
    const m = nodeAuthenticationFailureAudit({
      eventDateTime: at,
      reporter: {
        userId: 'mesh-audit-repository',
        altUserId: '12',
        networkAccessPoint: 'audit.mesh.example',
      },
      peer: { userId: '10.9.8.7', userName: 'CN=rogue', networkAccessPoint: '10.9.8.7' },
      subject: { id: 'tls://10.9.8.7:6514', kind: 'uri' },
      description: 'certificate expired',
      auditSource: source,
    });
    expect(m.eventIdentification).toMatchObject({
      eventId: { csdCode: '110113', codeSystemName: 'DCM' },
      eventActionCode: 'E',
      eventOutcomeIndicator: 4,
      eventTypeCodes: [{ csdCode: '110126', codeSystemName: 'DCM', originalText: 'Node Authentication' }],
    });
    expect(m.activeParticipants.map((p) => p.userIsRequestor)).toEqual([true, false]);
    expect(m.participantObjects).toEqual([
      {
        participantObjectId: 'tls://10.9.8.7:6514',
        participantObjectTypeCode: 2,
        participantObjectTypeCodeRole: 13,
        participantObjectIdTypeCode: { csdCode: '12', codeSystemName: 'RFC-3881', originalText: 'URI' },
        participantObjectDetails: [
          { type: 'Alert Description', value: Buffer.from('certificate expired').toString('base64') },
        ],
      },
    ]);
    expect(parseAuditXml(toAuditXml(m))).toEqual(m);
  });

  it('user login and logout', () => {
    const m = userAuthenticationAudit({
      activity: 'login',
      eventDateTime: at,
      outcome: 4,
      user: { userId: 'admin', networkAccessPoint: '192.168.1.9' },
      authenticatingNode: { userId: 'admin-console' },
      auditSource: source,
    });
    expect(m.eventIdentification).toMatchObject({
      eventId: { csdCode: '110114' },
      eventOutcomeIndicator: 4,
      eventTypeCodes: [{ csdCode: '110122' }],
    });
    expect(m.activeParticipants.map((p) => [p.userId, p.userIsRequestor])).toEqual([
      ['admin', true],
      ['admin-console', false],
    ]);
    expect(parseAuditXml(toAuditXml(m))).toEqual(m);
  });
});
