/**
 * Registry-state access of the metadata-changing transactions (ITI-57 Update Document Set,
 * ITI-62 Delete Document Set, and ITI-42's checks on existing Folders): what an id names, the
 * latest version of a logical object, availabilityStatus changes and removal. Every function
 * takes the caller's transaction and, where the caller decides on what it read, locks the rows
 * it read, so a concurrent update or delete waits instead of acting on a stale view.
 */
import type { Queryable } from '@mesh/db';
import type { Association, AvailabilityStatus, DocumentEntry, Folder } from '@mesh/xds';
import { DOCUMENT_COLUMNS } from './queries.js';
import { toAssociation, toDocumentEntry, toFolder } from './rows.js';
import type { FolderRow, VersionedRow } from './rows.js';
import { urnOf, uuidOf, uuidsOf } from './sql.js';

/** The kinds of registry object an entryUUID can name. */
export type ObjectKind = 'DocumentEntry' | 'Folder' | 'SubmissionSet' | 'Association';

/** What the registry holds under one entryUUID. */
export interface RegisteredObject {
  /** `urn:uuid:` form, lower case. */
  readonly id: string;
  readonly kind: ObjectKind;
  readonly status: AvailabilityStatus;
  /** DocumentEntry, Folder, SubmissionSet: the patientId column (authoritative after merges). */
  readonly patientId?: string;
  /** DocumentEntry, Folder. */
  readonly logicalID?: string;
  readonly version?: number;
  readonly uniqueId?: string;
  /** Association. */
  readonly associationType?: string;
  readonly sourceObject?: string;
  readonly targetObject?: string;
}

/** Row locks a caller can take on what it reads. */
export type Lock = 'share' | 'update' | undefined;
const lockClause = (lock: Lock): string =>
  lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : '';

/** The key objects are found under: the lower-case `urn:uuid:` form (UUIDs are case-insensitive). */
export function objectKey(id: string): string {
  const u = uuidOf(id);
  return u === undefined ? id : urnOf(u);
}

interface LookupRow {
  id: string;
  status: AvailabilityStatus;
  patient_id: string | null;
  lid: string | null;
  version: number | null;
  unique_id: string | null;
  type: string | null;
  source: string | null;
  target: string | null;
}

/**
 * The registered objects among `ids`, keyed by {@link objectKey}; ids that name nothing (or are
 * not UUIDs) are absent. With a lock, the rows stay as read until the transaction ends.
 */
export async function lookupObjects(
  q: Queryable,
  ids: readonly string[],
  lock?: Lock,
): Promise<Map<string, RegisteredObject>> {
  const out = new Map<string, RegisteredObject>();
  const uuids = uuidsOf(ids);
  if (uuids.length === 0) return out;
  const l = lockClause(lock);
  const none = 'NULL::text AS type, NULL::text AS source, NULL::text AS target';
  const statements: [ObjectKind, string][] = [
    [
      'DocumentEntry',
      `SELECT entry_uuid::text AS id, status, patient_id, logical_id::text AS lid, version, unique_id, ${none}
         FROM document_entries WHERE entry_uuid = ANY($1::uuid[])${l}`,
    ],
    [
      'Folder',
      `SELECT entry_uuid::text AS id, status, patient_id, logical_id::text AS lid, version, unique_id, ${none}
         FROM folders WHERE entry_uuid = ANY($1::uuid[])${l}`,
    ],
    [
      'SubmissionSet',
      `SELECT entry_uuid::text AS id, status, patient_id, NULL::text AS lid, NULL::integer AS version, unique_id, ${none}
         FROM submission_sets WHERE entry_uuid = ANY($1::uuid[])${l}`,
    ],
    [
      'Association',
      `SELECT id::text AS id, status, NULL::text AS patient_id, NULL::text AS lid, NULL::integer AS version,
              NULL::text AS unique_id, type, source_id::text AS source, target_id::text AS target
         FROM associations WHERE id = ANY($1::uuid[])${l}`,
    ],
  ];
  for (const [kind, sql] of statements) {
    const r = await q.query<LookupRow>(sql, [uuids]);
    for (const row of r.rows) {
      const id = urnOf(row.id);
      out.set(id, {
        id,
        kind,
        status: row.status,
        ...(row.patient_id === null ? {} : { patientId: row.patient_id }),
        ...(row.lid === null ? {} : { logicalID: urnOf(row.lid) }),
        ...(row.version === null ? {} : { version: Number(row.version) }),
        ...(row.unique_id === null ? {} : { uniqueId: row.unique_id }),
        ...(row.type === null ? {} : { associationType: row.type }),
        ...(row.source === null ? {} : { sourceObject: urnOf(row.source) }),
        ...(row.target === null ? {} : { targetObject: urnOf(row.target) }),
      });
    }
  }
  return out;
}

/** The latest-version query per versioned table, with the row mapper of its model. */
const VERSIONED = {
  document: {
    sql: `SELECT ${DOCUMENT_COLUMNS}, d.metadata FROM document_entries d
           WHERE d.logical_id = ANY($1::uuid[])
             AND d.version = (SELECT max(x.version) FROM document_entries x WHERE x.logical_id = d.logical_id)
           FOR UPDATE OF d`,
    map: (r: VersionedRow): DocumentEntry => toDocumentEntry(r),
  },
  folder: {
    sql: `SELECT f.entry_uuid::text AS id, f.status, f.home_community_id, f.patient_id,
                 f.logical_id::text AS logical_id, f.version, f.last_update_time, f.metadata
            FROM folders f
           WHERE f.logical_id = ANY($1::uuid[])
             AND f.version = (SELECT max(x.version) FROM folders x WHERE x.logical_id = f.logical_id)
           FOR UPDATE OF f`,
    map: (r: FolderRow): Folder => toFolder(r),
  },
} as const;

async function latestVersions<R extends VersionedRow, T>(
  q: Queryable,
  logicalIds: readonly string[],
  v: { readonly sql: string; readonly map: (r: R) => T },
): Promise<Map<string, T & { readonly versionNumber: number }>> {
  const r = await q.query<R>(v.sql, [uuidsOf(logicalIds)]);
  return new Map(
    r.rows.map((row) => [urnOf(row.logical_id), { ...v.map(row), versionNumber: Number(row.version) }]),
  );
}

/**
 * The latest version of each logical DocumentEntry (ITI TF-3 4.2.3.2.13 logicalID, 4.2.3.2.27
 * version), locked FOR UPDATE: two updates of one logical document serialize here, and the
 * second sees the first's outcome in the status of the row it waited for (Deprecated).
 */
export function latestDocumentVersions(
  q: Queryable,
  logicalIds: readonly string[],
): Promise<Map<string, DocumentEntry & { readonly versionNumber: number }>> {
  return latestVersions(q, logicalIds, VERSIONED.document);
}

/** The latest version of each logical Folder, locked FOR UPDATE (see {@link latestDocumentVersions}). */
export function latestFolderVersions(
  q: Queryable,
  logicalIds: readonly string[],
): Promise<Map<string, Folder & { readonly versionNumber: number }>> {
  return latestVersions(q, logicalIds, VERSIONED.folder);
}

/**
 * The DocumentEntries and Folders among `ids` that a later version of the same logical object
 * has superseded, keyed by {@link objectKey}. Read in the caller's transaction after it locked
 * the rows of `ids`: a version committed meanwhile by a concurrent update (which locks the
 * latest version first) is seen.
 */
export async function supersededVersions(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const uuids = uuidsOf(ids);
  if (uuids.length === 0) return new Set();
  const r = await q.query<{ id: string }>(
    `SELECT d.entry_uuid::text AS id FROM document_entries d
      WHERE d.entry_uuid = ANY($1::uuid[])
        AND EXISTS (SELECT 1 FROM document_entries x WHERE x.logical_id = d.logical_id AND x.version > d.version)
     UNION ALL
     SELECT f.entry_uuid::text AS id FROM folders f
      WHERE f.entry_uuid = ANY($1::uuid[])
        AND EXISTS (SELECT 1 FROM folders x WHERE x.logical_id = f.logical_id AND x.version > f.version)`,
    [uuids],
  );
  return new Set(r.rows.map((row) => urnOf(row.id)));
}

/** Associations with one of `ids` as source or target (any status), as registered. */
export async function associationsTouching(q: Queryable, ids: readonly string[]): Promise<Association[]> {
  const uuids = uuidsOf(ids);
  if (uuids.length === 0) return [];
  const r = await q.query<{
    id: string;
    status: AvailabilityStatus;
    home_community_id: string | null;
    metadata: unknown;
  }>(
    `SELECT a.id::text AS id, a.status, a.home_community_id, a.metadata FROM associations a
      WHERE a.source_id = ANY($1::uuid[]) OR a.target_id = ANY($1::uuid[])`,
    [uuids],
  );
  return r.rows.map(toAssociation);
}

const TABLES: Record<ObjectKind, { table: string; key: string }> = {
  DocumentEntry: { table: 'document_entries', key: 'entry_uuid' },
  Folder: { table: 'folders', key: 'entry_uuid' },
  SubmissionSet: { table: 'submission_sets', key: 'entry_uuid' },
  Association: { table: 'associations', key: 'id' },
};

/** Sets availabilityStatus of objects of one kind (ITI-57 UpdateAvailabilityStatus, new versions). */
export async function setStatus(
  q: Queryable,
  kind: ObjectKind,
  ids: readonly string[],
  status: AvailabilityStatus,
): Promise<void> {
  const uuids = uuidsOf(ids);
  if (uuids.length === 0) return;
  const t = TABLES[kind];
  await q.query(`UPDATE ${t.table} SET status = $2 WHERE ${t.key} = ANY($1::uuid[])`, [uuids, status]);
}

/** A DocumentEntry removed by ITI-62, for the `xds.document-removed` event. */
export interface RemovedDocument {
  readonly entryUUID: string;
  readonly uniqueId: string;
  readonly patientId: string;
}

/**
 * Deletes the given objects (ITI-62 Remove Metadata). The caller has checked they exist and
 * that no remaining Association references them. Child rows go with their entry (ON DELETE
 * CASCADE); a DocumentEntry uniqueId no longer held by any entry is released, so the same
 * document can be registered again (ITI-86 then ITI-41 after a correction).
 */
export async function removeObjects(
  q: Queryable,
  objects: readonly RegisteredObject[],
): Promise<RemovedDocument[]> {
  const byKind = (k: ObjectKind): string[] => objects.filter((o) => o.kind === k).map((o) => o.id);
  await q.query(`DELETE FROM associations WHERE id = ANY($1::uuid[])`, [uuidsOf(byKind('Association'))]);
  const docs = await q.query<{ id: string; unique_id: string; patient_id: string }>(
    `DELETE FROM document_entries WHERE entry_uuid = ANY($1::uuid[])
     RETURNING entry_uuid::text AS id, unique_id, patient_id`,
    [uuidsOf(byKind('DocumentEntry'))],
  );
  await q.query(`DELETE FROM folders WHERE entry_uuid = ANY($1::uuid[])`, [uuidsOf(byKind('Folder'))]);
  await q.query(`DELETE FROM submission_sets WHERE entry_uuid = ANY($1::uuid[])`, [
    uuidsOf(byKind('SubmissionSet')),
  ]);
  const uniqueIds = [...new Set(docs.rows.map((d) => d.unique_id))];
  if (uniqueIds.length > 0)
    await q.query(
      `DELETE FROM document_unique_ids u WHERE u.unique_id = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM document_entries d WHERE d.unique_id = u.unique_id)`,
      [uniqueIds],
    );
  return docs.rows.map((d) => ({ entryUUID: urnOf(d.id), uniqueId: d.unique_id, patientId: d.patient_id }));
}
