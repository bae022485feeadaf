import { readFileSync } from 'node:fs';
import { error, warning } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { ACK_DETAIL_CODES, ackTypeFor } from './index.js';

describe('acknowledgementDetail codes', () => {
  it('README lists exactly the catalogue, with the same typeCode', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z0-9]+)` \| [^|]+\| (A[ER]) \|/gm)].map((m) => [m[1], m[2]]);
    const byCode = (a: unknown[], b: unknown[]): number => String(a[0]).localeCompare(String(b[0]));
    expect(rows.sort(byCode)).toEqual(
      Object.values(ACK_DETAIL_CODES)
        .map((c) => [c.code, c.ack])
        .sort(byCode),
    );
  });

  it('ackTypeFor: AA without errors, AR when any error rejects, else AE', () => {
    expect(ackTypeFor([])).toBe('AA');
    expect(ackTypeFor([warning('SYN103', 'w')])).toBe('AA');
    expect(ackTypeFor([error('204', 'unknown')])).toBe('AE');
    expect(ackTypeFor([error('SYN105', 'missing'), error('NS250', 'mode')])).toBe('AR');
    expect(ackTypeFor([error('SomethingElse', '?')])).toBe('AE');
  });
});
