import { describe, expect, it } from 'vitest';
import { dtmPrecision, parseCx, parseXcn, parseXon, parseXtn } from './hl7.js';

describe('HL7 v2 data types of XDS metadata', () => {
  it('parses a CX patient id and keeps its raw text', () => {
    expect(parseCx('ST-1000^^^&1.3.6.1.4.1.21367.2003.3.9&ISO')).toEqual({
      raw: 'ST-1000^^^&1.3.6.1.4.1.21367.2003.3.9&ISO',
      id: 'ST-1000',
      assigningAuthority: '1.3.6.1.4.1.21367.2003.3.9',
      assigningAuthorityType: 'ISO',
    });
  });

  it('parses a CXi reference id with its type code and home community', () => {
    const cx = parseCx('ref-1^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:order^&urn:oid:1.2.4&ISO');
    expect(cx.identifierTypeCode).toBe('urn:ihe:iti:xds:2013:order');
    expect(cx.assigningFacility).toBe('&urn:oid:1.2.4&ISO');
  });

  it('parses an XCN person with its assigning authority', () => {
    expect(parseXcn('1234^Mustermann^Max^^^PharmDr.^^^&1.2.40.0.34&ISO')).toMatchObject({
      idNumber: '1234',
      familyName: 'Mustermann',
      givenName: 'Max',
      prefix: 'PharmDr.',
      assigningAuthority: '1.2.40.0.34',
    });
    expect(parseXcn('Gerald Smitty')).toEqual({ raw: 'Gerald Smitty', idNumber: 'Gerald Smitty' });
  });

  it('parses an XON organization (XON.10, else XON.3)', () => {
    expect(parseXon('Hospital^^^^^&1.2.3&ISO^^^^45')).toEqual({
      raw: 'Hospital^^^^^&1.2.3&ISO^^^^45',
      organizationName: 'Hospital',
      assigningAuthority: '1.2.3',
      organizationIdentifier: '45',
    });
    expect(parseXon('Clinic^^77').organizationIdentifier).toBe('77');
  });

  it('parses an XTN email and phone', () => {
    expect(parseXtn('^^Internet^dr@example.lu').email).toBe('dr@example.lu');
    expect(parseXtn('^PRN^PH^^352^^123456')).toMatchObject({
      useCode: 'PRN',
      countryCode: '352',
      localNumber: '123456',
    });
  });

  it('tells the precision of a DTM and refuses other shapes', () => {
    expect(dtmPrecision('2004')).toBe('year');
    expect(dtmPrecision('20041225')).toBe('day');
    expect(dtmPrecision('20041225235050')).toBe('second');
    expect(dtmPrecision('2004122')).toBeUndefined();
    expect(dtmPrecision('2004-12-25')).toBeUndefined();
  });

  it('gives only valued properties, in the order of the type (JSON text included)', () => {
    expect(
      JSON.stringify(parseCx('ref-1^^^ns&1.2.3&ISO^urn:ihe:iti:xds:2013:order^&urn:oid:1.2.4&ISO')),
    ).toBe(
      JSON.stringify({
        raw: 'ref-1^^^ns&1.2.3&ISO^urn:ihe:iti:xds:2013:order^&urn:oid:1.2.4&ISO',
        id: 'ref-1',
        assigningAuthorityNamespace: 'ns',
        assigningAuthority: '1.2.3',
        assigningAuthorityType: 'ISO',
        identifierTypeCode: 'urn:ihe:iti:xds:2013:order',
        assigningFacility: '&urn:oid:1.2.4&ISO',
      }),
    );
    expect(JSON.stringify(parseCx('x^^^&&'))).toBe('{"raw":"x^^^&&","id":"x"}');
    expect(JSON.stringify(parseCx(''))).toBe('{"raw":"","id":""}');
    expect(parseCx('x^^^ns&&ISO&more')).toEqual({
      raw: 'x^^^ns&&ISO&more',
      id: 'x',
      assigningAuthorityNamespace: 'ns',
      assigningAuthorityType: 'ISO',
    });
    expect(parseCx('x^^^&1.2')).toEqual({ raw: 'x^^^&1.2', id: 'x', assigningAuthority: '1.2' });
    expect(parseXcn('1^^^^^^^^&1.2&').assigningAuthorityType).toBeUndefined();
    expect(Object.keys(parseXcn('1^F^G^O^S^P^^^ns&1.2&ISO'))).toEqual([
      'raw',
      'idNumber',
      'familyName',
      'givenName',
      'otherGivenNames',
      'suffix',
      'prefix',
      'assigningAuthority',
      'assigningAuthorityType',
    ]);
    expect(JSON.stringify(parseXcn('^Smith^^^^^^^&1.2'))).toBe(
      '{"raw":"^Smith^^^^^^^&1.2","familyName":"Smith","assigningAuthority":"1.2"}',
    );
    expect(JSON.stringify(parseXon('^^3^^^&1.2&ISO^^^^'))).toBe(
      '{"raw":"^^3^^^&1.2&ISO^^^^","organizationName":"","assigningAuthority":"1.2","organizationIdentifier":"3"}',
    );
    expect(Object.keys(parseXtn('^U^E^m^1^2^3^4'))).toEqual([
      'raw',
      'useCode',
      'equipmentType',
      'email',
      'countryCode',
      'areaCode',
      'localNumber',
      'extension',
    ]);
    expect(JSON.stringify(parseXtn('^^PH^^^^5'))).toBe(
      '{"raw":"^^PH^^^^5","equipmentType":"PH","localNumber":"5"}',
    );
  });
});
