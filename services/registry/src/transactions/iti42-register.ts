/**
 * ITI-42 Register Document Set-b (ITI TF-2 3.42), the Document Registry side: read the ebRIM
 * submission, validate it against the affinity domain and the registry's current content, and
 * store it all-or-nothing. Transport-free: the SOAP wiring renders the returned Outcome with
 * `registryResponseXml`.
 */
import { MeshError, error, failure, hasErrors, success } from '@mesh/core';
import type { Issue, Outcome, RequestContext } from '@mesh/core';
import type { Db, Queryable } from '@mesh/db';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { assignEntryUUIDs, readSubmitObjectsRequest } from '@mesh/xds';
import type { Association, ReadSubmissionResult, Submission } from '@mesh/xds';
import { UnknownPatientIdError } from '../store.js';
import type { RegistryStore } from '../store.js';
import type { InsertPart } from '../sql.js';
import type { SubmissionWriter } from '../group-commit.js';
import { associationsTouching, lookupObjects, objectKey } from '../objects.js';
import { dtm, patientIdsOf, validateAgainstRegistry } from './validate-received.js';

/** The ports of {@link registerDocumentSet}. */
export interface RegisterDocumentSetDeps {
  readonly db: Db;
  readonly store: RegistryStore;
  readonly domain: AffinityDomain;
  readonly clock: () => Date;
  /** Source of the UUIDs that replace symbolic ids (`urn:uuid:` form); random by default. */
  readonly newId?: () => string;
  /**
   * Group commit for submissions that only add objects (see group-commit.ts); without it each
   * submission has a transaction of its own.
   */
  readonly writer?: SubmissionWriter;
  /** Rows written in the statement that stores the submission (the service's change event in its outbox). */
  readonly rowsWith?: (stored: Submission) => readonly InsertPart[];
}

/** Associations that deprecate their target (ITI TF-3 4.2.2.2.1 RPLC, 4.2.2.2.4 XFRM_RPLC). */
const REPLACING = new Set(['RPLC', 'XFRM_RPLC']);
/** Associations whose target must still be Approved when the submission commits (ITI TF-3 4.2.2.2). */
const NEEDS_APPROVED = new Set(['RPLC', 'APND', 'XFRM', 'XFRM_RPLC']);

/**
 * ITI-42 Register Document Set-b: Document Repository -> Document Registry.
 *
 * Returns Success (with any warnings and, as value, the submission as stored: UUIDs assigned,
 * statuses set) or Failure with every issue found; on Failure nothing is stored. MeshErrors of the store (XDSNonIdenticalHash, XDSDuplicateUniqueIdInRegistry...) become
 * the Failure; anything else (database down, `ctx.signal` aborted) is thrown for the transport
 * to answer XDSRegistryError.
 */
export function registerDocumentSet(
  request: Element /* lcm:SubmitObjectsRequest */,
  ctx: RequestContext,
  d: RegisterDocumentSetDeps,
): Promise<Outcome<Submission>> {
  return registerReadSubmission(readSubmitObjectsRequest(request), ctx, d);
}

/**
 * {@link registerDocumentSet} from the submission as read. A request's DOM is not needed past
 * the read: keeping it out of this async function (V8 keeps an async function's parameters
 * alive until it returns) lets it be collected while the submission waits for its commit,
 * instead of surviving young-generation collections with every request in flight.
 */
export async function registerReadSubmission(
  read: ReadSubmissionResult,
  ctx: RequestContext,
  d: RegisterDocumentSetDeps,
): Promise<Outcome<Submission>> {
  const issues: Issue[] = [...read.issues];
  if (!read.submission) return failure(issues);
  const received = read.submission;

  // Patient ids are checked in the storing statement; a refusal is validated again in full so
  // that every issue, XDSUnknownPatientId included, is reported at its location.
  const refused = async (): Promise<Outcome<Submission>> => {
    const all = [...read.issues, ...(await validateAgainstRegistry(received, 'ITI-42', d))];
    return failure(
      hasErrors(all)
        ? all
        : [
            ...all,
            error('XDSUnknownPatientId', 'The patient id is not known and active', 'SubmissionSet.patientId'),
          ],
    );
  };
  issues.push(...(await validateAgainstRegistry(received, 'ITI-42', d, { patientsCheckedLater: true })));
  if (hasErrors(issues)) return refused();
  ctx.signal?.throwIfAborted();

  const now = d.clock();
  const submission = registeredForm(assignEntryUUIDs(received, d.newId).submission, dtm(now));
  const replaced = relationshipTargetsOf(submission, REPLACING);
  const mustBeApproved = relationshipTargetsOf(submission, NEEDS_APPROVED);
  const touched = existingFoldersWithNewMembers(submission);

  const opts = {
    receivedAt: now,
    activePatients: patientIdsOf(submission),
    extraRows: d.rowsWith?.(submission) ?? [],
  };
  const addsOnly = mustBeApproved.size === 0 && touched.length === 0;
  let stored = submission;
  try {
    if (addsOnly && d.writer) await d.writer.write({ submission, opts });
    else stored = await storeWithRelationships();
  } catch (e) {
    if (e instanceof UnknownPatientIdError) return refused();
    if (e instanceof MeshError) return failure([...issues, ...e.outcome.issues]);
    throw e;
  }
  return success(stored, issues);

  /** Stores the submission with the Folder memberships its replacements take over; returns what was stored. */
  async function storeWithRelationships(): Promise<Submission> {
    return d.db.transaction(async (tx) => {
      // A replacement joins every Folder its original is a member of (ITI TF-3 4.2.2.2.1; NIST
      // XDS test 12327): the registry adds those HasMember Associations itself.
      const memberships = await foldersOfReplaced(tx, submission, replaced, d.newId);
      const withMemberships =
        memberships.length === 0
          ? submission
          : { ...submission, associations: [...submission.associations, ...memberships] };
      await d.store.insertSubmission(tx, withMemberships, opts);
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
      await recheckTargets(tx, mustBeApproved, replaced, touched, submission);
      const folders = [...new Set([...touched, ...memberships.map((a) => a.sourceObject)])];
      if (folders.length > 0) await d.store.touchFolders(tx, folders, dtm(now));
      return withMemberships;
    });
  }
}

/**
 * The HasMember Associations that put each replacing DocumentEntry of `s` (RPLC, XFRM_RPLC) in the
 * Approved Folders its original is an Approved member of, unless the submission already does.
 * Read in the storing transaction; the Folders are then touched (lastUpdateTime) by the caller.
 */
async function foldersOfReplaced(
  tx: Queryable,
  s: Submission,
  replaced: ReadonlyMap<string, string>,
  newId: (() => string) | undefined,
): Promise<Association[]> {
  if (replaced.size === 0) return [];
  const replacementsOf = new Map<string, string[]>();
  for (const a of s.associations)
    if (REPLACING.has(a.associationType) && replaced.has(a.targetObject)) {
      const key = objectKey(a.targetObject);
      replacementsOf.set(key, [...(replacementsOf.get(key) ?? []), a.sourceObject]);
    }
  const existing = (await associationsTouching(tx, [...replaced.keys()])).filter(
    (a) =>
      a.associationType === 'HasMember' &&
      a.availabilityStatus === 'Approved' &&
      replacementsOf.has(objectKey(a.targetObject)),
  );
  if (existing.length === 0) return [];
  const folders = await lookupObjects(
    tx,
    existing.map((a) => a.sourceObject),
  );
  const already = new Set(
    s.associations
      .filter((a) => a.associationType === 'HasMember')
      .map((a) => `${objectKey(a.sourceObject)} ${objectKey(a.targetObject)}`),
  );
  const out: Association[] = [];
  for (const a of existing) {
    const folder = folders.get(objectKey(a.sourceObject));
    if (folder?.kind !== 'Folder' || folder.status !== 'Approved') continue;
    for (const replacement of replacementsOf.get(objectKey(a.targetObject)) ?? []) {
      const pair = `${folder.id} ${objectKey(replacement)}`;
      if (already.has(pair)) continue;
      already.add(pair);
      out.push({
        entryUUID: newId ? newId() : `urn:uuid:${globalThis.crypto.randomUUID()}`,
        associationType: 'HasMember',
        sourceObject: folder.id,
        targetObject: replacement,
        availabilityStatus: 'Approved',
        extraSlots: [],
      });
    }
  }
  return out;
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
 * The validator saw the targets before the transaction; a concurrent ITI-42/ITI-57, ITI-62 or a
 * patient merge may have changed them since. Re-read them inside the transaction under a FOR
 * SHARE lock (an ITI-62 removing one waits until this commits, then sees the new Association):
 * still registered, still Approved (those not deprecated by this submission), still of the
 * submission's patient. Existing Folders receiving documents (ITI TF-3 4.2.2.1.2) are checked the
 * same way: a registered, Approved Folder of the same patient.
 */
async function recheckTargets(
  tx: Queryable,
  targets: ReadonlyMap<string, string>,
  replacedHere: ReadonlyMap<string, string>,
  folders: readonly string[],
  s: Submission,
): Promise<void> {
  if (targets.size === 0 && folders.length === 0) return;
  const found = await lookupObjects(tx, [...targets.keys(), ...folders], 'share');
  const patient = s.submissionSet.patientId?.raw;
  const problems: Issue[] = [];
  const check = (id: string, at: string, kind: 'DocumentEntry' | 'Folder', mustBeApproved: boolean): void => {
    const row = found.get(objectKey(id));
    if (!row || row.kind !== kind) {
      problems.push(error('XDSRegistryMetadataError', `${id} is not a registered ${kind}`, at));
      return;
    }
    if (mustBeApproved && row.status !== 'Approved')
      problems.push(
        error(
          kind === 'DocumentEntry' ? 'XDSRegistryDeprecatedDocumentError' : 'XDSRegistryMetadataError',
          `The ${kind} ${id} is ${row.status}, not Approved`,
          at,
        ),
      );
    if (patient !== undefined && row.patientId !== patient)
      problems.push(error('XDSPatientIdDoesNotMatch', `The ${kind} ${id} belongs to another patient`, at));
  };
  for (const [uuid, at] of targets) check(uuid, at, 'DocumentEntry', !replacedHere.has(uuid));
  for (const f of folders) check(f, `Folder[${f}]`, 'Folder', true);
  if (problems.length > 0) throw new MeshError(problems);
}
