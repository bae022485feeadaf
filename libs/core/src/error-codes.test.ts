import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGISTRY_ERROR_CODES, isRegistryErrorCode } from './error-codes.js';

/** docs/errors.md, the published list of codes (HOUSE_STYLE: one catalogue kept in sync with its docs by a test). */
const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the one markdown table whose header starts with `| code |`, as cells. */
function tableRows(markdown: string): string[][] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => /^\|\s*code\s*\|/.test(l));
  expect(header, 'docs/errors.md has a table with a "code" column').toBeGreaterThanOrEqual(0);
  expect(lines[header]!.split('|').map((c) => c.trim())).toEqual([
    '',
    'code',
    'severity',
    'defined in',
    'transactions',
    'meaning',
    '',
  ]);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const rows = tableRows(doc);
const documented = rows.map((r) => r[0]!.replace(/`/g, ''));

describe('error catalogue and docs/errors.md', () => {
  it('list exactly the same codes, each once', () => {
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(REGISTRY_ERROR_CODES).sort());
  });

  it('agree on severity, source and transactions', () => {
    for (const [code, severity, tf, transactions] of rows) {
      const spec = REGISTRY_ERROR_CODES[code as keyof typeof REGISTRY_ERROR_CODES];
      expect(severity, code).toBe(spec.severity);
      expect(tf, code).toBe(spec.tf);
      expect(transactions?.split(/,\s*/), code).toEqual(spec.transactions);
    }
  });
});

describe('REGISTRY_ERROR_CODES', () => {
  const specs = Object.entries(REGISTRY_ERROR_CODES);

  it('keys every spec by its code and cites the TF', () => {
    for (const [key, spec] of specs) {
      expect(spec.code).toBe(key);
      expect(spec.tf).toMatch(/^ITI TF-[23] /);
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.transactions.length).toBeGreaterThan(0);
      for (const t of spec.transactions) expect(t).toMatch(/^ITI-\d+$/);
    }
  });

  it('marks as warnings exactly the codes ITI TF-3 Table 4.2.4.1-2 defines as warnings', () => {
    const warnings = specs.filter(([, s]) => s.severity === 'Warning').map(([c]) => c);
    expect(warnings.sort()).toEqual([
      'DocumentQueued',
      'PartialAppendContentNotProcessed',
      'PartialFolderContentNotProcessed',
      'PartialRelationshipContentNotProcessed',
      'PartialReplaceContentNotProcessed',
      'PartialTransformNotProcessed',
      'PartialTransformReplaceNotProcessed',
      'XDSExtraMetadataNotSaved',
    ]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(REGISTRY_ERROR_CODES)).toBe(true);
  });

  it('isRegistryErrorCode accepts catalogue codes only, not inherited keys', () => {
    expect(isRegistryErrorCode('XDSRegistryMetadataError')).toBe(true);
    expect(isRegistryErrorCode('XDSReplaceFailed')).toBe(false);
    expect(isRegistryErrorCode('toString')).toBe(false);
    expect(isRegistryErrorCode('xdsregistrymetadataerror')).toBe(false);
  });
});
