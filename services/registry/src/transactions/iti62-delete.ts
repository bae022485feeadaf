/**
 * ITI-62 Delete Document Set (ITI TF-2 3.62), the Document Registry side: remove the metadata
 * objects an `lcm:RemoveObjectsRequest` names, all or nothing. Transport-free: the SOAP wiring
 * renders the Outcome with `registryResponseXml`.
 */
import { error, failure, success } from '@mesh/core';
import type { Issue, Outcome, RequestContext } from '@mesh/core';
import type { Db, Queryable } from '@mesh/db';
import { NS, attr, children } from '@mesh/xml';
import { lookupObjects, objectKey, removeObjects } from '../objects.js';
import type { RemovedDocument } from '../objects.js';
import { uuidOf, uuidsOf } from '../sql.js';

/** The ports of {@link deleteDocumentSet}. */
export interface DeleteDocumentSetDeps {
  readonly db: Db;
  /** Runs inside the deletion's transaction once the objects are removed (the service stages its change event there). */
  readonly onRemoved?: (tx: Queryable, removed: readonly RemovedDocument[]) => Promise<void>;
}

/** What ITI-62 did: the Outcome, and on Success the DocumentEntries removed (for the event). */
export interface DeleteResult {
  readonly outcome: Outcome;
  readonly removed: readonly RemovedDocument[];
  /** The ids the request named, in order (for the audit record). */
  readonly requested: readonly string[];
}

/** The ids a RemoveObjectsRequest names, or the issues that make it unreadable (ITI TF-2 3.62.4.1.2). */
export function readRemoveObjectsRequest(request: Element): { ids: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  if (request.namespaceURI !== NS.lcm || request.localName !== 'RemoveObjectsRequest') {
    issues.push(
      error('XDSRegistryError', 'The body is not an lcm:RemoveObjectsRequest', 'RemoveObjectsRequest'),
    );
    return { ids: [], issues };
  }
  // ITI TF-2 3.62.4.1.2: objects are named by ObjectRefList only; no AdhocQuery, no deletionScope.
  if (children(request, NS.rim, 'AdhocQuery').length > 0)
    issues.push(
      error(
        'XDSRegistryError',
        'Delete Document Set names objects in an ObjectRefList; an AdhocQuery is not allowed',
        'RemoveObjectsRequest/AdhocQuery',
      ),
    );
  if (attr(request, 'deletionScope') !== undefined)
    issues.push(
      error(
        'XDSRegistryError',
        'The deletionScope attribute is not allowed in Delete Document Set',
        'RemoveObjectsRequest/@deletionScope',
      ),
    );
  const list = children(request, NS.rim, 'ObjectRefList')[0];
  const ids = list === undefined ? [] : children(list, NS.rim, 'ObjectRef').map((r) => attr(r, 'id') ?? '');
  if (ids.length === 0)
    issues.push(
      error(
        'XDSRegistryError',
        'The ObjectRefList names no object to delete',
        'RemoveObjectsRequest/ObjectRefList',
      ),
    );
  return { ids, issues };
}

/**
 * ITI-62 Delete Document Set: Document Administrator -> Document Registry.
 *
 * Every named object must exist (UnresolvedReferenceException per id otherwise), and no
 * Association that stays may reference a removed object (ReferencesExistException per such
 * Association) (ITI TF-2 3.62.4.1.3). Then all are removed in one transaction, or none.
 */
export async function deleteDocumentSet(
  request: Element,
  ctx: RequestContext,
  d: DeleteDocumentSetDeps,
): Promise<DeleteResult> {
  const read = readRemoveObjectsRequest(request);
  if (read.issues.length > 0) return { outcome: failure(read.issues), removed: [], requested: read.ids };
  ctx.signal?.throwIfAborted();
  const keys = [...new Set(read.ids.map(objectKey))];

  const problems: Issue[] = [];
  const removed = await d.db.transaction(async (tx) => {
    // Lock first, then look for references: an ITI-42 that holds a FOR SHARE lock on a target it
    // points an Association at commits before this proceeds, and its Association is then seen.
    const found = await lookupObjects(tx, keys, 'update');
    for (const id of new Set(read.ids))
      if (!found.has(objectKey(id)))
        problems.push(
          error(
            'UnresolvedReferenceException',
            uuidOf(id) === undefined
              ? `${id} is not an entryUUID`
              : `No registry object has the entryUUID ${id}`,
            id,
          ),
        );
    if (problems.length > 0) return [];
    const objects = [...found.values()];
    const removing = new Set(objects.map((o) => o.id));
    const referencing = await referencesTo(tx, [...removing]);
    for (const a of referencing)
      if (!removing.has(a.id))
        problems.push(
          error(
            'ReferencesExistException',
            `Association ${a.id} (${a.type}) references ${
              removing.has(a.source) ? a.source : a.target
            }, which would be removed; remove the Association too`,
            a.id,
          ),
        );
    if (problems.length > 0) return [];
    const gone = await removeObjects(tx, objects);
    await d.onRemoved?.(tx, gone);
    return gone;
  });
  if (problems.length > 0) return { outcome: failure(problems), removed: [], requested: read.ids };
  return { outcome: success(undefined), removed, requested: read.ids };
}

/** Associations (registered) whose source or target is one of `ids`. */
async function referencesTo(
  tx: Queryable,
  ids: readonly string[],
): Promise<{ id: string; type: string; source: string; target: string }[]> {
  const r = await tx.query<{ id: string; type: string; source: string; target: string }>(
    `SELECT 'urn:uuid:' || id::text AS id, type, 'urn:uuid:' || source_id::text AS source,
            'urn:uuid:' || target_id::text AS target
       FROM associations WHERE source_id = ANY($1::uuid[]) OR target_id = ANY($1::uuid[])`,
    [uuidsOf(ids)],
  );
  return r.rows;
}
