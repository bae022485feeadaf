/**
 * ITI-57 Update Document Set (ITI TF-2 3.57, XDS Metadata Update), the Document Registry side:
 * new versions of DocumentEntries and Folders (by logicalID), availabilityStatus changes
 * (UpdateAvailabilityStatus), and new Associations between registered objects, all in one
 * transaction. Transport-free: the SOAP wiring renders the Outcome with `registryResponseXml`.
 */
import { MeshError, error, failure, hasErrors, success } from '@mesh/core';
import type { Issue, Outcome, RequestContext } from '@mesh/core';
import { isUniqueViolation } from '@mesh/db';
import type { Queryable } from '@mesh/db';
import { STATUS, assignEntryUUIDs, readSubmitObjectsRequest } from '@mesh/xds';
import { RELATIONSHIP_TYPES } from '@mesh/xds-validation';
import type { Association, AvailabilityStatus, DocumentEntry, Folder, Submission } from '@mesh/xds';
import {
  associationsTouching,
  latestDocumentVersions,
  latestFolderVersions,
  lookupObjects,
  objectKey,
  setStatus,
  supersededVersions,
} from '../objects.js';
import type { ObjectKind, RegisteredObject } from '../objects.js';
import type { RegisterDocumentSetDeps } from './iti42-register.js';
import { dtm, validateAgainstRegistry } from './validate-received.js';

/** The availabilityStatus a full StatusType URN names (OriginalStatus / NewStatus slots). */
const statusOf = (urn: string | undefined): AvailabilityStatus | undefined =>
  (Object.keys(STATUS) as AvailabilityStatus[]).find((k) => STATUS[k] === urn);

/** A new version of a DocumentEntry or Folder, with the HasMember from the SubmissionSet that carries it. */
interface NewVersion<T extends DocumentEntry | Folder> {
  readonly object: T;
  readonly member: Association;
}

/**
 * ITI-57 Update Document Set: Document Administrator -> Document Registry.
 *
 * Success, or Failure with every issue found and nothing changed. Registry-state rules
 * (ITI TF-2 3.57.4.1.3.3): the logicalID names a registered object, whose latest version is
 * Approved (XDSMetadataUpdateError) and is the PreviousVersion given (XDSMetadataVersionError);
 * uniqueId, objectType and the document's hash, size and repository stay (XDSMetadataUpdateError);
 * the patient stays (XDSPatientIDReconciliationError); OriginalStatus is the current status.
 */
export async function updateDocumentSet(
  request: Element /* lcm:SubmitObjectsRequest */,
  ctx: RequestContext,
  d: RegisterDocumentSetDeps,
): Promise<Outcome> {
  const read = readSubmitObjectsRequest(request);
  const issues: Issue[] = [...read.issues];
  if (!read.submission) return failure(issues);
  const received = read.submission;
  issues.push(...(await validateAgainstRegistry(received, 'ITI-57', d)));
  issues.push(...initialVersions(received));
  if (hasErrors(issues)) return failure(issues);
  ctx.signal?.throwIfAborted();

  const now = d.clock();
  const s = assignEntryUUIDs(received, d.newId).submission;
  try {
    await d.db.transaction(async (tx) => {
      const plan = await planUpdate(tx, s, dtm(now));
      await d.store.insertSubmission(tx, plan.submission, { receivedAt: now });
      for (const [kind, byStatus] of plan.statusChanges)
        for (const [status, ids] of byStatus) await setStatus(tx, kind, ids, status);
      if (plan.touchedFolders.length > 0) await d.store.touchFolders(tx, plan.touchedFolders, dtm(now));
    });
  } catch (e) {
    if (e instanceof MeshError) return failure([...issues, ...e.outcome.issues]);
    // A concurrent update of the same version committed first (the (logicalID, version) key).
    if (isUniqueViolation(e))
      return failure([
        ...issues,
        error(
          'XDSMetadataVersionError',
          'A concurrent update created this version first; query the latest version and retry',
          'PreviousVersion',
        ),
      ]);
    throw e;
  }
  return success(undefined, issues);
}

/** ITI TF-2 3.57.4.1.3.1: an Update Document Set does not carry first versions of objects. */
function initialVersions(s: Submission): Issue[] {
  const out: Issue[] = [];
  for (const o of [...s.documentEntries, ...s.folders])
    if (o.logicalID === undefined || o.logicalID === o.entryUUID)
      out.push(
        error(
          'XDSMetadataUpdateOperationError',
          `${'objectType' in o ? 'DocumentEntry' : 'Folder'} ${o.entryUUID} has no logicalID of a registered object; new objects are registered with ITI-42/ITI-41, not updated`,
          `${'objectType' in o ? 'DocumentEntry' : 'Folder'}[${o.entryUUID}].logicalID`,
        ),
      );
  return out;
}

interface Plan {
  /** What to insert: the new versions (with their version numbers), the SubmissionSet and every Association. */
  readonly submission: Submission;
  /** availabilityStatus changes by object kind and new status. */
  readonly statusChanges: Map<ObjectKind, Map<AvailabilityStatus, string[]>>;
  /** Existing Folders that gained members (lastUpdateTime, ITI TF-3 4.2.3.4.5). */
  readonly touchedFolders: string[];
}

/**
 * Reads and locks what the update touches and decides every change; throws MeshError with every
 * problem found. Runs inside the update's transaction.
 */
async function planUpdate(tx: Queryable, s: Submission, now: string): Promise<Plan> {
  const problems: Issue[] = [];
  const ss = s.submissionSet;
  const patient = ss.patientId?.raw;
  const memberOf = (id: string): Association | undefined =>
    s.associations.find(
      (a) => a.associationType === 'HasMember' && a.sourceObject === ss.entryUUID && a.targetObject === id,
    );
  const docs: NewVersion<DocumentEntry>[] = [];
  const folders: NewVersion<Folder>[] = [];
  for (const o of [...s.documentEntries, ...s.folders]) {
    const member = memberOf(o.entryUUID);
    const kind = 'objectType' in o ? 'DocumentEntry' : 'Folder';
    if (!member)
      problems.push(
        error(
          'XDSMetadataUpdateOperationError',
          `A new ${kind} version needs a HasMember from the SubmissionSet`,
          `${kind}[${o.entryUUID}]`,
        ),
      );
    else if ('objectType' in o) docs.push({ object: o, member });
    else folders.push({ object: o, member });
  }

  // Lock the latest versions, then read them again: the second statement sees a version a
  // concurrent update committed while this one waited for the lock.
  const docLids = docs.map((v) => v.object.logicalID ?? '');
  const folderLids = folders.map((v) => v.object.logicalID ?? '');
  await latestDocumentVersions(tx, docLids);
  await latestFolderVersions(tx, folderLids);
  const latestDocs = await latestDocumentVersions(tx, docLids);
  const latestFolders = await latestFolderVersions(tx, folderLids);

  const statusChanges = new Map<ObjectKind, Map<AvailabilityStatus, string[]>>();
  const change = (kind: ObjectKind, id: string, status: AvailabilityStatus): void => {
    let byStatus = statusChanges.get(kind);
    if (!byStatus) {
      byStatus = new Map<AvailabilityStatus, string[]>();
      statusChanges.set(kind, byStatus);
    }
    const ids = byStatus.get(status) ?? [];
    ids.push(id);
    byStatus.set(status, ids);
  };
  /** Previous version entryUUID (lower-case urn) -> new version entryUUID, for ITI57-015 and propagation. */
  const successor = new Map<string, { id: string; kind: 'DocumentEntry' | 'Folder'; propagate: boolean }>();
  const versioned: (DocumentEntry | Folder)[] = [];

  /**
   * One new version against the latest registered one (ITI TF-2 3.57.4.1.3.3.1.3, 3.57.4.1.3.3.3.2):
   * it must exist, PreviousVersion must name it and it must be Approved; the listed attributes
   * and the patient stay. The new version is Approved and numbered next; the latest is deprecated.
   */
  const planVersion = <T extends DocumentEntry | Folder>(
    kind: 'DocumentEntry' | 'Folder',
    { object: v, member }: NewVersion<T>,
    latest: (T & { readonly versionNumber: number }) | undefined,
    immutable: (latest: T) => [string, string | undefined, string | undefined][],
  ): void => {
    const where = `${kind}[${v.entryUUID}]`;
    if (!latest) {
      problems.push(
        error(
          'XDSMetadataUpdateError',
          `No registered ${kind} has the logicalID ${v.logicalID ?? ''}`,
          `${where}.logicalID`,
        ),
      );
      return;
    }
    problems.push(...previousVersionProblems(latest, latest.versionNumber, member, where));
    for (const [name, was, is] of immutable(latest))
      if (was !== is)
        problems.push(
          error(
            'XDSMetadataUpdateError',
            `${name} of a ${kind} cannot change in an update (registered: ${was ?? 'none'}, sent: ${is ?? 'none'})`,
            `${where}.${name}`,
          ),
        );
    if (latest.patientId?.raw !== v.patientId?.raw)
      problems.push(
        error(
          'XDSPatientIDReconciliationError',
          `patientId cannot change in an update (registered: ${latest.patientId?.raw ?? ''})`,
          `${where}.patientId`,
        ),
      );
    const next = { ...v, version: String(latest.versionNumber + 1), availabilityStatus: 'Approved' as const };
    versioned.push(kind === 'Folder' ? { ...next, lastUpdateTime: now } : next);
    change(kind, latest.entryUUID, 'Deprecated');
    successor.set(objectKey(latest.entryUUID), {
      id: v.entryUUID,
      kind,
      propagate: member.associationPropagation !== 'no',
    });
  };
  for (const d of docs)
    planVersion('DocumentEntry', d, latestDocs.get(objectKey(d.object.logicalID ?? '')), (latest) => [
      ['uniqueId', latest.uniqueId, d.object.uniqueId],
      ['objectType', latest.objectType, d.object.objectType],
      ['hash', latest.hash?.toLowerCase(), d.object.hash?.toLowerCase()],
      ['size', latest.size, d.object.size],
      ['repositoryUniqueId', latest.repositoryUniqueId, d.object.repositoryUniqueId],
    ]);
  for (const f of folders)
    planVersion('Folder', f, latestFolders.get(objectKey(f.object.logicalID ?? '')), (latest) => [
      ['uniqueId', latest.uniqueId, f.object.uniqueId],
    ]);

  // Registered objects the other associations name (status updates, new memberships).
  const inSubmission = new Set([
    ss.entryUUID,
    ...s.documentEntries.map((x) => x.entryUUID),
    ...s.folders.map((x) => x.entryUUID),
    ...s.associations.map((x) => x.entryUUID),
  ]);
  const referenced = new Set<string>();
  for (const a of s.associations) {
    if (!inSubmission.has(a.sourceObject)) referenced.add(a.sourceObject);
    if (!inSubmission.has(a.targetObject)) referenced.add(a.targetObject);
  }
  const registered = await lookupObjects(tx, [...referenced], 'update');
  // Only the latest version of a DocumentEntry or Folder has its status updated (NIST XDS
  // test 15802, approve_orig_docentry_2); versions this request adds are not registered yet.
  const superseded = await supersededVersions(
    tx,
    s.associations.filter((a) => a.associationType === 'UpdateAvailabilityStatus').map((a) => a.targetObject),
  );

  const touchedFolders = new Set<string>();
  for (const a of s.associations) {
    const where = `Association[${a.entryUUID}]`;
    if (a.associationType === 'UpdateAvailabilityStatus') {
      problems.push(...statusUpdate(a, where, registered, superseded, successor, patient, change));
      continue;
    }
    // A document added to a registered Folder (ITI TF-2 3.57.4.1.3.3.4): both registered, both Approved, one patient.
    if (a.associationType === 'HasMember' && a.sourceObject !== ss.entryUUID) {
      const folder = registered.get(objectKey(a.sourceObject));
      const target = registered.get(objectKey(a.targetObject)) ?? undefined;
      if (folder === undefined && !inSubmission.has(a.sourceObject)) {
        problems.push(
          error(
            'XDSMetadataUpdateError',
            `${a.sourceObject} is not a registered Folder`,
            `${where}.sourceObject`,
          ),
        );
        continue;
      }
      if (folder !== undefined) {
        if (folder.kind !== 'Folder')
          problems.push(
            error(
              'XDSRegistryMetadataError',
              `${a.sourceObject} is a ${folder.kind}, not a Folder`,
              `${where}.sourceObject`,
            ),
          );
        else if (folder.status !== 'Approved')
          problems.push(
            error(
              'XDSMetadataUpdateError',
              `Folder ${a.sourceObject} is ${folder.status}`,
              `${where}.sourceObject`,
            ),
          );
        else touchedFolders.add(folder.id);
        if (patient !== undefined && folder.patientId !== undefined && folder.patientId !== patient)
          problems.push(
            error(
              'XDSPatientIdDoesNotMatch',
              `Folder ${a.sourceObject} belongs to another patient`,
              `${where}.sourceObject`,
            ),
          );
      }
      if (target !== undefined) {
        if (target.kind !== 'DocumentEntry')
          problems.push(
            error(
              'XDSRegistryMetadataError',
              `${a.targetObject} is a ${target.kind}, not a DocumentEntry`,
              `${where}.targetObject`,
            ),
          );
        if (patient !== undefined && target.patientId !== undefined && target.patientId !== patient)
          problems.push(
            error(
              'XDSPatientIdDoesNotMatch',
              `DocumentEntry ${a.targetObject} belongs to another patient`,
              `${where}.targetObject`,
            ),
          );
      } else if (!inSubmission.has(a.targetObject)) {
        problems.push(
          error(
            'XDSMetadataUpdateError',
            `${a.targetObject} is not a registered DocumentEntry`,
            `${where}.targetObject`,
          ),
        );
      }
    }
  }

  // Association propagation (ITI TF-2 3.57.4.1.3.3.1.5): unless the submitter said no, a new
  // version takes over the previous version's Folder memberships and document relationships.
  const propagated: Association[] = [];
  const previous = [...successor.entries()].filter(([, n]) => n.propagate);
  if (previous.length > 0) {
    const existing = await associationsTouching(
      tx,
      previous.map(([p]) => p),
    );
    const kinds = await lookupObjects(
      tx,
      existing.flatMap((a) => [a.sourceObject, a.targetObject]),
    );
    for (const a of existing) {
      if (a.availabilityStatus !== 'Approved') continue;
      const src = successor.get(objectKey(a.sourceObject));
      const tgt = successor.get(objectKey(a.targetObject));
      const sourceKind = kinds.get(objectKey(a.sourceObject))?.kind;
      let copy: Association | undefined;
      if (a.associationType === 'HasMember' && tgt?.kind === 'DocumentEntry' && sourceKind === 'Folder') {
        copy = { ...a, targetObject: tgt.id }; // Folder -> new document version
        touchedFolders.add(objectKey(a.sourceObject));
      } else if (a.associationType === 'HasMember' && src?.kind === 'Folder' && sourceKind === 'Folder') {
        copy = { ...a, sourceObject: src.id }; // new Folder version -> its documents
      } else if (
        RELATIONSHIP_TYPES.has(a.associationType) &&
        (src?.kind === 'DocumentEntry' || tgt?.kind === 'DocumentEntry')
      ) {
        copy = { ...a, sourceObject: src?.id ?? a.sourceObject, targetObject: tgt?.id ?? a.targetObject };
      }
      if (copy)
        propagated.push({
          ...copy,
          entryUUID: `urn:uuid:${globalThis.crypto.randomUUID()}`,
          availabilityStatus: 'Approved',
        });
    }
  }

  if (problems.length > 0) throw new MeshError(problems);
  return {
    submission: {
      ...s,
      submissionSet: { ...ss, availabilityStatus: 'Approved' },
      documentEntries: versioned.filter((v): v is DocumentEntry => 'objectType' in v),
      folders: versioned.filter((v): v is Folder => !('objectType' in v)),
      associations: [
        ...s.associations.map((a) => ({ ...a, availabilityStatus: 'Approved' as const })),
        ...propagated,
      ],
    },
    statusChanges,
    touchedFolders: [...touchedFolders].filter((f) => !successor.has(f)),
  };
}

/** PreviousVersion names the latest version, which is Approved (ITI TF-2 3.57.4.1.3.3.1.3, 3.57.4.1.3.3.3.2). */
function previousVersionProblems(
  latest: { readonly availabilityStatus?: AvailabilityStatus },
  latestVersion: number,
  member: Association,
  where: string,
): Issue[] {
  const out: Issue[] = [];
  if (latest.availabilityStatus !== 'Approved')
    out.push(
      error(
        'XDSMetadataUpdateError',
        `The latest version (${latestVersion}) is ${latest.availabilityStatus ?? 'unknown'}, not Approved`,
        `${where}.logicalID`,
      ),
    );
  if (member.previousVersion !== String(latestVersion))
    out.push(
      error(
        'XDSMetadataVersionError',
        `PreviousVersion is ${member.previousVersion ?? 'missing'} but the latest registered version is ${latestVersion}`,
        `Association[${member.entryUUID}].PreviousVersion`,
      ),
    );
  return out;
}

/**
 * UpdateAvailabilityStatus (ITI TF-2 3.57.4.1.3.3.2 and the Folder/Association forms): the target
 * is registered (a DocumentEntry or Folder in its latest version: XDSMetadataVersionError
 * otherwise), OriginalStatus is its current status, NewStatus is Approved or Deprecated. A
 * target updated to a new version in the same request has the status applied to the new version
 * and the previous one is left as the update leaves it (ITI TF-2 3.57.4.1.3.1).
 */
function statusUpdate(
  a: Association,
  where: string,
  registered: ReadonlyMap<string, RegisteredObject>,
  superseded: ReadonlySet<string>,
  successor: ReadonlyMap<string, { id: string; kind: 'DocumentEntry' | 'Folder' }>,
  patient: string | undefined,
  change: (kind: ObjectKind, id: string, status: AvailabilityStatus) => void,
): Issue[] {
  const out: Issue[] = [];
  const target = registered.get(objectKey(a.targetObject));
  if (target === undefined) {
    out.push(
      error(
        'XDSMetadataUpdateError',
        `${a.targetObject} is not a registered object`,
        `${where}.targetObject`,
      ),
    );
    return out;
  }
  if (superseded.has(target.id))
    out.push(
      error(
        'XDSMetadataVersionError',
        `${a.targetObject} is not the latest version of its ${target.kind}; only the latest version's status can be updated`,
        `${where}.targetObject`,
      ),
    );
  const original = statusOf(a.originalStatus);
  const next = statusOf(a.newStatus);
  if (original !== target.status)
    out.push(
      error(
        'XDSMetadataUpdateError',
        `OriginalStatus ${a.originalStatus ?? 'missing'} is not the current status ${target.status}`,
        `${where}.OriginalStatus`,
      ),
    );
  if (next !== 'Approved' && next !== 'Deprecated')
    out.push(
      error(
        'XDSMetadataUpdateOperationError',
        `NewStatus ${a.newStatus ?? 'missing'} is not Approved or Deprecated`,
        `${where}.NewStatus`,
      ),
    );
  if (target.kind === 'SubmissionSet')
    out.push(
      error(
        'XDSMetadataUpdateOperationError',
        'The availabilityStatus of a SubmissionSet is not updated',
        `${where}.targetObject`,
      ),
    );
  if (patient !== undefined && target.patientId !== undefined && target.patientId !== patient)
    out.push(
      error(
        'XDSPatientIdDoesNotMatch',
        `${a.targetObject} belongs to another patient`,
        `${where}.targetObject`,
      ),
    );
  if (out.length === 0 && next !== undefined) {
    const newer = successor.get(target.id);
    // The new version is inserted with the status; only registered rows need an UPDATE.
    if (newer) change(newer.kind, newer.id, next);
    else change(target.kind, target.id, next);
  }
  return out;
}
