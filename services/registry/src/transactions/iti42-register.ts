/**
 * ITI-42 Register Document Set-b (ITI TF-2 3.42), the Document Registry side: read the ebRIM
 * submission, validate it against the affinity domain and the registry's current content, and
 * store it all-or-nothing. Transport-free: the SOAP wiring renders the returned Outcome with
 * `registryResponseXml`.
 */
import { MeshError, error, failure, hasErrors, success } from '@mesh/core';
import type { Issue, Outcome, RequestContext } from '@mesh/core';
import type { Db, Queryable } from '@mesh/db';
import { lookupsFor } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { assignEntryUUIDs, readSubmitObjectsRequest } from '@mesh/xds';
import type { DocumentEntry, Submission } from '@mesh/xds';
import { relationshipTargets, validateSubmission } from '@mesh/xds-validation';
import type { MetadataPolicy, RegisteredDocument } from '@mesh/xds-validation';
import type { RegistryStore } from '../store.js';

/** The ports of {@link registerDocumentSet}. */
export interface RegisterDocumentSetDeps {
  readonly db: Db;
  readonly store: RegistryStore;
  readonly domain: AffinityDomain;
  readonly clock: () => Date;
  /** Source of the UUIDs that replace symbolic ids (`urn:uuid:` form); random by default. */
  readonly newId?: () => string;
}

/** Associations that deprecate their target (ITI TF-3 4.2.2.2.1 RPLC, 4.2.2.2.4 XFRM_RPLC). */
const REPLACING = new Set(['RPLC', 'XFRM_RPLC']);
/** Associations whose target must still be Approved when the submission commits (ITI TF-3 4.2.2.2). */
const NEEDS_APPROVED = new Set(['RPLC', 'APND', 'XFRM', 'XFRM_RPLC']);

/**
 * ITI-42 Register Document Set-b: Document Repository -> Document Registry.
 *
 * Returns Success (with any warnings) or Failure with every issue found; on Failure nothing is
 * stored. MeshErrors of the store (XDSNonIdenticalHash, XDSDuplicateUniqueIdInRegistry...) become
 * the Failure; anything else (database down, `ctx.signal` aborted) is thrown for the transport
 * to answer XDSRegistryError.
 */
export async function registerDocumentSet(
  request: Element /* lcm:SubmitObjectsRequest */,
  ctx: RequestContext,
  d: RegisterDocumentSetDeps,
): Promise<Outcome> {
  const read = readSubmitObjectsRequest(request);
  const issues: Issue[] = [...read.issues];
  if (!read.submission) return failure(issues);
  const received = read.submission;

  // The policy is synchronous; everything it asks of the store is loaded first.
  const targets = await loadTargets(d.store, relationshipTargets(received));
  const knownPatients = await loadKnownPatients(d.store, patientIdsOf(received));
  const policy: MetadataPolicy = {
    ...lookupsFor(d.domain),
    isKnownPatientId: (cx) => knownPatients.has(cx),
    lookupDocument: (id) => targets.get(id),
    // The registry stores extra metadata with the model (metadata jsonb), so no
    // XDSExtraMetadataNotSaved warning (ITI TF-3 4.2.3.1.7).
    extraMetadataSaved: true,
  };
  issues.push(...validateSubmission(received, { transaction: 'ITI-42', policy }));
  if (hasErrors(issues)) return failure(issues);
  ctx.signal?.throwIfAborted();

  const now = d.clock();
  const submission = registeredForm(assignEntryUUIDs(received, d.newId).submission, dtm(now));
  const replaced = relationshipTargetsOf(submission, REPLACING);
  const mustBeApproved = relationshipTargetsOf(submission, NEEDS_APPROVED);
  const touched = existingFoldersWithNewMembers(submission);

  try {
    await d.db.transaction(async (tx) => {
      await d.store.insertSubmission(tx, submission, { receivedAt: now });
      // UPDATE ... WHERE status <> 'Deprecated' locks the targets and, under READ COMMITTED,
      // re-reads a row a concurrent transaction replaced first: a target missing from the result
      // was replaced in between (a document is replaced only once, ITI TF-3 4.2.2.2.1).
      const deprecated = new Set(replaced.size > 0 ? await d.store.deprecate(tx, [...replaced.keys()]) : []);
      for (const [uuid, at] of replaced)
        if (!deprecated.has(uuid.toLowerCase()))
          throw MeshError.of(
            'XDSRegistryDeprecatedDocumentError',
            `The target ${uuid} was replaced or deprecated by a concurrent submission`,
            { location: at },
          );
      await recheckTargets(tx, d.store, mustBeApproved, replaced, submission);
      if (touched.length > 0) await d.store.touchFolders(tx, touched, dtm(now));
    });
  } catch (e) {
    if (e instanceof MeshError) return failure([...issues, ...e.outcome.issues]);
    throw e;
  }
  return success(undefined, issues);
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

function patientIdsOf(s: Submission): string[] {
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

/**
 * The submission as the registry records it: every DocumentEntry, Folder and SubmissionSet
 * Approved (ITI TF-3 4.2.3.2.2, set by the Document Registry) and new Folders with their
 * lastUpdateTime (ITI TF-3 4.2.3.4.5, set by the Document Registry).
 */
function registeredForm(s: Submission, now: string): Submission {
  return {
    ...s,
    submissionSet: { ...s.submissionSet, availabilityStatus: 'Approved' },
    documentEntries: s.documentEntries.map((x) => ({ ...x, availabilityStatus: 'Approved' })),
    folders: s.folders.map((x) => ({ ...x, availabilityStatus: 'Approved', lastUpdateTime: now })),
    associations: s.associations.map((x) => ({ ...x, availabilityStatus: 'Approved' })),
  };
}

/** Targets of the given association types that are registered documents, with the association's location. */
function relationshipTargetsOf(s: Submission, types: ReadonlySet<string>): Map<string, string> {
  const inSubmission = new Set(s.documentEntries.map((x) => x.entryUUID));
  const out = new Map<string, string>();
  for (const a of s.associations)
    if (types.has(a.associationType) && !inSubmission.has(a.targetObject))
      out.set(a.targetObject, `Association(${a.entryUUID}).targetObject`);
  return out;
}

/** Existing Folders (not in the submission) that a HasMember adds a document to (ITI TF-3 4.2.3.4.5). */
function existingFoldersWithNewMembers(s: Submission): string[] {
  const ss = s.submissionSet.entryUUID;
  const newFolders = new Set(s.folders.map((f) => f.entryUUID));
  const documents = new Set(s.documentEntries.map((x) => x.entryUUID));
  const out = new Set<string>();
  for (const a of s.associations)
    if (
      a.associationType === 'HasMember' &&
      a.sourceObject !== ss &&
      !newFolders.has(a.sourceObject) &&
      !documents.has(a.sourceObject)
    )
      out.add(a.sourceObject);
  return [...out];
}

/**
 * The validator saw the targets before the transaction; a concurrent ITI-42/ITI-57 or a patient
 * merge may have changed them since. Re-read inside the transaction: still Approved (those not
 * deprecated by this submission) and still of the submission's patient.
 */
async function recheckTargets(
  tx: Queryable,
  store: RegistryStore,
  targets: ReadonlyMap<string, string>,
  replacedHere: ReadonlyMap<string, string>,
  s: Submission,
): Promise<void> {
  if (targets.size === 0) return;
  const rows = await store.getDocumentsByUuid([...targets.keys()], tx);
  const byId = new Map(rows.map((r) => [r.entryUUID.toLowerCase(), r]));
  const patient = s.submissionSet.patientId?.raw;
  const problems: Issue[] = [];
  for (const [uuid, at] of targets) {
    const row = byId.get(uuid.toLowerCase());
    if (!row) {
      problems.push(error('XDSRegistryMetadataError', `The target ${uuid} is no longer registered`, at));
      continue;
    }
    if (!replacedHere.has(uuid) && row.availabilityStatus !== 'Approved')
      problems.push(
        error(
          'XDSRegistryDeprecatedDocumentError',
          `The target ${uuid} became ${row.availabilityStatus ?? 'unknown'} during the submission`,
          at,
        ),
      );
    if (patient !== undefined && row.patientId?.raw !== patient)
      problems.push(
        error('XDSPatientIdDoesNotMatch', `The target ${uuid} no longer belongs to patient ${patient}`, at),
      );
  }
  if (problems.length > 0) throw new MeshError(problems);
}

/** A DTM in UTC to the second (ITI TF-3 Table 4.2.3.1.7-2). */
function dtm(t: Date): string {
  return t.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
