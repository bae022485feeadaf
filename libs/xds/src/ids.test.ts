import { describe, expect, it } from 'vitest';
import { counterIds, validAssociations, validSubmission } from './fixture.test-support.js';
import { assignEntryUUIDs, isUuidUrn } from './ids.js';

describe('assignEntryUUIDs (ITI TF-3 4.2.3.1.5)', () => {
  it('replaces symbolic ids and the association references to them', () => {
    const { submission, assigned } = assignEntryUUIDs(validSubmission(), counterIds());
    const id = (n: number) => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    expect(submission.submissionSet.entryUUID).toBe(id(1));
    expect(submission.documentEntries[0]!.entryUUID).toBe(id(2));
    expect(submission.folders[0]!.entryUUID).toBe(id(3));
    expect(submission.associations.map((a) => [a.entryUUID, a.sourceObject, a.targetObject])).toEqual([
      [id(4), id(1), id(2)],
      [id(5), id(1), id(3)],
      [id(6), id(3), id(2)],
      // HasMember SubmissionSet -> (Folder -> DocumentEntry association): the target is an association id.
      [id(7), id(1), id(6)],
    ]);
    expect(assigned.get('Document01')).toBe(id(2));
    expect(assigned.size).toBe(7);
    // Copies with the same properties in the same order (what is serialized stays the same).
    const given = validSubmission();
    submission.associations.forEach((a, i) =>
      expect(Object.keys(a)).toEqual(Object.keys(given.associations[i]!)),
    );
    expect(Object.keys(submission.documentEntries[0]!)).toEqual(Object.keys(given.documentEntries[0]!));
  });

  it('keeps ids already in urn:uuid form and references to objects outside the submission', () => {
    const given = 'urn:uuid:9A1B2C3D-4E5F-4A6B-8C7D-0E1F2A3B4C5D';
    const existing = 'urn:uuid:5b2a3e0c-7a57-4c0e-8d0e-3f1a2b3c4d5e';
    const assocs = [
      ...validAssociations(),
      {
        entryUUID: 'rplc',
        associationType: 'RPLC' as const,
        sourceObject: given,
        targetObject: existing,
        extraSlots: [],
      },
      {
        entryUUID: 'dangling',
        associationType: 'APND' as const,
        sourceObject: given,
        targetObject: 'Nowhere',
        extraSlots: [],
      },
    ];
    const s = validSubmission({ documentEntry: { entryUUID: given }, associations: assocs });
    const { submission } = assignEntryUUIDs(s, counterIds());
    expect(submission.documentEntries[0]!.entryUUID).toBe(given);
    const rplc = submission.associations.find((a) => a.associationType === 'RPLC')!;
    expect([rplc.sourceObject, rplc.targetObject]).toEqual([given, existing]);
    const apnd = submission.associations.find((a) => a.associationType === 'APND')!;
    expect(apnd.targetObject).toBe('Nowhere');
  });

  it('uses a random urn:uuid by default', () => {
    const { submission } = assignEntryUUIDs(validSubmission());
    expect(isUuidUrn(submission.submissionSet.entryUUID)).toBe(true);
  });

  it('isUuidUrn', () => {
    expect(isUuidUrn('urn:uuid:5b2a3e0c-7a57-4c0e-8d0e-3f1a2b3c4d5e')).toBe(true);
    expect(isUuidUrn('5b2a3e0c-7a57-4c0e-8d0e-3f1a2b3c4d5e')).toBe(false);
    expect(isUuidUrn('urn:uuid:58a6f841-87b3-4a3e-92fd- a8ffeff98427')).toBe(false);
    expect(isUuidUrn('Document01')).toBe(false);
  });
});
