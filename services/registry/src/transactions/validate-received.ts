/**
 * What ITI-42 and ITI-57 share on the registry side: validating a received submission against
 * the affinity domain and the registry's current content, and the registry's time format.
 */
import type { Issue } from '@mesh/core';
import { lookupsFor } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import type { DocumentEntry, Submission } from '@mesh/xds';
import { relationshipTargets, validateSubmission } from '@mesh/xds-validation';
import type { MetadataPolicy, RegisteredDocument, SubmissionTransaction } from '@mesh/xds-validation';
import type { RegistryStore } from '../store.js';

/**
 * Validates a received submission (ITI TF-3 4.2.4) with the registry's knowledge: the domain's
 * value sets, the known patient ids, the registered targets of relationships. The validator is
 * synchronous; everything it asks of the store is loaded first.
 */
export async function validateAgainstRegistry(
  received: Submission,
  transaction: SubmissionTransaction,
  d: { readonly store: RegistryStore; readonly domain: AffinityDomain },
  opts: {
    /**
     * Take every patient id as known: the caller checks them in the transaction that stores the
     * submission (one round trip less) and validates again without this when they are not.
     */
    readonly patientsCheckedLater?: boolean;
  } = {},
): Promise<Issue[]> {
  const targetIds = relationshipTargets(received);
  // The usual ITI-42 (no registered targets, patients checked in the storing statement) needs
  // nothing per submission: one policy per domain serves them all.
  if (targetIds.length === 0 && opts.patientsCheckedLater)
    return validateSubmission(received, { transaction, policy: addOnlyPolicy(d.domain) });
  const targets = await loadTargets(d.store, targetIds);
  const knownPatients = opts.patientsCheckedLater
    ? undefined
    : await loadKnownPatients(d.store, patientIdsOf(received));
  const policy: MetadataPolicy = {
    ...addOnlyPolicy(d.domain),
    isKnownPatientId: (cx) => knownPatients === undefined || knownPatients.has(cx),
    lookupDocument: (id) => targets.get(id),
  };
  return validateSubmission(received, { transaction, policy });
}

const addOnlyPolicies = new WeakMap<AffinityDomain, MetadataPolicy>();

/**
 * The policy of a submission that names no registered object, its patients checked later; the
 * others override its two registry lookups.
 */
function addOnlyPolicy(domain: AffinityDomain): MetadataPolicy {
  let policy = addOnlyPolicies.get(domain);
  if (policy === undefined) {
    policy = Object.freeze({
      ...lookupsFor(domain),
      isKnownPatientId: () => true,
      lookupDocument: () => undefined,
      // The registry stores extra metadata with the model (metadata jsonb), so no
      // XDSExtraMetadataNotSaved warning (ITI TF-3 4.2.3.1.7).
      extraMetadataSaved: true,
    });
    addOnlyPolicies.set(domain, policy);
  }
  return policy;
}

/** Registered documents by entryUUID, as the validator's `lookupDocument` answers them. */
async function loadTargets(
  store: RegistryStore,
  uuids: readonly string[],
): Promise<Map<string, RegisteredDocument>> {
  const found = uuids.length === 0 ? [] : await store.getDocumentsByUuid(uuids);
  // The store answers in lower case; the submission may spell a UUID in upper case.
  const byId = new Map(found.map((e) => [e.entryUUID.toLowerCase(), registeredDocument(e)]));
  const out = new Map<string, RegisteredDocument>();
  for (const u of uuids) {
    const doc = byId.get(u.toLowerCase());
    if (doc) out.set(u, doc);
  }
  return out;
}

function registeredDocument(e: DocumentEntry): RegisteredDocument {
  return {
    status: e.availabilityStatus ?? 'Approved',
    patientId: e.patientId?.raw ?? '',
    objectType: e.objectType,
  };
}

/** Every patient id a submission names (SubmissionSet, DocumentEntries, Folders). */
export function patientIdsOf(s: Submission): string[] {
  const ids = new Set<string>();
  const add = (raw: string | undefined): void => {
    if (raw !== undefined) ids.add(raw);
  };
  add(s.submissionSet.patientId?.raw);
  for (const x of s.documentEntries) add(x.patientId?.raw);
  for (const x of s.folders) add(x.patientId?.raw);
  return [...ids];
}

async function loadKnownPatients(store: RegistryStore, ids: readonly string[]): Promise<Set<string>> {
  const known = await Promise.all(ids.map(async (cx) => ((await store.isKnownPatient(cx)) ? cx : undefined)));
  return new Set(known.filter((x): x is string => x !== undefined));
}

/** A DTM in UTC to the second (ITI TF-3 Table 4.2.3.1.7-2). */
export function dtm(t: Date): string {
  return t.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
