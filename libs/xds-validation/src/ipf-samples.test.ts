/**
 * The IPF ebRS 3.0 SubmitObjectsRequest samples (third-party, read in place from
 * ../shared/conformance/02-xds-metadata/ipf), read with @mesh/xds and validated here. They are
 * not valid submissions of our affinity domain, so each test pins exactly which issues are
 * expected, and why, under a permissive policy (every code accepted, every patient id in the
 * domain, extra metadata not saved so that its warning shows):
 *
 * - ebrs30, ebrs30_2, extra_metadata (Document Source metadata, so ITI-41):
 *   - `authorSpeciality` (sic) on both authors is not one of the five author sub-attributes
 *     (ITI TF-3 4.2.3.1.4);
 *   - the samples wrap three classification / identification scheme UUIDs with a blank
 *     (`...-92fd- a8ffeff98427`), so the reader cannot map SubmissionSet.contentTypeCode,
 *     SubmissionSet.uniqueId, SubmissionSet.patientId and DocumentEntry.patientId: they are missing;
 *   - SubmissionSet.sourceId `3670984664` is not an OID (ITI TF-3 4.2.3.3.9);
 *   - extra_metadata: `urn:my:company:slot` is valid extra metadata, hence only the warning.
 * - update (ITI-57): a valid DocumentEntry update and status change, except sourcePatientId
 *   `...&3.4.5&ISO`, whose OID has a first arc above 2 (ISO/IEC 9834-1).
 * - update_sameLid (ITI-57): two new versions of one logicalID (the case IPF rejects), the
 *   second not a member of the SubmissionSet, and the same sourcePatientId as above.
 *
 * And the OpenXDS Provide and Register sample (SOAP-wrapped, ITI-41), which is valid: no issue.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NS, parseXml } from '@mesh/xml';
import { readSubmitObjectsRequest } from '@mesh/xds';
import { validateSubmission } from './validate.js';
import type { MetadataPolicy, SubmissionTransaction } from './policy.js';

const dir = fileURLToPath(new URL('../../../../shared/conformance/02-xds-metadata/ipf/', import.meta.url));

const permissive: MetadataPolicy = {
  isAllowedCode: () => true,
  isAffinityDomainPatientId: () => true,
  extraMetadataSaved: false,
};

function validate(file: string, transaction: SubmissionTransaction): [string, string | undefined][] {
  const read = readSubmitObjectsRequest(parseXml(readFileSync(dir + file, 'utf8')));
  expect(read.submission).toBeDefined();
  return validateSubmission(read.submission!, { transaction, policy: permissive }).map((i) => [
    i.code,
    i.location,
  ]);
}

const R = 'XDSRepositoryMetadataError';
const SOURCE_SAMPLE_ISSUES: [string, string][] = [
  [R, 'SubmissionSet.author[0].authorSpeciality'],
  [R, 'SubmissionSet.contentTypeCode'],
  [R, 'SubmissionSet.uniqueId'],
  [R, 'SubmissionSet.sourceId'],
  [R, 'SubmissionSet.patientId'],
  [R, 'DocumentEntry[Document01].author[0].authorSpeciality'],
  [R, 'DocumentEntry[Document01].patientId'],
];

describe('IPF SubmitObjectsRequest samples', () => {
  it.each(['SubmitObjectsRequest_ebrs30.xml', 'SubmitObjectsRequest_ebrs30_2.xml'])('%s (ITI-41)', (file) => {
    expect(validate(file, 'ITI-41')).toEqual(SOURCE_SAMPLE_ISSUES);
  });

  it('SubmitObjectsRequest_ebrs3_extra_metadata.xml (ITI-41): only a warning for the extra slot', () => {
    expect(validate('SubmitObjectsRequest_ebrs3_extra_metadata.xml', 'ITI-41')).toEqual([
      ...SOURCE_SAMPLE_ISSUES,
      ['XDSExtraMetadataNotSaved', 'DocumentEntry[Document01].urn:my:company:slot'],
    ]);
  });

  it('SubmitObjectsRequest_ebrs30_update.xml (ITI-57)', () => {
    expect(validate('SubmitObjectsRequest_ebrs30_update.xml', 'ITI-57')).toEqual([
      ['XDSRegistryMetadataError', 'DocumentEntry[Document01].sourcePatientId'],
    ]);
  });

  it('SubmitObjectsRequest_ebrs30_update.xml is no ITI-42: new versions and status changes are ITI-57 only', () => {
    expect(validate('SubmitObjectsRequest_ebrs30_update.xml', 'ITI-42')).toEqual([
      ['XDSRegistryMetadataError', 'DocumentEntry[Document01].logicalID'],
      ['XDSRegistryMetadataError', 'DocumentEntry[Document01].sourcePatientId'],
      ['XDSRegistryMetadataError', 'Association[Assoc].PreviousVersion'],
      ['XDSRegistryMetadataError', 'Association[Assoc2].associationType'],
    ]);
  });

  it('SubmitObjectsRequest_ebrs30_update_sameLid.xml (ITI-57)', () => {
    expect(validate('SubmitObjectsRequest_ebrs30_update_sameLid.xml', 'ITI-57')).toEqual([
      [
        'XDSRegistryMetadataError',
        'DocumentEntry[urn:uuid:3add0984-7adf-4e05-913d-20c65ef6a464].sourcePatientId',
      ],
      ['XDSRegistryMetadataError', 'DocumentEntry[Document02].sourcePatientId'],
      ['XDSMetadataUpdateOperationError', 'DocumentEntry[Document02].logicalID'],
      ['XDSRegistryMetadataError', 'DocumentEntry[Document02]'],
    ]);
  });
});

describe('OpenXDS ProvideAndRegisterDocumentSet-bRequest.xml (ITI-41)', () => {
  it('has no issue', () => {
    const file = fileURLToPath(
      new URL(
        '../../../../shared/conformance/02-xds-metadata/openxds/samples/ProvideAndRegisterDocumentSet-bRequest.xml',
        import.meta.url,
      ),
    );
    const request = parseXml(readFileSync(file, 'utf8')).getElementsByTagNameNS(
      NS.lcm,
      'SubmitObjectsRequest',
    )[0];
    expect(request).toBeDefined();
    const read = readSubmitObjectsRequest(request!);
    expect(read.issues).toEqual([]);
    expect(read.submission?.documentEntries).toHaveLength(1);
    expect(validateSubmission(read.submission!, { transaction: 'ITI-41', policy: permissive })).toEqual([]);
  });
});
