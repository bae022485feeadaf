/**
 * The ebRIM coding of each attribute (ITI TF-3 4.2.3.1, 4.2.5): one valid fixture, one change
 * per test, the written XML checked by XPath against the spec's UUIDs written out here literally
 * (not taken from constants.ts, so a wrong constant fails), then read back unchanged.
 */
import { parseXml, select, selectString } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { readRegistryObjectList, readSubmitObjectsRequest } from './ebrim-read.js';
import {
  writeAssociation,
  writeDocumentEntry,
  writeRegistryObjectList,
  writeSubmitObjectsRequest,
} from './ebrim-write.js';
import { counterIds, validAssociations, validSubmission } from './fixture.test-support.js';
import type { AssociationType, Submission } from './model.js';

function write(s: Submission): Document {
  return parseXml(writeSubmitObjectsRequest(s, { newId: counterIds() }));
}

/** Writes, reads back, and expects the same model without issues. */
function roundTrip(s: Submission): Document {
  const doc = write(s);
  const back = readSubmitObjectsRequest(doc);
  expect(back.issues).toEqual([]);
  expect(back.submission).toEqual(s);
  return doc;
}

const EO = '//rim:ExtrinsicObject[@id="Document01"]';
const SS = '//rim:RegistryPackage[@id="SubmissionSet01"]';
const FO = '//rim:RegistryPackage[@id="Folder01"]';

const str = (xp: string, doc: Node, vars: Record<string, string> = {}) => selectString(xp, doc, vars);
const count = (xp: string, doc: Node, vars: Record<string, string> = {}) => select(xp, doc, vars).length;
const slotValues = (owner: string, name: string, doc: Node) =>
  select(`${owner}/rim:Slot[@name=$n]/rim:ValueList/rim:Value`, doc, { n: name }).map((n) => n.textContent);

describe('the valid fixture', () => {
  it('round-trips without issues', () => {
    roundTrip(validSubmission());
  });

  it('writes elements in ebRIM schema order: Slot, Name, Description, VersionInfo, Classification, ExternalIdentifier', () => {
    const doc = write(validSubmission({ documentEntry: { version: '1' } }));
    const order = select(`${EO}/*`, doc).map((n) => (n as Element).localName);
    const rank = ['Slot', 'Name', 'Description', 'VersionInfo', 'Classification', 'ExternalIdentifier'];
    const ranks = order.map((n) => rank.indexOf(n));
    expect(ranks).not.toContain(-1);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });
});

describe('DocumentEntry coded attributes (Classification: nodeRepresentation, codingScheme slot, Name)', () => {
  const cases: [
    string,
    string,
    (c: { code: string; codingScheme: string }) => Partial<Submission['documentEntries'][0]>,
  ][] = [
    ['classCode', 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a', (c) => ({ classCode: c })],
    [
      'confidentialityCode',
      'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
      (c) => ({ confidentialityCodes: [c] }),
    ],
    ['eventCodeList', 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4', (c) => ({ eventCodeList: [c] })],
    ['formatCode', 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d', (c) => ({ formatCode: c })],
    [
      'healthcareFacilityTypeCode',
      'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
      (c) => ({ healthcareFacilityTypeCode: c }),
    ],
    [
      'practiceSettingCode',
      'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
      (c) => ({ practiceSettingCode: c }),
    ],
    ['typeCode', 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983', (c) => ({ typeCode: c })],
  ];
  for (const [name, scheme, change] of cases) {
    it(`${name} uses scheme ${scheme}`, () => {
      const doc = roundTrip(
        validSubmission({ documentEntry: change({ code: 'X-1 & <2>', codingScheme: '1.2.3.99' }) }),
      );
      const cl = `${EO}/rim:Classification[@classificationScheme=$s]`;
      expect(count(cl, doc, { s: scheme })).toBe(1);
      expect(str(`${cl}/@nodeRepresentation`, doc, { s: scheme })).toBe('X-1 & <2>');
      expect(str(`${cl}/@classifiedObject`, doc, { s: scheme })).toBe('Document01');
      expect(str(`${cl}/rim:Slot[@name="codingScheme"]/rim:ValueList/rim:Value`, doc, { s: scheme })).toBe(
        '1.2.3.99',
      );
      expect(count(`${cl}/rim:Name`, doc, { s: scheme })).toBe(0);
    });
  }

  it('the display name is rim:Name/LocalizedString with its xml:lang', () => {
    const doc = roundTrip(
      validSubmission({
        documentEntry: {
          classCode: {
            code: 'C',
            codingScheme: 'S',
            displayName: { value: 'Lettre', lang: 'fr', charset: 'UTF-8' },
          },
        },
      }),
    );
    const ls = `${EO}/rim:Classification[@classificationScheme="urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"]/rim:Name/rim:LocalizedString`;
    expect(str(`${ls}/@value`, doc)).toBe('Lettre');
    expect(str(`${ls}/@xml:lang`, doc)).toBe('fr');
    expect(str(`${ls}/@charset`, doc)).toBe('UTF-8');
  });

  it('confidentialityCode and eventCodeList keep every code in order', () => {
    const codes = ['A', 'B', 'C'].map((code) => ({ code, codingScheme: 'S' }));
    const doc = roundTrip(
      validSubmission({ documentEntry: { confidentialityCodes: codes, eventCodeList: codes } }),
    );
    expect(
      select(
        `${EO}/rim:Classification[@classificationScheme="urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"]/@nodeRepresentation`,
        doc,
      ).map((n) => n.nodeValue),
    ).toEqual(['A', 'B', 'C']);
  });
});

describe('DocumentEntry external identifiers', () => {
  it('patientId: scheme urn:uuid:58a6f841-..., raw CX value, Name XDSDocumentEntry.patientId', () => {
    const doc = roundTrip(validSubmission());
    const ei = `${EO}/rim:ExternalIdentifier[@identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"]`;
    expect(str(`${ei}/@value`, doc)).toBe('8765432^^^&1.2.442.0.3.1.1&ISO');
    expect(str(`${ei}/@registryObject`, doc)).toBe('Document01');
    expect(str(`${ei}/rim:Name/rim:LocalizedString/@value`, doc)).toBe('XDSDocumentEntry.patientId');
  });

  it('uniqueId: scheme urn:uuid:2e82c1f6-..., Name XDSDocumentEntry.uniqueId', () => {
    const doc = roundTrip(validSubmission({ documentEntry: { uniqueId: '1.2.3^ext-99' } }));
    const ei = `${EO}/rim:ExternalIdentifier[@identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"]`;
    expect(str(`${ei}/@value`, doc)).toBe('1.2.3^ext-99');
    expect(str(`${ei}/rim:Name/rim:LocalizedString/@value`, doc)).toBe('XDSDocumentEntry.uniqueId');
  });

  it('writes each ExternalIdentifier and Classification with the id the caller supplies', () => {
    const doc = write(validSubmission());
    const ids = select('//rim:Classification/@id | //rim:ExternalIdentifier/@id', doc).map(
      (n) => n.nodeValue,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('urn:uuid:00000000-0000-4000-8000-000000000001');
  });
});

describe('DocumentEntry slots, attributes and strings', () => {
  const slotCases: [string, Partial<Submission['documentEntries'][0]>, string[]][] = [
    ['creationTime', { creationTime: '2026' }, ['2026']],
    [
      'hash',
      { hash: 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709' },
      ['DA39A3EE5E6B4B0D3255BFEF95601890AFD80709'],
    ],
    ['languageCode', { languageCode: 'de-LU' }, ['de-LU']],
    ['repositoryUniqueId', { repositoryUniqueId: '1.2.442.0.9.2' }, ['1.2.442.0.9.2']],
    ['serviceStartTime', { serviceStartTime: '20261120' }, ['20261120']],
    ['serviceStopTime', { serviceStopTime: '202611' }, ['202611']],
    ['size', { size: '0042' }, ['0042']],
    ['URI', { URI: 'http://example.lu/doc?a=1&b=2' }, ['http://example.lu/doc?a=1&b=2']],
    ['sourcePatientInfo', { sourcePatientInfo: ['PID-5|A^B', 'PID-8|M'] }, ['PID-5|A^B', 'PID-8|M']],
  ];
  for (const [slot, change, values] of slotCases) {
    it(`${slot} is the slot ${slot}, value as sent`, () => {
      expect(slotValues(EO, slot, roundTrip(validSubmission({ documentEntry: change })))).toEqual(values);
    });
  }

  it('legalAuthenticator and sourcePatientId are slots with their raw XCN / CX', () => {
    const doc = roundTrip(validSubmission());
    expect(slotValues(EO, 'legalAuthenticator', doc)).toEqual(['11375^Welby^Marcus^^^^^^&1.2.442.0.5.1&ISO']);
    expect(slotValues(EO, 'sourcePatientId', doc)).toEqual(['H-1234^^^&1.2.442.0.6.1.1&ISO']);
  });

  it('referenceIdList is the slot urn:ihe:iti:xds:2013:referenceIdList', () => {
    const doc = roundTrip(validSubmission());
    expect(slotValues(EO, 'urn:ihe:iti:xds:2013:referenceIdList', doc)).toEqual([
      'ORD-77^^^&1.2.442.0.6.1.2&ISO^urn:ihe:iti:xds:2013:order',
    ]);
  });

  it('documentAvailability is written as its URN', () => {
    const doc = roundTrip(validSubmission({ documentEntry: { documentAvailability: 'Offline' } }));
    expect(slotValues(EO, 'documentAvailability', doc)).toEqual([
      'urn:ihe:iti:2010:DocumentAvailability:Offline',
    ]);
  });

  it('objectType: stable and on-demand UUIDs', () => {
    expect(str(`${EO}/@objectType`, roundTrip(validSubmission()))).toBe(
      'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
    );
    expect(
      str(`${EO}/@objectType`, roundTrip(validSubmission({ documentEntry: { objectType: 'on-demand' } }))),
    ).toBe('urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248');
  });

  it('availabilityStatus, homeCommunityId, logicalID, version, mimeType are ebRIM attributes', () => {
    const doc = roundTrip(
      validSubmission({
        documentEntry: {
          availabilityStatus: 'Deprecated',
          homeCommunityId: 'urn:oid:1.2.442.0.1',
          logicalID: 'urn:uuid:0b3d2a4c-6b77-4d5e-9c0f-1b2a3c4d5e6f',
          version: '2',
          mimeType: 'application/pdf',
        },
      }),
    );
    expect(str(`${EO}/@status`, doc)).toBe('urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated');
    expect(str(`${EO}/@home`, doc)).toBe('urn:oid:1.2.442.0.1');
    expect(str(`${EO}/@lid`, doc)).toBe('urn:uuid:0b3d2a4c-6b77-4d5e-9c0f-1b2a3c4d5e6f');
    expect(str(`${EO}/rim:VersionInfo/@versionName`, doc)).toBe('2');
    expect(str(`${EO}/@mimeType`, doc)).toBe('application/pdf');
  });

  it('title is rim:Name and comments rim:Description', () => {
    const doc = roundTrip(validSubmission());
    expect(str(`${EO}/rim:Name/rim:LocalizedString/@value`, doc)).toBe('Lettre de sortie');
    expect(str(`${EO}/rim:Description/rim:LocalizedString/@value`, doc)).toBe('Séjour en cardiologie');
  });

  it('limitedMetadata is the classification node urn:uuid:ab9b591b-...', () => {
    const doc = roundTrip(validSubmission({ documentEntry: { limitedMetadata: true } }));
    expect(
      count(
        `${EO}/rim:Classification[@classificationNode="urn:uuid:ab9b591b-83ab-4d03-8f5d-f93b1fb92e85"]`,
        doc,
      ),
    ).toBe(1);
  });

  it('author: scheme urn:uuid:93606bcf-..., empty nodeRepresentation, one slot per author attribute', () => {
    const doc = roundTrip(validSubmission());
    const au = `${EO}/rim:Classification[@classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"]`;
    expect(str(`${au}/@nodeRepresentation`, doc)).toBe('');
    expect(slotValues(au, 'authorPerson', doc)).toEqual([
      '11375^Welby^Marcus^J^Jr. MD^Dr^^^&1.2.442.0.5.1&ISO',
    ]);
    expect(slotValues(au, 'authorInstitution', doc)).toEqual([
      'Centre Hospitalier^^^^^&1.2.442.0.6.1&ISO^^^^1.2.442.0.6.1.10',
    ]);
    expect(slotValues(au, 'authorRole', doc)).toEqual(['Attending^^^&1.3.6.1.4.1.21367.100.1&ISO']);
    expect(slotValues(au, 'authorSpecialty', doc)).toEqual(['Cardiology^^^&1.3.6.1.4.1.21367.100.2&ISO']);
    expect(slotValues(au, 'authorTelecommunication', doc)).toEqual([
      '^^Internet^marcus.welby@chl.example.lu',
    ]);
  });

  it('several authors stay separate Classifications, in order', () => {
    const base = validSubmission().documentEntries[0]!.authors[0]!;
    const second = { ...base, person: undefined, roles: ['Nurse'] };
    delete (second as { person?: unknown }).person;
    const doc = roundTrip(validSubmission({ documentEntry: { authors: [base, second] } }));
    expect(
      count(
        `${EO}/rim:Classification[@classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"]`,
        doc,
      ),
    ).toBe(2);
  });

  it('extra metadata slots are written after the XDS slots, values in order', () => {
    const doc = roundTrip(
      validSubmission({
        documentEntry: { extraSlots: [{ name: 'urn:lu:esante:episode', values: ['E1', 'E2'] }] },
      }),
    );
    expect(slotValues(EO, 'urn:lu:esante:episode', doc)).toEqual(['E1', 'E2']);
  });

  it('values are byte-faithful: markup characters, CR, LF, TAB and non-ASCII survive in slots and attributes', () => {
    const tricky = 'a&b<c>"d\'\r\ne\tf é 😀';
    roundTrip(
      validSubmission({
        documentEntry: {
          creationTime: tricky,
          title: { value: tricky },
          uniqueId: tricky,
          classCode: { code: tricky, codingScheme: tricky, displayName: { value: tricky } },
        },
      }),
    );
  });
});

describe('SubmissionSet coding', () => {
  it('is a RegistryPackage classified by node urn:uuid:a54d6aa5-...', () => {
    const doc = roundTrip(validSubmission());
    expect(
      count(
        `${SS}/rim:Classification[@classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"]`,
        doc,
      ),
    ).toBe(1);
  });

  it('author (urn:uuid:a7058bb9-...) and contentTypeCode (urn:uuid:aa543740-...)', () => {
    const doc = roundTrip(validSubmission());
    expect(
      count(
        `${SS}/rim:Classification[@classificationScheme="urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"]`,
        doc,
      ),
    ).toBe(1);
    expect(
      str(
        `${SS}/rim:Classification[@classificationScheme="urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"]/@nodeRepresentation`,
        doc,
      ),
    ).toBe('18842-5');
  });

  it('uniqueId, sourceId, patientId external identifiers', () => {
    const doc = roundTrip(validSubmission());
    const ei = (scheme: string) => `${SS}/rim:ExternalIdentifier[@identificationScheme="${scheme}"]`;
    expect(str(`${ei('urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8')}/@value`, doc)).toBe(
      '1.2.442.0.6.1.4.20261125.1',
    );
    expect(str(`${ei('urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832')}/@value`, doc)).toBe('1.2.442.0.6.1');
    expect(str(`${ei('urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446')}/@value`, doc)).toBe(
      '8765432^^^&1.2.442.0.3.1.1&ISO',
    );
    expect(
      str(`${ei('urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832')}/rim:Name/rim:LocalizedString/@value`, doc),
    ).toBe('XDSSubmissionSet.sourceId');
  });

  it('submissionTime and intendedRecipient slots', () => {
    const doc = roundTrip(
      validSubmission({ submissionSet: { intendedRecipients: ['A^^^^^&1.2&ISO', '|^^Internet^x@y.lu'] } }),
    );
    expect(slotValues(SS, 'submissionTime', doc)).toEqual(['20261125093512']);
    expect(slotValues(SS, 'intendedRecipient', doc)).toEqual(['A^^^^^&1.2&ISO', '|^^Internet^x@y.lu']);
  });

  it('limitedMetadata is the node urn:uuid:5003a9db-...', () => {
    const doc = roundTrip(validSubmission({ submissionSet: { limitedMetadata: true } }));
    expect(
      count(
        `${SS}/rim:Classification[@classificationNode="urn:uuid:5003a9db-8d8d-49e6-bf0c-990e34ac7707"]`,
        doc,
      ),
    ).toBe(1);
  });
});

describe('Folder coding', () => {
  it('node urn:uuid:d9d542f3-..., codeList urn:uuid:1ba97051-..., patientId, uniqueId, lastUpdateTime', () => {
    const doc = roundTrip(
      validSubmission({ folder: { lastUpdateTime: '20261125093600', limitedMetadata: true } }),
    );
    expect(
      count(
        `${FO}/rim:Classification[@classificationNode="urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2"]`,
        doc,
      ),
    ).toBe(1);
    expect(
      str(
        `${FO}/rim:Classification[@classificationScheme="urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5"]/@nodeRepresentation`,
        doc,
      ),
    ).toBe('CARDIO');
    expect(
      str(
        `${FO}/rim:ExternalIdentifier[@identificationScheme="urn:uuid:f64ffdf0-4b97-4e06-b79f-a52b38ec2f8a"]/@value`,
        doc,
      ),
    ).toBe('8765432^^^&1.2.442.0.3.1.1&ISO');
    expect(
      str(
        `${FO}/rim:ExternalIdentifier[@identificationScheme="urn:uuid:75df8f67-9973-4fbe-a900-df66cefecc5a"]/@value`,
        doc,
      ),
    ).toBe('1.2.442.0.6.1.5.20261125.1');
    expect(slotValues(FO, 'lastUpdateTime', doc)).toEqual(['20261125093600']);
    expect(
      count(
        `${FO}/rim:Classification[@classificationNode="urn:uuid:2c144a76-29a9-4b7c-af54-b25409fe7d03"]`,
        doc,
      ),
    ).toBe(1);
  });
});

describe('Association coding', () => {
  const urns: Record<AssociationType, string> = {
    HasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
    RPLC: 'urn:ihe:iti:2007:AssociationType:RPLC',
    APND: 'urn:ihe:iti:2007:AssociationType:APND',
    XFRM: 'urn:ihe:iti:2007:AssociationType:XFRM',
    XFRM_RPLC: 'urn:ihe:iti:2007:AssociationType:XFRM_RPLC',
    signs: 'urn:ihe:iti:2007:AssociationType:signs',
    IsSnapshotOf: 'urn:ihe:iti:2010:AssociationType:IsSnapshotOf',
    UpdateAvailabilityStatus: 'urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus',
    SubmitAssociation: 'urn:ihe:iti:2010:AssociationType:SubmitAssociation',
  };
  for (const [type, urn] of Object.entries(urns) as [AssociationType, string][]) {
    it(`${type} is ${urn}`, () => {
      const assoc = {
        entryUUID: 'rel',
        associationType: type,
        sourceObject: 'Document01',
        targetObject: 'urn:uuid:5b2a3e0c-7a57-4c0e-8d0e-3f1a2b3c4d5e',
        extraSlots: [],
      };
      const doc = roundTrip(validSubmission({ associations: [...validAssociations(), assoc] }));
      expect(str('//rim:Association[@id="rel"]/@associationType', doc)).toBe(urn);
    });
  }

  it('SubmissionSetStatus and the ITI-57 slots', () => {
    const assoc = {
      entryUUID: 'upd',
      associationType: 'UpdateAvailabilityStatus' as const,
      sourceObject: 'SubmissionSet01',
      targetObject: 'urn:uuid:5b2a3e0c-7a57-4c0e-8d0e-3f1a2b3c4d5e',
      originalStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
      newStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
      previousVersion: '3',
      associationPropagation: 'no',
      extraSlots: [],
    };
    const doc = roundTrip(validSubmission({ associations: [...validAssociations(), assoc] }));
    const as = '//rim:Association[@id="upd"]';
    expect(slotValues(as, 'OriginalStatus', doc)).toEqual([
      'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
    ]);
    expect(slotValues(as, 'NewStatus', doc)).toEqual([
      'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
    ]);
    expect(slotValues(as, 'PreviousVersion', doc)).toEqual(['3']);
    expect(slotValues(as, 'AssociationPropagation', doc)).toEqual(['no']);
    expect(slotValues('//rim:Association[@id="as01"]', 'SubmissionSetStatus', doc)).toEqual(['Original']);
  });

  it('Association Documentation classification (urn:uuid:abd807a3-...)', () => {
    const assoc = {
      ...validAssociations()[0]!,
      entryUUID: 'doc',
      associationType: 'RPLC' as const,
      documentation: { code: 'correction', codingScheme: '1.2.442.0.2.9' },
    };
    delete (assoc as { submissionSetStatus?: unknown }).submissionSetStatus;
    const xml = writeAssociation(assoc, { newId: counterIds() });
    expect(xml).toContain('classificationScheme="urn:uuid:abd807a3-4432-4053-87b4-fd82c643d1f3"');
    const doc = parseXml(
      `<rim:RegistryObjectList xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">${xml}</rim:RegistryObjectList>`,
    );
    const back = readRegistryObjectList(doc.documentElement);
    expect(back.issues).toEqual([]);
    expect(back.objects.associations).toEqual([assoc]);
  });
});

describe('lists for query responses', () => {
  it('writeRegistryObjectList declares rim and round-trips any number of objects, ObjectRefs and the registry attributes', () => {
    const s = validSubmission({
      documentEntry: {
        availabilityStatus: 'Approved',
        entryUUID: 'urn:uuid:1f0e7d3c-2b4a-4c6d-8e9f-0a1b2c3d4e5f',
      },
    });
    const objects = {
      submissionSets: [
        s.submissionSet,
        { ...s.submissionSet, entryUUID: 'urn:uuid:2e1f0a9b-8c7d-4e6f-9a0b-1c2d3e4f5a6b' },
      ],
      documentEntries: s.documentEntries,
      folders: [],
      associations: [],
      objectRefs: [
        { id: 'urn:uuid:3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d', homeCommunityId: 'urn:oid:1.2.442.0.1' },
      ],
    };
    const xml = writeRegistryObjectList(objects, { rimObjectTypes: true });
    const back = readRegistryObjectList(parseXml(xml).documentElement);
    expect(back.issues).toEqual([]);
    expect(back.objects).toEqual(objects);
    expect(xml).toContain(
      'objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"',
    );
  });

  it('writeDocumentEntry alone writes one rim:ExtrinsicObject with random urn:uuid sub-ids by default', () => {
    const xml = writeDocumentEntry(validSubmission().documentEntries[0]!);
    expect(xml.startsWith('<rim:ExtrinsicObject id="Document01"')).toBe(true);
    expect(xml).toMatch(/<rim:Classification id="urn:uuid:[0-9a-f-]{36}"/);
  });
});
