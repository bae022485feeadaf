/**
 * Reading never throws on content (ITI TF-3 4.2.4.1: every problem is reported): the valid
 * fixture with random elements and attributes removed, 300 variants from a fixed seed.
 */
import { parseXml, select } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { readSubmitObjectsRequest } from './ebrim-read.js';
import { writeSubmitObjectsRequest } from './ebrim-write.js';
import { counterIds, validSubmission } from './fixture.test-support.js';

/** Mulberry32: a small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reading damaged metadata', () => {
  it('never throws, and every issue is an XDSRegistryMetadataError with a location', () => {
    const xml = writeSubmitObjectsRequest(validSubmission(), { newId: counterIds() });
    const random = prng(42);
    let withIssues = 0;
    for (let i = 0; i < 300; i++) {
      const doc = parseXml(xml);
      const all = select('//rim:RegistryObjectList//*', doc) as Element[];
      for (let k = 0; k < 3; k++) {
        const el = all[Math.floor(random() * all.length)]!;
        const attrs = Array.from({ length: el.attributes.length }, (_, j) => el.attributes.item(j)!.name);
        if (random() < 0.5 && attrs.length > 0)
          el.removeAttribute(attrs[Math.floor(random() * attrs.length)]!);
        else el.parentNode?.removeChild(el);
      }
      const r = readSubmitObjectsRequest(doc);
      if (r.issues.length > 0) withIssues++;
      for (const issue of r.issues) {
        expect(issue.code).toBe('XDSRegistryMetadataError');
        expect(issue.location).toBeTruthy();
      }
    }
    // The damage is real: most variants are reported (removing e.g. a charset is harmless).
    expect(withIssues).toBeGreaterThan(150);
  });
});
