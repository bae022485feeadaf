import { describe, expect, it } from 'vitest';
import {
  PROFILES,
  buildAck,
  buildQueryResponse,
  checkStructure,
  hl7Error,
  parseHl7,
  segment,
} from './index.js';

const responder = {
  application: 'MESH_MPI',
  facility: 'NATIONAL',
  nextControlId: () => 'r1',
  clock: () => new Date(0),
};
const q23 =
  'MSH|^~\\&|CLIENT|HOSP|MESH|NAT|20240101||QBP^Q23^QBP_Q21|c1|P|2.5\rQPD|IHE PIX Query|tag1|x^^^&1.2&ISO|^^^&1.3&ISO\rRCP|I\r';

describe('ACK', () => {
  it('writes v2.5 ERR with location, code and severity', () => {
    const req = parseHl7(q23);
    const ack = buildAck(req, responder, { issues: [hl7Error('204', 'unknown', 'QPD-3.4')], version: '2.5' });
    const lines = ack.encode().split('\r');
    expect(lines[0]).toBe(
      'MSH|^~\\&|MESH_MPI|NATIONAL|CLIENT|HOSP|19700101000000+0000||ACK^Q23^ACK|r1|P|2.5',
    );
    expect(lines[1]).toBe('MSA|AE|c1');
    expect(lines[2]).toBe('ERR||QPD^1^3^1^4|204^Unknown key identifier^HL70357|E||||unknown');
  });
  it('writes v2.3.1 ERR-1 and AR for rejections', () => {
    const req = parseHl7('MSH|^~\\&|A|B|C|D|1||ADT^A02|c2|P|2.3.1\rEVN|A02\rPID|1\rPV1|1\r');
    const issues = checkStructure(req, PROFILES['ITI-8']);
    const ack = buildAck(req, responder, { issues, version: '2.3.1' });
    const lines = ack.encode().split('\r');
    expect(lines[0]).toContain('|ACK^A02|r1|P|2.3.1');
    expect(lines[1]).toMatch(/^MSA\|AR\|c2\|/);
    expect(lines[2]).toBe('ERR|MSH^1^9^201&Unsupported event code&HL70357');
  });
  it('detects missing segments (100) and missing MSH-10 (101)', () => {
    expect(
      checkStructure(parseHl7('MSH|^~\\&|A|B|C|D|1||ADT^A01|c|P|2.3.1\rEVN|A01\rPV1|1\r'), PROFILES['ITI-8']),
    ).toMatchObject([{ code: '100', location: { segment: 'PID' } }]);
    expect(
      checkStructure(parseHl7('MSH|^~\\&|A|B|C|D|1||ADT^A01||P|2.3.1\r'), PROFILES['ITI-8'])[0]?.code,
    ).toBe('101');
  });
});

describe('RSP', () => {
  it('builds RSP^K23 with QAK and the echoed QPD', () => {
    const req = parseHl7(q23);
    const rsp = buildQueryResponse(req, responder, {
      messageType: ['RSP', 'K23', 'RSP_K23'],
      issues: [],
      status: 'OK',
      body: [segment('PID', '1', undefined, ['y', '', '', ['', '1.3', 'ISO'], 'PI'])],
    });
    const lines = rsp.encode().split('\r');
    expect(lines.slice(1, 5)).toEqual([
      'MSA|AA|c1',
      'QAK|tag1|OK',
      'QPD|IHE PIX Query|tag1|x^^^&1.2&ISO|^^^&1.3&ISO',
      'PID|1||y^^^&1.3&ISO^PI',
    ]);
  });
});
