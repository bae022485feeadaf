/**
 * The IPF validation pairs (../shared/conformance/03-hl7v3/ipf/validation and ipf/xsd, read
 * in place): each `*-good` / `*-valid` file is accepted, each `*-wrong` / `*-invalid` one is
 * rejected with the reason IPF's schematron (ipf-schematron/) or schema gives.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIti44, parseIti47Response } from './index.js';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');

const QMO_VALUE =
  '/PRPA_IN201306UV02/controlActProcess/subject[1]/registrationEvent/subject1/patient/subjectOf1[1]/queryMatchObservation/value';

describe('IPF validation pairs', () => {
  it('type-ns: queryMatchObservation value typed ns1:INT is accepted, ns1:REAL rejected (ITI TF-2 3.47.4.2.2.2)', () => {
    const good = parseIti47Response(read('validation/type-ns-good.xml'));
    expect(good.issues).toEqual([]);
    expect(good.ok).toBe(true);
    const wrong = parseIti47Response(read('validation/type-ns-wrong.xml'));
    expect(wrong.ok).toBe(false);
    expect(wrong.issues).toEqual([
      expect.objectContaining({ code: 'SYN102', severity: 'Error', location: QMO_VALUE }),
    ]);
    expect(wrong.issues[0]?.context).toContain('INT');
  });

  it('type-nons: the same with the HL7 namespace as default (xsi:type INT vs REAL)', () => {
    const good = parseIti47Response(read('validation/type-nons-good.xml'));
    expect(good.issues).toEqual([]);
    expect(good.ok).toBe(true);
    const wrong = parseIti47Response(read('validation/type-nons-wrong.xml'));
    expect(wrong.ok).toBe(false);
    expect(wrong.issues).toEqual([
      expect.objectContaining({ code: 'SYN102', severity: 'Error', location: QMO_VALUE }),
    ]);
  });

  it('iti44-multipatient: two subjects in one feed are rejected (exactly one subject, ITI TF-2 3.44.4.1.2)', () => {
    const r = parseIti44(read('validation/iti44-multipatient-request-1.xml'));
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'SYN108',
        location: '/PRPA_IN201301UV02/controlActProcess/subject[2]',
      }),
    ]);
    // the header is still read, so the handler can address its AE acknowledgement
    if (!r.ok) expect(r.header?.messageId).toEqual({ root: '2.25.19' });
  });

  it('xsd: prpa-valid is accepted, prpa-invalid (idA instead of the wrapper) rejected with the missing elements', () => {
    const valid = parseIti44(read('xsd/prpa-valid.xml'));
    expect(valid.issues).toEqual([]);
    expect(valid.ok).toBe(true);
    const invalid = parseIti44(read('xsd/prpa-invalid.xml'));
    expect(invalid.ok).toBe(false);
    expect(invalid.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'SYN105', location: '/PRPA_IN201301UV02/id' }),
        expect.objectContaining({ code: 'SYN105', location: '/PRPA_IN201301UV02/interactionId' }),
        expect.objectContaining({ code: 'SYN105', location: '/PRPA_IN201301UV02/receiver' }),
        expect.objectContaining({ code: 'SYN105', location: '/PRPA_IN201301UV02/controlActProcess' }),
      ]),
    );
  });
});
