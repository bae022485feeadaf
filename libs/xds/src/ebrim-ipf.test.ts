/**
 * The IPF ebRS 3.0 samples (../shared/conformance/02-xds-metadata/ipf, read in place): every
 * SubmitObjectsRequest maps with exactly the issues listed here, and read -> write -> read
 * gives the same model.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseXml } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { readSubmitObjectsRequest } from './ebrim-read.js';
import { writeSubmitObjectsRequest } from './ebrim-write.js';
import { extraSlotsOf } from './extra-metadata.js';

const dir = new URL('../../../../shared/conformance/02-xds-metadata/ipf/', import.meta.url);
const read = (name: string) => readSubmitObjectsRequest(parseXml(readFileSync(new URL(name, dir))));

/**
 * The three oldest samples carry defects of their own (they were copied from a PDF): a space
 * inside four scheme UUIDs (`urn:uuid:58a6f841-87b3-4a3e-92fd- a8ffeff98427`) and the slot name
 * `authorSpeciality` instead of `authorSpecialty` (ITI TF-3 4.2.3.1.4). A registry must not
 * take them for the attributes they resemble, so each is a metadata error at its place.
 */
const PDF_SAMPLE_ISSUES = [
  'DocumentEntry[Document01].author.authorSpeciality',
  'DocumentEntry[Document01].ExternalIdentifier[ei01]',
  'SubmissionSet[SubmissionSet01].author.authorSpeciality',
  'SubmissionSet[SubmissionSet01].Classification[cl09]',
  'SubmissionSet[SubmissionSet01].ExternalIdentifier[ei03]',
  'SubmissionSet[SubmissionSet01].ExternalIdentifier[ei05]',
];

const EXPECTED: Record<string, readonly string[]> = {
  'SubmitObjectsRequest_ebrs30.xml': PDF_SAMPLE_ISSUES,
  'SubmitObjectsRequest_ebrs30_2.xml': PDF_SAMPLE_ISSUES,
  'SubmitObjectsRequest_ebrs3_extra_metadata.xml': PDF_SAMPLE_ISSUES,
  'SubmitObjectsRequest_ebrs30_update.xml': [],
  'SubmitObjectsRequest_ebrs30_update_sameLid.xml': [],
  // ELGA's own association type is not one of ITI TF-3 4.2.2 / ITI-57.
  'SubmitObjectsRequest_ebrs30_update_nonstandard_association.xml': [
    'Association[urn:uuid:8a41c23b-221b-485f-b129-cd3dff8bb7a7].associationType',
  ],
  'submission-set.xml': [],
};

describe('IPF SubmitObjectsRequest samples', () => {
  const samples = readdirSync(dir).filter((f) =>
    readFileSync(new URL(f, dir), 'utf8').includes('SubmitObjectsRequest'),
  );

  it('covers every SubmitObjectsRequest sample of the folder', () => {
    expect(samples.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: maps with exactly the expected issues, all XDSRegistryMetadataError`, () => {
      const r = read(name);
      expect(r.issues.map((i) => i.location)).toEqual(EXPECTED[name]);
      for (const i of r.issues)
        expect(i).toMatchObject({ code: 'XDSRegistryMetadataError', severity: 'Error' });
      expect(r.submission).toBeDefined();
    });

    it(`${name}: read -> write -> read gives the same model`, () => {
      const first = read(name);
      const xml = writeSubmitObjectsRequest(first.submission!);
      const second = readSubmitObjectsRequest(parseXml(xml));
      expect(second.submission).toEqual(first.submission);
      // What could not be mapped is not written, so only issues of what was kept come back.
      for (const i of second.issues) expect(first.issues).toContainEqual(i);
    });
  }

  it('keeps every value of a metadata update sample as sent', () => {
    const s = read('SubmitObjectsRequest_ebrs30_update.xml').submission!;
    const [de] = s.documentEntries;
    expect(de).toMatchObject({
      entryUUID: 'Document01',
      objectType: 'stable',
      availabilityStatus: 'Approved',
      logicalID: 'urn:uuid:20744602-ba65-44e9-87ee-a52303a5183e',
      mimeType: 'text/plain',
      URI: 'http://129.6.24.109:9080/Repository/1.42.20100709101812.2.txt',
      documentAvailability: 'Offline',
      creationTime: '20061224',
      hash: '31e311402a7e717d1bede88df6b42c0b8e91ea91',
      size: '1459',
      repositoryUniqueId: '1.19.6.24.109.42.1.5',
      serviceStartTime: '200612230800',
      sourcePatientId: { raw: '89765a87b^^^&3.4.5&ISO', id: '89765a87b', assigningAuthority: '3.4.5' },
      title: { value: 'DocA', lang: 'en-us', charset: 'UTF-8' },
      version: '1',
      patientId: {
        raw: '714f4004f80540c^^^&1.3.6.1.4.1.21367.2005.3.7&ISO',
        assigningAuthority: '1.3.6.1.4.1.21367.2005.3.7',
      },
      uniqueId: '1.42.20100709101812.2',
      typeCode: { code: '34108-1', codingScheme: 'LOINC' },
    });
    expect(de!.sourcePatientInfo).toHaveLength(5);
    expect(de!.eventCodeList.map((c) => c.code)).toEqual(['T-D4909', 'T-62002']);
    expect(s.submissionSet).toMatchObject({
      entryUUID: 'SubmissionSet',
      submissionTime: '20041225235050',
      sourceId: '1.3.6.1.4.1.21367.2010.1.2.900',
      uniqueId: '1.42.20100709101812.3',
      authors: [{ person: { familyName: 'Dopplemeyer', givenName: 'Sherry' }, specialties: ['Orthopedic'] }],
    });
    expect(s.associations).toEqual([
      {
        entryUUID: 'Assoc',
        associationType: 'HasMember',
        sourceObject: 'SubmissionSet',
        targetObject: 'Document01',
        submissionSetStatus: 'Original',
        previousVersion: '1',
        extraSlots: [],
      },
      {
        entryUUID: 'Assoc2',
        associationType: 'UpdateAvailabilityStatus',
        sourceObject: 'SubmissionSet',
        targetObject: 'urn:uuid:e0985823-dc50-45a5-a6c8-a11a829893bd',
        newStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
        originalStatus: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
        extraSlots: [],
      },
    ]);
  });

  it('keeps the extra metadata slots of the extra-metadata samples', () => {
    const extra = read('SubmitObjectsRequest_ebrs3_extra_metadata.xml').submission!;
    expect(extra.documentEntries[0]!.extraSlots).toEqual([
      { name: 'urn:my:company:slot', values: ['somevalue'] },
    ]);
    const nist = read('submission-set.xml').submission!;
    expect(nist.documentEntries[0]!.extraSlots.map((x) => x.name)).toEqual(['urn:nist:extraDESlot']);
    expect(nist.submissionSet.extraSlots.map((x) => x.name)).toEqual(['urn:nist:extraSSSlot']);
    expect(nist.associations[0]!.extraSlots).toEqual([
      { name: 'urn:nist:extraAssocSlot', values: ['importantvalue'] },
    ]);
  });

  it('reads the SubmissionSet classification whether nested or top-level', () => {
    // ebrs30.xml classifies the package by a top-level Classification, update.xml by a nested one.
    expect(read('SubmitObjectsRequest_ebrs30.xml').submission!.submissionSet.entryUUID).toBe(
      'SubmissionSet01',
    );
    expect(read('SubmitObjectsRequest_ebrs30_update.xml').submission!.submissionSet.entryUUID).toBe(
      'SubmissionSet',
    );
  });

  it('keeps the symbolic ids and the IsSnapshotOf association of ebrs30.xml', () => {
    const s = read('SubmitObjectsRequest_ebrs30.xml').submission!;
    expect(s.documentEntries[0]!.entryUUID).toBe('Document01');
    expect(
      s.associations.map((a) => [a.entryUUID, a.associationType, a.sourceObject, a.targetObject]),
    ).toEqual([
      ['as01', 'HasMember', 'SubmissionSet01', 'Document01'],
      ['as02', 'IsSnapshotOf', 'Document01', 'urn:uuid:e0985823-dc50-45a5-a6c8-a11a829893bd'],
    ]);
  });
});

describe('extraSlotsOf', () => {
  it('lists every extra slot of the NIST-style sample with its location', () => {
    const r = readSubmitObjectsRequest(parseXml(readFileSync(new URL('submission-set.xml', dir))));
    expect(r.objects.submissionSets).toHaveLength(1);
    expect(extraSlotsOf(r.objects).map((x) => x.location)).toEqual([
      'SubmissionSet[SubmissionSet01].urn:nist:extraSSSlot',
      'DocumentEntry[Document01].urn:nist:extraDESlot',
      'Association[ID_988310111_2].urn:nist:extraAssocSlot',
    ]);
  });
});
