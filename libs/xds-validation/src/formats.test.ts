import { describe, expect, it } from 'vitest';
import { parseXcn, parseXon, parseXtn } from '@mesh/xds';
import {
  documentUniqueIdProblem,
  dtmProblem,
  entryUuidProblem,
  extraSlotNameProblem,
  homeCommunityIdProblem,
  isUuidUrn,
  languageCodeProblem,
  mimeTypeProblem,
  oidProblem,
  xcnProblem,
  xdsCxProblem,
  xonProblem,
  xtnProblem,
} from './formats.js';

describe('oidProblem (ITI TF-3 Table 4.2.3.1.7-2)', () => {
  it.each(['1.2', '2.16.840.1.113883.6.1', '0.0', `1.${'2.'.repeat(30)}3`])('accepts %s', (v) => {
    expect(oidProblem(v)).toBeUndefined();
  });
  it.each(['', '1', '3.4.5', '1.02', '1..2', '1.2.', 'urn:oid:1.2', ' 1.2', `1.${'22.'.repeat(21)}3`])(
    'rejects %j',
    (v) => {
      expect(oidProblem(v)).toBeTypeOf('string');
    },
  );
});

describe('documentUniqueIdProblem (ITI TF-3 4.2.3.2.26)', () => {
  it.each(['1.2.3', '1.2.3^abc', `1.2.3^${'x'.repeat(16)}`])('accepts %s', (v) => {
    expect(documentUniqueIdProblem(v)).toBeUndefined();
  });
  it.each(['1.2.3^', '1.2.3^a b', '1.2.3^a^b', 'abc^def', `1.2.3^${'x'.repeat(17)}`, 'x'.repeat(129)])(
    'rejects %j',
    (v) => {
      expect(documentUniqueIdProblem(v)).toBeTypeOf('string');
    },
  );
});

describe('entryUUID and homeCommunityId', () => {
  it('UUID URNs in either case; symbolic ids without blanks', () => {
    expect(isUuidUrn('urn:uuid:7EDCA82F-054D-47F2-A032-9B2A5B5186C1')).toBe(true);
    expect(entryUuidProblem('Document01')).toBeUndefined();
    expect(entryUuidProblem('urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1')).toBeUndefined();
    expect(entryUuidProblem('urn:uuid:7edca82f054d47f2a0329b2a5b5186c1')).toBeTypeOf('string');
    expect(entryUuidProblem('URN:UUID:x')).toBeTypeOf('string');
    expect(entryUuidProblem('Document 01')).toBeTypeOf('string');
    expect(entryUuidProblem('')).toBeTypeOf('string');
  });
  it('homeCommunityId is urn:oid: + OID', () => {
    expect(homeCommunityIdProblem('urn:oid:1.3.6.1.4.1.21367.13.70.1')).toBeUndefined();
    expect(homeCommunityIdProblem('1.3.6.1.4.1.21367.13.70.1')).toBeTypeOf('string');
    expect(homeCommunityIdProblem('urn:oid:abc')).toBeTypeOf('string');
  });
});

describe('dtmProblem', () => {
  it.each(['2000', '200002', '20000229', '2000022923', '200002292359', '20000229235959', '19991231235959'])(
    'accepts %s',
    (v) => {
      expect(dtmProblem(v)).toBeUndefined();
    },
  );
  it.each([
    '19000229',
    '20230229',
    '20230431',
    '202300',
    '20230100',
    '2023010124',
    '202301012360',
    '20230101235960',
    '20230101235959.123',
    '202',
    '20230101120000Z',
  ])('rejects %s', (v) => {
    expect(dtmProblem(v)).toBeTypeOf('string');
  });
  it('names the field out of range', () => {
    expect(dtmProblem('20231301')).toBe("'20231301' has month 13");
    expect(dtmProblem('20240230')).toBe("'20240230' has day 30 in month 2");
    expect(dtmProblem('2024022909')).toBeUndefined();
    expect(dtmProblem('202402290960')).toBe("'202402290960' has minute 60");
    expect(dtmProblem('20240229095099')).toBe("'20240229095099' has second 99");
  });
});

describe('xdsCxProblem', () => {
  it('accepts id^^^&OID&ISO', () => {
    expect(xdsCxProblem('543797436^^^&1.2.840.113619.6.197&ISO')).toBeUndefined();
  });
  it.each([
    '543797436',
    '543797436^^^&1.2.840.113619.6.197',
    '543797436^^^&1.2.840.113619.6.197&ISO^PI',
    '543797436^^^&abc&ISO',
    ' 543797436^^^&1.2.3&ISO',
    '5437~97436^^^&1.2.3&ISO',
  ])('rejects %s', (v) => {
    expect(xdsCxProblem(v)).toBeTypeOf('string');
  });
  it('says what is wrong', () => {
    expect(xdsCxProblem('1^^^&1.2&ISO^PI^x')).toBe(
      "'1^^^&1.2&ISO^PI^x' must be id^^^&OID&ISO: exactly four components, 6 given",
    );
    expect(xdsCxProblem('^^^&1.2&ISO')).toBe("'^^^&1.2&ISO' has an empty CX.1 (id)");
    expect(xdsCxProblem('1&2^^^&1.2&ISO')).toBe(
      "'1&2^^^&1.2&ISO' has subcomponents, repetitions or blanks in CX.1",
    );
    expect(xdsCxProblem('1^^x^&1.2&ISO')).toBe(
      "'1^^x^&1.2&ISO' has CX.2 or CX.3 valued; only CX.1 and CX.4 are allowed",
    );
    expect(xdsCxProblem('1^^^&1.2&ISO&')).toBe("'1^^^&1.2&ISO&' must have CX.4 as &OID&ISO");
    expect(xdsCxProblem('1^^^ns&1.2&ISO')).toBe(
      "'1^^^ns&1.2&ISO' has a namespace id in CX.4.1; only &OID&ISO is allowed",
    );
    expect(xdsCxProblem('1^^^&1.2&ISOX')).toBe("'1^^^&1.2&ISOX' must have ISO as CX.4.3");
    expect(xdsCxProblem('1^^^&1.2&IS')).toBe("'1^^^&1.2&IS' must have ISO as CX.4.3");
    expect(xdsCxProblem('1^^^&1.02&ISO')).toBe(
      "CX.4.2 of '1^^^&1.02&ISO': '1.02' is not an OID in dotted notation",
    );
  });
});

describe('mimeType and languageCode', () => {
  it.each(['text/xml', 'application/pdf', 'application/hl7-v3+xml', 'application/vnd.ms-excel'])(
    'mimeType %s',
    (v) => {
      expect(mimeTypeProblem(v)).toBeUndefined();
    },
  );
  it.each(['en', 'fr-LU', 'de-CH-1996', 'zh-Hant-TW', 'x-klingon', 'lb'])('languageCode %s', (v) => {
    expect(languageCodeProblem(v)).toBeUndefined();
  });
  it.each(['', 'fr_LU', 'english (US)', 'fr-'])('rejects languageCode %j', (v) => {
    expect(languageCodeProblem(v)).toBeTypeOf('string');
  });
});

describe('XCN, XON, XTN', () => {
  it('XCN with an id or a family name; authority &OID&ISO', () => {
    expect(xcnProblem(parseXcn('Gerald Smitty'))).toBeUndefined();
    expect(xcnProblem(parseXcn('^Smitty^Gerald'))).toBeUndefined();
    expect(xcnProblem(parseXcn('11375^Welby^Marcus^^^Dr^MD^^&1.2.840.113619.6.197&ISO'))).toBeUndefined();
    expect(xcnProblem(parseXcn('^^Gerald'))).toBeTypeOf('string');
    expect(
      xcnProblem(parseXcn('11375^Welby^^^^^^^IHENA&1.3.6.1.4.1.21367.2010.1.2.300&ISO')),
    ).toBeUndefined();
    expect(xcnProblem(parseXcn('11375^Welby^^^^^^^NPI'))).toBeTypeOf('string');
    expect(xcnProblem(parseXcn('11375^Welby^^^^^^^&1.2.3&L'))).toBeTypeOf('string');
  });
  it('XON with a name; authority &OID&ISO', () => {
    expect(xonProblem(parseXon('Some Hospital^^^^^&1.2.3.4.5.6.7.8.9.1789&ISO^^^^45'))).toBeUndefined();
    expect(xonProblem(parseXon('Some Hospital'))).toBeUndefined();
    expect(xonProblem(parseXon('Some Hospital^^^^^1.2.3'))).toBeTypeOf('string');
  });
  it('XTN: Internet with an address, phones with a number', () => {
    expect(xtnProblem(parseXtn('^^Internet^someone@somewhere.com'))).toBeUndefined();
    expect(xtnProblem(parseXtn('^PRN^PH^^352^^123456'))).toBeUndefined();
    expect(xtnProblem(parseXtn('^PRN^PH^^^^^^^^^+352123456'))).toBeUndefined();
    expect(xtnProblem(parseXtn('someone@somewhere.com'))).toBeTypeOf('string');
  });
  it('assigning authorities with too many or too few subcomponents, and the XTN.12 place', () => {
    expect(xcnProblem(parseXcn('1^W^^^^^^^&1.2&ISO&x'))).toBe(
      "XCN.9 of '1^W^^^^^^^&1.2&ISO&x' must be [namespace]&OID&ISO, is '&1.2&ISO&x'",
    );
    expect(xcnProblem(parseXcn('1^W^^^^^^^&1.2'))).toBe(
      "XCN.9 of '1^W^^^^^^^&1.2' must be [namespace]&OID&ISO, is '&1.2'",
    );
    expect(xcnProblem(parseXcn('1^W^^^^^^^&01.2&ISO'))).toBeTypeOf('string');
    expect(xcnProblem(parseXcn('1^W^^^^^^^&1.2&ISO^more'))).toBeUndefined();
    expect(xonProblem(parseXon('H^^^^^NS&1.2&ISOX'))).toBe(
      "XON.6 of 'H^^^^^NS&1.2&ISOX' must be [namespace]&OID&ISO, is 'NS&1.2&ISOX'",
    );
    expect(xtnProblem(parseXtn('^PRN^PH^^^^^^^^^'))).toBe(
      "XTN '^PRN^PH^^^^^^^^^' has no number in XTN.7 or XTN.12",
    );
    expect(xtnProblem(parseXtn('^PRN^PH^^^^^^^^^+352^x'))).toBeUndefined();
  });
});

describe('extraSlotNameProblem (ITI TF-3 4.2.3.1.7)', () => {
  it.each(['urn:lu:esante:visibility', 'urn:my:company:slot', 'urn:oasis:names:tc:mine'])(
    'accepts %s',
    (v) => {
      expect(extraSlotNameProblem(v)).toBeUndefined();
    },
  );
  it.each(['authorSpeciality', 'urn:ihe:iti:xds:2013:mine', 'urn:', 'urn:x'])('rejects %s', (v) => {
    expect(extraSlotNameProblem(v)).toBeTypeOf('string');
  });
});
