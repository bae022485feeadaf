import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIti44 } from './index.js';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');

describe('parseIti44 on the IPF samples', () => {
  for (const f of [
    'translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml',
    'translation/pixfeed/v3/PIX_FEED_REV_Maximal_Request.xml',
    'translation/pixfeed/v3/PIX_FEED_MERGE_Maximal_Request.xml',
    'translation/pixsource/v3/A01_Response.xml',
    'translation/pixsource/v3/A01_with_BR_Response.xml',
    'translation/pixsource/v3/A04_Response.xml',
    'translation/pixsource/v3/A08_Response.xml',
    'translation/pixsource/v3/A40_Response.xml',
    'xsd/prpa-valid.xml',
  ]) {
    it(f, () => {
      const r = parseIti44(read(f));
      expect(r.issues).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});
