import { describe, expect, it } from 'vitest';
import { error, warning } from '@mesh/core';
import { readRegistryResponse, registryResponseXml } from './registry-response.js';

describe('RegistryResponse', () => {
  it('round-trips status and issues', () => {
    const outcome = {
      status: 'Failure' as const,
      issues: [
        error('XDSUnknownPatientId', 'unknown <patient> & "x"', 'DocumentEntry(Document01).patientId'),
        warning('XDSExtraMetadataNotSaved', 'slot dropped'),
      ],
    };
    expect(readRegistryResponse(registryResponseXml(outcome))).toEqual(outcome);
    expect(readRegistryResponse(registryResponseXml({ status: 'Success', issues: [] }))).toEqual({
      status: 'Success',
      issues: [],
    });
  });

  it('writes PartialSuccess with the IHE status URN and replaces characters XML cannot carry', () => {
    const xml = registryResponseXml({ status: 'PartialSuccess', issues: [error('X', 'bad\u0001char')] });
    expect(xml).toContain('urn:ihe:iti:2007:ResponseStatusType:PartialSuccess');
    expect(xml).toContain('bad\uFFFDchar');
  });

  it('refuses what is not a RegistryResponse', () => {
    expect(() => readRegistryResponse('<x/>')).toThrow();
    expect(() =>
      readRegistryResponse(
        '<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="nope"/>',
      ),
    ).toThrow();
  });
});
