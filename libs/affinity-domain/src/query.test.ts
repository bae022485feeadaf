/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- the variant edits the default JSON of any shape */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAffinityDomain } from './parse.js';
import { DEFAULT_AFFINITY_DOMAIN_URL } from './files.js';
import {
  affinityDomainPatientId,
  assigningAuthority,
  attributeOfClassificationScheme,
  findCode,
  isAffinityDomainPatientId,
  isAllowedCode,
  isAllowedLanguageCode,
  isAllowedMimeType,
  isConstrained,
  isKnownAssigningAuthority,
  isKnownRepository,
  lookupsFor,
  parseXdsPatientId,
  publicView,
  valueSet,
} from './query.js';
import { CODED_ATTRIBUTE_NAMES } from './model.js';

const defaultJson = (): Record<string, any> => JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8'));
const domain = parseAffinityDomain(defaultJson());
const LOINC = '2.16.840.1.113883.6.1';
const VARIANT_ASSOCIATION = {
  code: 'REPLACES-REASON',
  codeSystem: '1.2.3.4',
  displayName: 'Replacement reason',
};
const VARIANT_CLASS = { code: 'VAR-1', codeSystem: '1.2.3.5', displayName: 'Variant class' };

/**
 * The default with the optional value sets the other way round: associationDocumentation
 * constrained to one code, mimeType and languageCode unconstrained, and classCode a
 * one-code set, so that lookups on it visibly differ from lookups on the default.
 */
function variant() {
  const json = defaultJson();
  json.valueSets.associationDocumentation = [VARIANT_ASSOCIATION];
  json.valueSets.classCode = [VARIANT_CLASS];
  delete json.valueSets.mimeType;
  delete json.valueSets.languageCode;
  return parseAffinityDomain(json);
}
const other = variant();
const NATIONAL = '1.3.6.1.4.1.99999.1.1';

describe('codes', () => {
  it('accepts a code of the value set with its coding scheme', () => {
    expect(isAllowedCode(domain, 'classCode', '18842-5', LOINC)).toBe(true);
    expect(isAllowedCode(domain, 'typeCode', '34745-0', LOINC)).toBe(true);
    expect(isAllowedCode(domain, 'confidentialityCode', 'V', '2.16.840.1.113883.5.25')).toBe(true);
    expect(isAllowedCode(domain, 'formatCode', 'urn:ihe:lab:xd-lab:2008', '1.3.6.1.4.1.19376.1.2.3')).toBe(
      true,
    );
  });

  it('rejects an unknown code, a known code under another scheme, and a code of another attribute', () => {
    expect(isAllowedCode(domain, 'classCode', '99999-9', LOINC)).toBe(false);
    expect(isAllowedCode(domain, 'classCode', '18842-5', '2.16.840.1.113883.6.96')).toBe(false);
    expect(isAllowedCode(domain, 'classCode', '11490-0', LOINC)).toBe(false); // a typeCode only
    expect(isAllowedCode(domain, 'confidentialityCode', 'U', '2.16.840.1.113883.5.25')).toBe(false);
  });

  it('compares exactly: codes are case-sensitive and the scheme is the slot string', () => {
    expect(isAllowedCode(domain, 'confidentialityCode', 'n', '2.16.840.1.113883.5.25')).toBe(false);
    expect(isAllowedCode(domain, 'classCode', '18842-5', `urn:oid:${LOINC}`)).toBe(false);
    expect(isAllowedCode(domain, 'classCode', ' 18842-5', LOINC)).toBe(false);
  });

  it('accepts any code for an attribute the domain leaves unconstrained', () => {
    expect(isConstrained(domain, 'associationDocumentation')).toBe(false);
    expect(valueSet(domain, 'associationDocumentation')).toBeUndefined();
    expect(isAllowedCode(domain, 'associationDocumentation', 'anything', '1.2.3')).toBe(true);
    expect(isConstrained(other, 'associationDocumentation')).toBe(true);
    expect(isAllowedCode(other, 'associationDocumentation', 'anything', '1.2.3')).toBe(false);
    expect(
      isAllowedCode(
        other,
        'associationDocumentation',
        VARIANT_ASSOCIATION.code,
        VARIANT_ASSOCIATION.codeSystem,
      ),
    ).toBe(true);
  });

  it('finds the domain entry for its displayName', () => {
    expect(findCode(domain, 'typeCode', '60591-5', LOINC)?.displayName).toBe('Patient summary Document');
    expect(findCode(domain, 'typeCode', '60591-5', '1.2')).toBeUndefined();
  });

  it('returns the value set as configured', () => {
    expect(valueSet(domain, 'confidentialityCode')?.map((c) => c.code)).toEqual(['N', 'R', 'V']);
  });

  it('maps classification schemes to attributes', () => {
    expect(attributeOfClassificationScheme('urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a')).toBe(
      'classCode',
    );
    expect(attributeOfClassificationScheme('urn:uuid:aa543740-bdda-424e-8c96-df4873be8500')).toBe(
      'contentTypeCode',
    );
    expect(attributeOfClassificationScheme('urn:uuid:00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });
});

describe('mime types and languages', () => {
  it('compares mime types case-insensitively and without parameters', () => {
    expect(isAllowedMimeType(domain, 'application/pdf')).toBe(true);
    expect(isAllowedMimeType(domain, 'Text/XML')).toBe(true);
    expect(isAllowedMimeType(domain, 'text/xml; charset=UTF-8')).toBe(false);
    expect(isAllowedMimeType(domain, 'application/zip')).toBe(false);
  });

  it('matches language ranges by RFC 4647 basic filtering', () => {
    expect(isAllowedLanguageCode(domain, 'fr')).toBe(true);
    expect(isAllowedLanguageCode(domain, 'fr-LU')).toBe(true);
    expect(isAllowedLanguageCode(domain, 'LB-lu')).toBe(true);
    expect(isAllowedLanguageCode(domain, 'fra')).toBe(false);
    expect(isAllowedLanguageCode(domain, 'it-IT')).toBe(false);
    expect(isAllowedLanguageCode(domain, 'fr-')).toBe(true);
    expect(isAllowedLanguageCode(domain, 'frLU')).toBe(false);
    expect(isAllowedLanguageCode(domain, 'f')).toBe(false);
    expect(isAllowedLanguageCode(domain, '')).toBe(false);
    expect(lookupsFor(domain).isAllowedLanguageCode('De-ch')).toBe(true);
    expect(lookupsFor(domain).isAllowedLanguageCode('dee')).toBe(false);
  });

  it('accepts any when the domain lists none', () => {
    expect(isAllowedLanguageCode(other, 'it-IT')).toBe(true);
    expect(isAllowedLanguageCode(domain, 'it-IT')).toBe(false);
    expect(isAllowedMimeType(other, 'text/goofy')).toBe(true);
    expect(isAllowedMimeType(other, 'application/zip')).toBe(true);
    expect(isAllowedMimeType(domain, 'application/zip')).toBe(false);
  });
});

describe('identifiers', () => {
  it('knows the national and local authorities, and nothing else', () => {
    expect(isKnownAssigningAuthority(domain, NATIONAL)).toBe(true);
    expect(isKnownAssigningAuthority(domain, '1.3.6.1.4.1.99999.2.20001.1')).toBe(true);
    expect(assigningAuthority(domain, '1.3.6.1.4.1.99999.2.20001.1')?.kind).toBe('laboratory');
    expect(isKnownAssigningAuthority(domain, '1.3.6.1.4.1.99999.2.20001')).toBe(false);
  });

  it('knows its repositories', () => {
    expect(isKnownRepository(domain, '1.3.6.1.4.1.99999.4.1')).toBe(true);
    expect(isKnownRepository(domain, '1.3.6.1.4.1.99999.4.3')).toBe(false);
  });

  it('accepts the national id in the XDS CX form (ITI TF-3 4.2.3.1.7)', () => {
    expect(isAffinityDomainPatientId(domain, `1985031512345^^^&${NATIONAL}&ISO`)).toBe(true);
    expect(affinityDomainPatientId(domain, '42')).toBe(`42^^^&${NATIONAL}&ISO`);
    expect(isAffinityDomainPatientId(domain, affinityDomainPatientId(domain, '42'))).toBe(true);
  });

  it.each([
    ['a local authority', '123^^^&1.3.6.1.4.1.99999.2.10001.1&ISO'],
    ['an unknown authority', '123^^^&1.2.3&ISO'],
    ['a namespace id in HD-1', `123^^^NATPID&${NATIONAL}&ISO`],
    ['universal id type other than ISO', `123^^^&${NATIONAL}&L`],
    ['no universal id type', `123^^^&${NATIONAL}`],
    ['CX.2 valued', `123^4^^&${NATIONAL}&ISO`],
    ['CX.5 present', `123^^^&${NATIONAL}&ISO^PI`],
    ['empty id', `^^^&${NATIONAL}&ISO`],
    ['id with a subcomponent separator', `1&2^^^&${NATIONAL}&ISO`],
    ['id with an escape', `1\\T\\2^^^&${NATIONAL}&ISO`],
    ['id with surrounding blanks', ` 123^^^&${NATIONAL}&ISO`],
    ['a repetition', `123^^^&${NATIONAL}&ISO~456^^^&${NATIONAL}&ISO`],
    ['the OID with urn:oid:', `123^^^&urn:oid:${NATIONAL}&ISO`],
    ['no assigning authority', '123'],
  ])('rejects %s', (_name, cx) => {
    expect(isAffinityDomainPatientId(domain, cx)).toBe(false);
  });

  it('parses the CX form generically', () => {
    expect(parseXdsPatientId('123^^^&1.2.3&ISO')).toEqual({ id: '123', assigningAuthority: '1.2.3' });
    expect(parseXdsPatientId('123^^^&1.2.03&ISO')).toBeUndefined();
    for (const cx of [
      '123^^^&1.2.3&ISO&',
      '123^^^&1.2.3&&ISO',
      '123^^^&1.2.3&ISOX',
      '123^^^&1.2.3&IS',
      '123^^^1.2.3&ISO',
      '123^^^ns&1.2.3&ISO',
      '123^^&1.2.3&ISO',
      `123^^^&1.${'2'.repeat(63)}&ISO`,
    ])
      expect(parseXdsPatientId(cx), cx).toBeUndefined();
    expect(parseXdsPatientId('a b^^^&0.1&ISO')).toEqual({ id: 'a b', assigningAuthority: '0.1' });
  });
});

describe('publicView', () => {
  const view = publicView(domain);

  it('serves identifiers, repositories without their URLs, and every attribute', () => {
    expect(view.homeCommunityId).toBe('urn:oid:1.3.6.1.4.1.99999.3.1');
    expect(view.patientIdAuthority.oid).toBe(NATIONAL);
    expect(view.assigningAuthorities).toHaveLength(domain.assigningAuthorities.length);
    expect(view.repositoryUniqueIds).toEqual(['1.3.6.1.4.1.99999.4.1', '1.3.6.1.4.1.99999.4.2']);
    expect(Object.keys(view.valueSets)).toEqual(CODED_ATTRIBUTE_NAMES);
    expect(view.valueSets.classCode).toMatchObject({
      object: 'DocumentEntry',
      classificationScheme: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
      constrained: true,
    });
    expect(view.valueSets.classCode.codes).toBe(domain.valueSets.classCode);
    expect(view.valueSets.associationDocumentation).toMatchObject({ constrained: false, codes: [] });
    expect(view.mimeTypes).toContain('application/dicom');
    expect(view.languageCodes).toEqual(['fr', 'de', 'lb', 'en', 'pt']);
    expect(publicView(other).languageCodes).toBeNull();
    expect(publicView(other).mimeTypes).toBeNull();
    expect(publicView(other).valueSets.associationDocumentation).toMatchObject({
      constrained: true,
      codes: [VARIANT_ASSOCIATION],
    });
  });

  it('leaves repository URLs out', () => {
    const withUrl = parseAffinityDomain({
      ...defaultJson(),
      repositories: [{ repositoryUniqueId: '1.2.3', name: 'R', url: 'https://internal.example/xds' }],
    });
    expect(JSON.stringify(publicView(withUrl))).not.toContain('internal.example');
    expect(publicView(withUrl).repositories).toEqual([{ repositoryUniqueId: '1.2.3', name: 'R' }]);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });
});

describe('lookupsFor', () => {
  it('binds each lookup to the domain', () => {
    const l = lookupsFor(domain);
    const { isAllowedCode: allowed } = l; // usable detached, as a policy object's method
    expect(allowed('classCode', '18842-5', LOINC)).toBe(true);
    expect(allowed('classCode', '18842-5', '1.2')).toBe(false);
    expect(l.isAffinityDomainPatientId(`1^^^&${NATIONAL}&ISO`)).toBe(true);
    expect(l.isAffinityDomainPatientId('1^^^&1.2.3&ISO')).toBe(false);
    expect(l.isKnownAssigningAuthority('1.3.6.1.4.1.99999.2.30001.1')).toBe(true);
    expect(l.isKnownRepository('1.3.6.1.4.1.99999.4.2')).toBe(true);
    expect(l.isAllowedMimeType('application/zip')).toBe(false);
    expect(l.isAllowedLanguageCode('de-LU')).toBe(true);
    const o = lookupsFor(other);
    expect(o.isAllowedCode('classCode', '18842-5', LOINC)).toBe(false);
    expect(o.isAllowedCode('classCode', VARIANT_CLASS.code, VARIANT_CLASS.codeSystem)).toBe(true);
    expect(allowed('classCode', VARIANT_CLASS.code, VARIANT_CLASS.codeSystem)).toBe(false);
    expect(o.isAllowedMimeType('application/zip')).toBe(true);
  });

  it('binds once per domain object (the registry asks per submission) and is read-only', () => {
    const l = lookupsFor(domain);
    expect(lookupsFor(domain)).toBe(l);
    expect(lookupsFor(other)).not.toBe(l);
    expect(Object.isFrozen(l)).toBe(true);
    // A structurally equal domain is another object with its own lookups.
    const copy = parseAffinityDomain(defaultJson());
    expect(lookupsFor(copy)).not.toBe(l);
    expect(lookupsFor(copy).isAllowedCode('classCode', '18842-5', LOINC)).toBe(true);
  });
});
