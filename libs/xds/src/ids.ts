/**
 * Entry UUIDs (ITI TF-3 4.2.3.1.5 and 4.2.3.2.8): a submitter may give objects symbolic ids
 * (`Document01`) that only have meaning inside the submission; the Document Registry replaces
 * them with UUIDs, and every reference to them inside the submission with it. Ids already in
 * `urn:uuid:` form are kept (the submitter assigned them).
 */
import type { Association, Submission } from './model.js';

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id is a UUID in `urn:uuid:` form (RFC 4122, either case). */
export function isUuidUrn(id: string): boolean {
  return UUID_URN.test(id);
}

/** The submission with UUIDs for symbolic ids, and the map symbolic id -> assigned UUID. */
export interface AssignedIds {
  readonly submission: Submission;
  readonly assigned: ReadonlyMap<string, string>;
}

/**
 * Replaces every symbolic entryUUID of the submission (SubmissionSet, DocumentEntries, Folders,
 * Associations) with `newId()`, and association sourceObject/targetObject that name them.
 * References to symbolic ids the submission does not define are left as they are, for the
 * validator to report. Pure: `newId` is the only source of new values.
 */
export function assignEntryUUIDs(
  s: Submission,
  newId: () => string = () => `urn:uuid:${globalThis.crypto.randomUUID()}`,
): AssignedIds {
  const assigned = new Map<string, string>();
  const give = (id: string): string => {
    if (isUuidUrn(id)) return id;
    let u = assigned.get(id);
    if (u === undefined) {
      u = newId();
      assigned.set(id, u);
    }
    return u;
  };
  const submissionSet = { ...s.submissionSet, entryUUID: give(s.submissionSet.entryUUID) };
  const documentEntries = s.documentEntries.map((d) => ({ ...d, entryUUID: give(d.entryUUID) }));
  const folders = s.folders.map((f) => ({ ...f, entryUUID: give(f.entryUUID) }));
  // Every entryUUID is assigned before any reference is rewritten: an association may name
  // one that comes after it (HasMember SubmissionSet -> a Folder membership association).
  const associationIds: string[] = [];
  for (const a of s.associations) associationIds.push(give(a.entryUUID));
  const ref = (id: string): string => assigned.get(id) ?? id;
  const associations: Association[] = s.associations.map((a, i) => ({
    ...a,
    entryUUID: associationIds[i]!,
    sourceObject: ref(a.sourceObject),
    targetObject: ref(a.targetObject),
  }));
  return {
    submission: { submissionSet, documentEntries, folders, associations, objectRefs: s.objectRefs },
    assigned,
  };
}
