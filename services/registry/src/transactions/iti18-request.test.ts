import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NS, parseXml } from '@mesh/xml';
import { parseSlotValue, parseStoredQuery, STORED_QUERY_IDS } from './iti18-request.js';
import type { StoredQueryName } from './iti18-request.js';

const IPF = new URL(
  '../../../../../shared/conformance/02-xds-metadata/ipf/iti18request.xml',
  import.meta.url,
);
const APPROVED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved';
const DEPRECATED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated';
const ON_DEMAND = 'urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248';
const STABLE = 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1';
const PID = "'4711^^^&1.3.182.4.4&ISO'";

type Slots = readonly (readonly [string, ...string[]])[];

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function request(queryId: string, slots: Slots, returnType = 'LeafClass', home?: string): Element {
  const body = slots
    .map(
      ([name, ...values]) =>
        `<rim:Slot name="${name}"><rim:ValueList>${values
          .map((v) => `<rim:Value>${xmlEscape(v)}</rim:Value>`)
          .join('')}</rim:ValueList></rim:Slot>`,
    )
    .join('');
  const doc = parseXml(
    `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnComposedObjects="true" returnType="${returnType}"/><rim:AdhocQuery id="${queryId}"${
      home === undefined ? '' : ` home="${home}"`
    }>${body}</rim:AdhocQuery></query:AdhocQueryRequest>`,
  );
  return doc.documentElement;
}

function parse(name: StoredQueryName, slots: Slots, returnType?: string) {
  return parseStoredQuery(request(STORED_QUERY_IDS[name], slots, returnType));
}

const FIND: Slots = [
  ['$XDSDocumentEntryPatientId', PID],
  ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
];

describe('parseStoredQuery', () => {
  it('rejects the IPF FindDocuments sample on its SQL-injection patient id, and parses the rest', () => {
    const xml = readFileSync(IPF, 'utf8');
    // The sample's patient id is an unterminated quoted string carrying "' and 611=611-- ".
    expect(parseStoredQuery(parseXml(xml).documentElement)).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: '$XDSDocumentEntryPatientId' })],
    });
    const fixed = xml.replace(
      /<rim:Value>'593603[^<]*<\/rim:Value>/,
      "<rim:Value>'593603^^^&amp;2.16.756.5.33.2.5.1.5.1&amp;ISO'</rim:Value>",
    );
    expect(fixed).not.toBe(xml);
    expect(parseStoredQuery(parseXml(fixed).documentElement)).toEqual({
      query: {
        name: 'FindDocuments',
        returnType: 'LeafClass',
        metadataLevel: 1,
        params: {
          patientId: '593603^^^&2.16.756.5.33.2.5.1.5.1&ISO',
          status: ['Approved'],
          creationTime: { from: '20221015151515', to: '20221016161616' },
        },
      },
    });
  });

  it('maps every FindDocuments parameter, with AND of repeated eventCodeList Slots', () => {
    const r = parse('FindDocuments', [
      ['$XDSDocumentEntryPatientId', PID],
      ['$XDSDocumentEntryStatus', `('${APPROVED}', '${DEPRECATED}')`],
      [
        '$XDSDocumentEntryClassCode',
        "('11490-0^^^2.16.840.1.113883.6.1')",
        "('34133-9^^2.16.840.1.113883.6.1')",
      ],
      ['$XDSDocumentEntryEventCodeList', "('A^^^E','B^^^E')"],
      ['$XDSDocumentEntryEventCodeList', "('C^^^E')"],
      ['$XDSDocumentEntryConfidentialityCode', "('N^^^2.16.840.1.113883.5.25')"],
      ['$XDSDocumentEntryAuthorPerson', "('%Muller%')"],
      ['$XDSDocumentEntryServiceStartTimeFrom', '2024'],
      ['$XDSDocumentEntryType', `('${STABLE}','${ON_DEMAND}')`],
      ['$XDSDocumentEntryUnknownExtension', 'garbage ((('],
    ]);
    expect(r).toEqual({
      query: {
        name: 'FindDocuments',
        returnType: 'LeafClass',
        metadataLevel: 1,
        params: {
          patientId: '4711^^^&1.3.182.4.4&ISO',
          status: ['Approved', 'Deprecated'],
          classCode: [
            { code: '11490-0', scheme: '2.16.840.1.113883.6.1' },
            { code: '34133-9', scheme: '2.16.840.1.113883.6.1' },
          ],
          eventCodeList: [
            [
              { code: 'A', scheme: 'E' },
              { code: 'B', scheme: 'E' },
            ],
            [{ code: 'C', scheme: 'E' }],
          ],
          confidentialityCode: [[{ code: 'N', scheme: '2.16.840.1.113883.5.25' }]],
          authorPerson: ['%Muller%'],
          serviceStartTime: { from: '2024' },
          documentEntryType: ['stable', 'on-demand'],
        },
      },
    });
  });

  it('leaves $XDSDocumentEntryType absent so the query defaults to stable only', () => {
    const r = parse('FindDocuments', FIND, 'ObjectRef');
    expect(r).toMatchObject({ query: { returnType: 'ObjectRef' } });
    expect('query' in r && 'documentEntryType' in r.query.params).toBe(false);
  });

  it('rejects a returnType other than LeafClass or ObjectRef', () => {
    expect(parse('FindDocuments', FIND, 'RegistryObject')).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: 'ResponseOption' })],
    });
  });

  it('answers XDSUnknownStoredQuery for an id outside the 14', () => {
    expect(parseStoredQuery(request('urn:uuid:3d1bdb10-39a2-11de-89c2-2f44d94eaa9f', FIND))).toEqual({
      issues: [expect.objectContaining({ code: 'XDSUnknownStoredQuery', location: 'AdhocQuery' })],
    });
  });

  it('knows all 14 stored queries', () => {
    expect(Object.keys(STORED_QUERY_IDS)).toHaveLength(14);
    expect(new Set(Object.values(STORED_QUERY_IDS)).size).toBe(14);
  });

  it('answers XDSStoredQueryMissingParam for a missing required parameter', () => {
    expect(parse('FindDocuments', [['$XDSDocumentEntryPatientId', PID]])).toEqual({
      issues: [
        expect.objectContaining({ code: 'XDSStoredQueryMissingParam', location: '$XDSDocumentEntryStatus' }),
      ],
    });
    expect(parse('FindDocumentsByReferenceId', FIND)).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryMissingParam',
          location: '$XDSDocumentEntryReferenceIdList',
        }),
      ],
    });
  });

  it('answers XDSStoredQueryParamNumber for several values of a single-valued parameter', () => {
    const r = parse('FindDocuments', [
      ['$XDSDocumentEntryPatientId', "('a^^^&1.2&ISO','b^^^&1.2&ISO')"],
      ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryParamNumber',
          location: '$XDSDocumentEntryPatientId',
        }),
      ],
    });
  });

  it('answers XDSStoredQueryParamNumber for a repeated Slot that is not AND-able', () => {
    const r = parse('FindDocuments', [
      ...FIND,
      ['$XDSDocumentEntryClassCode', "('a^^^s')"],
      ['$XDSDocumentEntryClassCode', "('b^^^s')"],
    ]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryParamNumber',
          location: '$XDSDocumentEntryClassCode',
        }),
      ],
    });
  });

  it('ANDs repeated $XDSFolderCodeList Slots', () => {
    const r = parse('FindFolders', [
      ['$XDSFolderPatientId', PID],
      ['$XDSFolderStatus', `('${APPROVED}')`],
      ['$XDSFolderCodeList', "('x^^^s')"],
      ['$XDSFolderCodeList', "('y^^^s')"],
      ['$XDSFolderLastUpdateTimeTo', '20240101'],
    ]);
    expect(r).toMatchObject({
      query: {
        name: 'FindFolders',
        params: {
          codeList: [[{ code: 'x', scheme: 's' }], [{ code: 'y', scheme: 's' }]],
          lastUpdateTime: { to: '20240101' },
        },
      },
    });
  });

  it('answers XDSStoredQueryParamNumber when both of a mutually exclusive pair are given', () => {
    const r = parse('GetDocuments', [
      ['$XDSDocumentEntryEntryUUID', "('urn:uuid:0e5b8e4c-3b3e-4c3f-9d8a-0b7b8f3a2c11')"],
      ['$XDSDocumentEntryUniqueId', "('1.2.3')"],
    ]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryParamNumber',
          location: '$XDSDocumentEntryUniqueId',
        }),
      ],
    });
    expect(parse('GetDocuments', [])).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryMissingParam',
          location: '$XDSDocumentEntryEntryUUID',
        }),
      ],
    });
  });

  it('parses GetDocuments by uniqueId with $homeCommunityId', () => {
    const r = parse('GetDocuments', [
      ['$XDSDocumentEntryUniqueId', "('1.2.3','1.2.4')"],
      ['$homeCommunityId', "'urn:oid:1.3.182.1'"],
    ]);
    expect(r).toEqual({
      query: {
        name: 'GetDocuments',
        returnType: 'LeafClass',
        metadataLevel: 1,
        params: { uniqueIds: ['1.2.3', '1.2.4'] },
        homeCommunityId: 'urn:oid:1.3.182.1',
      },
    });
  });

  it('takes homeCommunityId from the AdhocQuery home attribute when no $homeCommunityId is given', () => {
    const r = parseStoredQuery(
      request(STORED_QUERY_IDS.GetAssociations, [['$uuid', "('urn:uuid:1')"]], 'ObjectRef', 'urn:oid:1.2.9'),
    );
    expect(r).toMatchObject({ query: { name: 'GetAssociations', homeCommunityId: 'urn:oid:1.2.9' } });
  });

  it('answers XDSStoredQueryParamNumber for several values of a single-valued selector', () => {
    const r = parse('GetFolderAndContents', [['$XDSFolderUniqueId', "('1.2','1.3')"]]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({ code: 'XDSStoredQueryParamNumber', location: '$XDSFolderUniqueId' }),
      ],
    });
  });

  it('requires availability status values as full URNs', () => {
    const r = parse('FindDocuments', [
      ['$XDSDocumentEntryPatientId', PID],
      ['$XDSDocumentEntryStatus', "('Approved')"],
    ]);
    expect(r).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: '$XDSDocumentEntryStatus' })],
    });
  });

  it('answers XDSRegistryError for a malformed DTM', () => {
    const r = parse('FindDocuments', [...FIND, ['$XDSDocumentEntryCreationTimeFrom', '2024-01-01']]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({ code: 'XDSRegistryError', location: '$XDSDocumentEntryCreationTimeFrom' }),
      ],
    });
    const bad = parse('FindDocuments', [...FIND, ['$XDSDocumentEntryCreationTimeTo', '20241301']]);
    expect(bad).toMatchObject({ issues: [{ location: '$XDSDocumentEntryCreationTimeTo' }] });
  });

  it('answers XDSRegistryError for an unquoted string and a bad code', () => {
    expect(parse('FindDocuments', [['$XDSDocumentEntryPatientId', '4711^^^&1.2&ISO'], FIND[1]!])).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: '$XDSDocumentEntryPatientId' })],
    });
    expect(parse('FindDocuments', [...FIND, ['$XDSDocumentEntryTypeCode', "('a^b^c')"]])).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: '$XDSDocumentEntryTypeCode' })],
    });
  });

  it('maps GetRelatedDocuments association types and GetAll statuses', () => {
    expect(
      parse('GetRelatedDocuments', [
        ['$XDSDocumentEntryEntryUUID', "'urn:uuid:a'"],
        [
          '$AssociationTypes',
          "('urn:ihe:iti:2007:AssociationType:RPLC','urn:ihe:iti:2007:AssociationType:XFRM')",
        ],
      ]),
    ).toMatchObject({
      query: { params: { document: { uuids: ['urn:uuid:a'] }, associationTypes: ['RPLC', 'XFRM'] } },
    });
    expect(
      parse('GetAll', [
        ['$patientId', PID],
        ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
        ['$XDSSubmissionSetStatus', `('${APPROVED}')`],
        ['$XDSFolderStatus', `('${APPROVED}')`],
        ['$XDSDocumentEntryFormatCode', "('f^^^s')"],
      ]),
    ).toEqual({
      query: {
        name: 'GetAll',
        returnType: 'LeafClass',
        metadataLevel: 1,
        params: {
          patientId: '4711^^^&1.3.182.4.4&ISO',
          documentEntryStatus: ['Approved'],
          submissionSetStatus: ['Approved'],
          folderStatus: ['Approved'],
          formatCode: [{ code: 'f', scheme: 's' }],
        },
      },
    });
  });

  it('treats $XDSSubmissionSetAuthorPerson as single-valued', () => {
    const r = parse('FindSubmissionSets', [
      ['$XDSSubmissionSetPatientId', PID],
      ['$XDSSubmissionSetStatus', `('${APPROVED}')`],
      ['$XDSSubmissionSetAuthorPerson', "('a%','b%')"],
    ]);
    expect(r).toEqual({
      issues: [
        expect.objectContaining({
          code: 'XDSStoredQueryParamNumber',
          location: '$XDSSubmissionSetAuthorPerson',
        }),
      ],
    });
  });
});

describe('parseSlotValue', () => {
  it('reads quoted strings with doubled quotes, numbers and lists', () => {
    expect(parseSlotValue("'O''Brien'")).toEqual([{ text: "O'Brien", quoted: true }]);
    expect(parseSlotValue('20240102')).toEqual([{ text: '20240102', quoted: false }]);
    expect(parseSlotValue(" ( 'a' , 'b,c' ) ")).toEqual([
      { text: 'a', quoted: true },
      { text: 'b,c', quoted: true },
    ]);
    expect(parseSlotValue("'a','b'")).toBeUndefined();
    expect(parseSlotValue("('a'")).toBeUndefined();
    expect(parseSlotValue("'unterminated")).toBeUndefined();
  });

  it('reads $MetadataLevel (default 1) and $XDSDocumentEntryLogicalID (Metadata Update option)', () => {
    const lid = 'urn:uuid:0e5b8e4c-3b3e-4c3f-9d8a-0b7b8f3a2c11';
    const r = parse('GetDocuments', [
      ['$XDSDocumentEntryLogicalID', `('${lid}')`],
      ['$MetadataLevel', '2'],
    ]);
    expect(r).toMatchObject({
      query: { name: 'GetDocuments', metadataLevel: 2, params: { logicalIds: [lid] } },
    });
    expect(parse('GetDocuments', [['$XDSDocumentEntryEntryUUID', `('${lid}')`]])).toMatchObject({
      query: { metadataLevel: 1 },
    });
    expect(
      parse('GetDocuments', [
        ['$XDSDocumentEntryEntryUUID', `('${lid}')`],
        ['$MetadataLevel', '3'],
      ]),
    ).toEqual({
      issues: [expect.objectContaining({ code: 'XDSRegistryError', location: '$MetadataLevel' })],
    });
  });
});
