/**
 * Differential safety net for the audit writers: a broad deterministic set of inputs
 * (differential-cases.ts) is built and serialized, and a fingerprint of each result (the
 * model, the exact XML bytes, or the error with its reason and path) must equal the one
 * recorded in differential.digests.json. The digests were recorded with the straightforward
 * writer this package had before it was optimised; any change to what a builder returns or
 * to a single byte toAuditXml writes shows up here by case name.
 *
 * After an intended output change, re-record with
 *   AUDIT_DIGESTS_UPDATE=1 pnpm exec vitest run libs/audit/src/differential.test.ts
 * and say why in the commit.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelCases, securityEventCases, transactionCases } from './differential-cases.js';
import type { DifferentialCase } from './differential-cases.js';
import { AuditFormatError } from './errors.js';
import { toAuditXml } from './xml.js';

const file = fileURLToPath(new URL('./differential.digests.json', import.meta.url));

/** JSON with keys sorted, so the fingerprint is about content, not property order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function errorText(e: unknown): string {
  if (e instanceof AuditFormatError) return `AuditFormatError ${e.reason} ${e.path} ${e.message}`;
  throw e;
}

/** The model (or build error), the XML with and without declaration (or serialization error). */
function fingerprint(c: DifferentialCase): string {
  let out: string;
  try {
    const message = c.run();
    out = canonical(message);
    try {
      out += `\n${toAuditXml(message)}\n${toAuditXml(message, { declaration: false })}`;
    } catch (e) {
      out += `\n${errorText(e)}`;
    }
  } catch (e) {
    out = errorText(e);
  }
  return createHash('sha256').update(out).digest('hex').slice(0, 24);
}

const groups: Record<string, DifferentialCase[]> = {
  transactions: transactionCases(),
  models: modelCases(),
  securityEvents: securityEventCases(),
};

describe('audit builders and toAuditXml, differential', () => {
  const actual = Object.fromEntries(
    Object.entries(groups).map(([g, cases]) => [
      g,
      Object.fromEntries(cases.map((c) => [c.name, fingerprint(c)])),
    ]),
  );
  if (process.env['AUDIT_DIGESTS_UPDATE'] === '1')
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;

  it('covers successes and errors in every group (a generator change must not hollow it out)', () => {
    for (const [g, cases] of Object.entries(groups)) {
      expect(cases.length, g).toBeGreaterThanOrEqual(30);
      expect(Object.keys(recorded[g] ?? {}), g).toHaveLength(cases.length);
    }
    const errors = transactionCases().filter((c) => {
      try {
        toAuditXml(c.run());
        return false;
      } catch {
        return true;
      }
    });
    expect(errors.length).toBeGreaterThan(20);
    expect(errors.length).toBeLessThan(transactionCases().length / 2);
  });

  it.each(Object.keys(groups))('%s: every fingerprint is the recorded one', (g) => {
    expect(actual[g]).toEqual(recorded[g]);
  });
});
