/** The README's error-code table lists exactly the catalogue (HOUSE_STYLE "One error model"). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HL7_ERROR_CODES, ackCodeFor, hl7Error } from './index.js';

describe('HL7 error codes', () => {
  it('README lists exactly the catalogue, with its texts and acknowledgement codes', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| (\d{3}) \| ([^|]+) \| (A[ER]) \|$/gm)].map((m) => [
      m[1],
      m[2]?.trim(),
      m[3],
    ]);
    expect(rows).toEqual(Object.values(HL7_ERROR_CODES).map((c) => [c.code, c.text, c.ack]));
  });
  it('answers AR when any error rejects the message, AE for content errors, AA without errors', () => {
    expect(ackCodeFor([])).toBe('AA');
    expect(ackCodeFor([hl7Error('204')])).toBe('AE');
    expect(ackCodeFor([hl7Error('101'), hl7Error('203')])).toBe('AR');
    expect(ackCodeFor([{ code: '203', severity: 'W' }])).toBe('AA');
  });
});
