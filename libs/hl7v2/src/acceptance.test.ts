/**
 * The ITI-8 accept/NAK set derived from IPF's TestIti8 (../shared/conformance/03-hl7v2/
 * ipf-derived-iti8-acceptance, read in place): each file is checked against the ITI-8
 * profile and acknowledged; EXPECTED.tsv says AA or NAK.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILES, buildAck, checkStructure, parseHl7 } from './index.js';

const dir = fileURLToPath(
  new URL('../../../../shared/conformance/03-hl7v2/ipf-derived-iti8-acceptance/', import.meta.url),
);
const rows = readFileSync(join(dir, 'EXPECTED.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim() !== '')
  .map((l) => l.split('\t') as [string, string, string, string]);

const responder = {
  application: 'MESH_MPI',
  facility: 'NATIONAL',
  nextControlId: () => 'r1',
  clock: () => new Date(0),
};

describe('ITI-8 acceptance set (EXPECTED.tsv)', () => {
  it('has the six cases', () => {
    expect(rows).toHaveLength(6);
  });
  for (const [file, type, version, expected] of rows) {
    it(`${file} (${type}, ${version}) -> ${expected.split(' ')[0]}`, () => {
      const msg = parseHl7(readFileSync(join(dir, file)));
      const issues = checkStructure(msg, PROFILES['ITI-8']);
      const ack = parseHl7(buildAck(msg, responder, { issues, version: '2.3.1' }).toBytes());
      const msa1 = ack.segment('MSA')?.get(1);
      expect(ack.segment('MSA')?.get(2)).toBe('123456');
      if (expected.startsWith('ACK MSA-1=AA')) {
        expect(issues).toEqual([]);
        expect(msa1).toBe('AA');
      } else {
        expect(expected.startsWith('NAK')).toBe(true);
        expect(msa1).toMatch(/^A[ER]$/);
        expect(ack.all('ERR')).toHaveLength(1);
      }
    });
  }
  it('names the spec codes', () => {
    const codes = rows.map(
      ([file]) => checkStructure(parseHl7(readFileSync(join(dir, file))), PROFILES['ITI-8'])[0]?.code,
    );
    expect(codes).toEqual([undefined, '200', '201', '203', '203', '200']);
  });
});
