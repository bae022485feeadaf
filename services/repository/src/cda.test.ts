import { describe, expect, it } from 'vitest';
import { checkCda, looksLikeCda } from './cda.js';
import type { CdaValidator } from './cda.js';
import { cda, entry, newPatient } from './test-fixtures.js';

const opts = { location: 'Document(Document01)', patientCheck: true, validation: 'error' as const };

describe('looksLikeCda', () => {
  it('recognises a ClinicalDocument root in XML mime types only', () => {
    const head = cda(newPatient()).subarray(0, 4096);
    expect(looksLikeCda('text/xml', head)).toBe(true);
    expect(looksLikeCda('application/xml; charset=UTF-8', head)).toBe(true);
    expect(looksLikeCda('application/pdf', head)).toBe(false);
    expect(looksLikeCda(undefined, head)).toBe(false);
    expect(looksLikeCda('text/xml', Buffer.from('<?xml version="1.0"?><!-- c --><report/>'))).toBe(false);
    expect(looksLikeCda('text/xml', Buffer.from('<hl7:ClinicalDocument xmlns:hl7="urn:hl7-org:v3"/>'))).toBe(
      true,
    );
  });

  it('treats any DOCTYPE as a CDA candidate so that the hardened parser refuses it', () => {
    expect(looksLikeCda('text/xml', Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x/>'))).toBe(true);
  });
});

describe('checkCda', () => {
  it('accepts the CDA of the submission patient', async () => {
    const p = newPatient();
    expect(await checkCda(cda(p), entry(p, 'Document01'), opts)).toEqual([]);
  });

  it('refuses another patient with XDSPatientIdDoesNotMatch', async () => {
    const p = newPatient();
    const issues = await checkCda(cda(newPatient()), entry(p, 'Document01'), opts);
    expect(issues).toMatchObject([{ code: 'XDSPatientIdDoesNotMatch', location: 'Document(Document01)' }]);
  });

  it('does not check the patient when configured off', async () => {
    const p = newPatient();
    expect(
      await checkCda(cda(newPatient()), entry(p, 'Document01'), { ...opts, patientCheck: false }),
    ).toEqual([]);
  });

  it('refuses DOCTYPE, broken XML and a ClinicalDocument outside the HL7 v3 namespace', async () => {
    const p = newPatient();
    const e = entry(p, 'Document01');
    for (const bytes of [
      cda(p, 2000, { doctype: true }),
      cda(p).subarray(0, 300),
      Buffer.from('<ClinicalDocument xmlns="urn:other"/>'),
    ])
      expect(await checkCda(bytes, e, opts)).toMatchObject([{ code: 'XDSRepositoryMetadataError' }]);
  });

  it('maps validation hook findings by configuration', async () => {
    const p = newPatient();
    const e = entry(p, 'Document01');
    const validator: CdaValidator = {
      validate: () =>
        Promise.resolve([
          { severity: 'Error', message: 'rule 1 failed', location: '/ClinicalDocument/code' },
          { severity: 'Warning', message: 'rule 2 advice' },
        ]),
    };
    expect(await checkCda(cda(p), e, { ...opts, validator })).toMatchObject([
      {
        code: 'XDSRepositoryMetadataError',
        severity: 'Error',
        location: 'Document(Document01) /ClinicalDocument/code',
      },
      { code: 'XDSRepositoryMetadataError', severity: 'Warning' },
    ]);
    expect(
      (await checkCda(cda(p), e, { ...opts, validation: 'warning', validator })).map((i) => i.severity),
    ).toEqual(['Warning', 'Warning']);
    expect(await checkCda(cda(p), e, { ...opts, validation: 'off', validator })).toEqual([]);
  });
});
