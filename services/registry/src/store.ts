/**
 * The registry's storage port: writes of ITI-42 submissions, the registry-side state changes
 * (deprecation, patient identity events) and the data access of the ITI-18 stored queries.
 * Every statement is parameterized; every write runs in the caller's transaction so a
 * submission is stored entirely or not at all (MESH_BRIEF "All-or-nothing").
 */
import { MeshError } from '@mesh/core';
import type { Db, Queryable } from '@mesh/db';
import type { Association, DocumentEntry, Folder, Submission, SubmissionSet } from '@mesh/xds';
import { createStoredQueries } from './queries.js';
import type { StoredQueries } from './queries.js';
import { DOCUMENT_COLUMNS } from './queries.js';
import { toDocumentEntry } from './rows.js';
import type { VersionedRow } from './rows.js';
import type { BatchLead, InsertBatchRunOptions, InsertPart } from './sql.js';
import { InsertBatch, normalizeDtm, uuidOf, uuidsOf, versionOf } from './sql.js';

/** A DocumentEntry uniqueId as registered: what ITI-42 compares a resubmission against. */
export interface RegisteredUniqueId {
  readonly uniqueId: string;
  readonly hash: string | null;
  readonly size: string | null;
  /** The entry that first registered this uniqueId. */
  readonly firstEntryUUID: string;
}

/** Options of {@link RegistryStore.insertSubmission}. */
export interface InsertSubmissionOptions {
  readonly receivedAt: Date;
  /**
   * Patient ids that must be known and active, checked in the same statement as the inserts and
   * share-locked until the commit (a concurrent merge of one of them waits, then moves these
   * entries too); {@link UnknownPatientIdError} when one is not.
   */
  readonly activePatients?: readonly string[];
  /** Rows written in the same statement (the change's outbox event). */
  readonly extraRows?: readonly InsertPart[];
}

/** One submission to store and its options. */
export interface SubmissionWrite {
  readonly submission: Submission;
  readonly opts: InsertSubmissionOptions;
}

/** A patient id of {@link InsertSubmissionOptions.activePatients} is not known and active (nothing was stored). */
export class UnknownPatientIdError extends Error {
  override readonly name = 'UnknownPatientIdError';
}

/** Status of a patient id the registry knows (Patient Identity Consumer). */
export type PatientIdStatus = 'active' | 'merged' | 'inactive';

export interface RegistryStore extends StoredQueries {
  /**
   * Stores a validated submission (ITI-42) in `tx`: every object with its queryable attributes
   * in columns and the model as registered. Ids must already be UUIDs (the handler replaced
   * symbolic ids, ITI TF-3 4.2.3.1.5); objects without availabilityStatus are stored Approved.
   * Throws MeshError XDSNonIdenticalHash / XDSNonIdenticalSize when a DocumentEntry uniqueId is
   * already registered for different content (ITI TF-3 4.2.3.2.26), also when a concurrent
   * transaction registered it first; XDSDuplicateUniqueIdInRegistry for a SubmissionSet or
   * Folder uniqueId already registered; XDSRegistryMetadataError for an id already in use.
   * The caller's transaction must be READ COMMITTED (the default) for the uniqueId claim to
   * see a concurrent winner instead of failing with a serialization error.
   */
  insertSubmission(tx: Queryable, submission: Submission, opts: InsertSubmissionOptions): Promise<void>;
  /**
   * Stores several submissions in `tx` with one statement, all or nothing (group commit): as
   * {@link RegistryStore.insertSubmission} for each, but a refusal of any one refuses the group
   * (the caller then stores each alone to learn which). With `refuseInStatement` the statement
   * checks itself and `tx` may be the Db outside any transaction (one round trip, atomic as a
   * single statement): a refusal then fails it with an error {@link isRefusedBatch} recognises,
   * which says nothing of the reason.
   */
  insertSubmissions(
    tx: Queryable,
    writes: readonly SubmissionWrite[],
    opts?: InsertBatchRunOptions,
  ): Promise<void>;
  /** Sets DocumentEntries to Deprecated (RPLC/XFRM_RPLC targets); returns the ids changed. */
  deprecate(tx: Queryable, entryUUIDs: readonly string[]): Promise<string[]>;
  /** Sets lastUpdateTime of existing folders that received new members (ITI TF-3 4.2.3.4.5). */
  touchFolders(tx: Queryable, folderUUIDs: readonly string[], lastUpdateTime: string): Promise<void>;
  /** DocumentEntries by entryUUID, any status and type (LeafClass models). */
  getDocumentsByUuid(entryUUIDs: readonly string[], q?: Queryable): Promise<DocumentEntry[]>;
  /** DocumentEntries by uniqueId, every version and resubmission. */
  getDocumentsByUniqueId(uniqueIds: readonly string[], q?: Queryable): Promise<DocumentEntry[]>;
  /** The registered content of a uniqueId (hash, size) for the ITI-42 resubmission check. */
  findDocumentByUniqueId(uniqueId: string, q?: Queryable): Promise<RegisteredUniqueId | undefined>;
  /** True when `cx` is a known, active patient id of the affinity domain (else XDSUnknownPatientId). */
  isKnownPatient(cx: string, q?: Queryable): Promise<boolean>;
  /** Records a patient id from an MPI event (create/update): active unless told otherwise. */
  upsertPatient(cx: string, status?: PatientIdStatus, q?: Queryable): Promise<void>;
  /**
   * Applies a patient merge (MPI `patient-merged`): every DocumentEntry, SubmissionSet and
   * Folder of `subsumed` now answers for `surviving`; `subsumed` is no longer accepted; ids
   * merged into `subsumed` earlier follow to `surviving`. Returns the number of entries moved.
   */
  mergePatient(subsumed: string, surviving: string, q?: Queryable): Promise<number>;
}

/** The registry store on its own schema (migrations {@link REGISTRY_MIGRATIONS} applied). */
export function createRegistryStore(db: Db): RegistryStore {
  const queries = createStoredQueries(db);

  return {
    ...queries,

    insertSubmission(tx, submission, opts) {
      return insertSubmissions(tx, [{ submission, opts }]);
    },

    insertSubmissions,

    async deprecate(tx, entryUUIDs) {
      const r = await tx.query<{ id: string }>(
        `UPDATE document_entries SET status = 'Deprecated'
          WHERE entry_uuid = ANY($1::uuid[]) AND status <> 'Deprecated'
          RETURNING 'urn:uuid:' || entry_uuid::text AS id`,
        [uuidsOf(entryUUIDs)],
      );
      return r.rows.map((x) => x.id);
    },

    async touchFolders(tx, folderUUIDs, lastUpdateTime) {
      await tx.query(
        `UPDATE folders SET last_update_time = $2, last_update_time_n = $3::bigint
          WHERE entry_uuid = ANY($1::uuid[])`,
        [uuidsOf(folderUUIDs), lastUpdateTime, normalizeDtm(lastUpdateTime) ?? null],
      );
    },

    async getDocumentsByUuid(entryUUIDs, q = db) {
      const r = await q.query<VersionedRow>(
        `SELECT ${DOCUMENT_COLUMNS}, d.metadata FROM document_entries d WHERE d.entry_uuid = ANY($1::uuid[])`,
        [uuidsOf(entryUUIDs)],
      );
      return r.rows.map(toDocumentEntry);
    },

    async getDocumentsByUniqueId(uniqueIds, q = db) {
      const r = await q.query<VersionedRow>(
        `SELECT ${DOCUMENT_COLUMNS}, d.metadata FROM document_entries d WHERE d.unique_id = ANY($1::text[])
          ORDER BY d.unique_id, d.version, d.registered_at`,
        [uniqueIds],
      );
      return r.rows.map(toDocumentEntry);
    },

    async findDocumentByUniqueId(uniqueId, q = db) {
      const r = await q.query<{ unique_id: string; hash: string | null; size: string | null; first: string }>(
        `SELECT unique_id, hash, size, 'urn:uuid:' || first_entry_uuid::text AS first
           FROM document_unique_ids WHERE unique_id = $1`,
        [uniqueId],
      );
      const row = r.rows[0];
      return row === undefined
        ? undefined
        : { uniqueId: row.unique_id, hash: row.hash, size: row.size, firstEntryUUID: row.first };
    },

    async isKnownPatient(cx, q = db) {
      const r = await q.query(`SELECT 1 FROM patient_ids WHERE cx = $1 AND status = 'active'`, [cx]);
      return r.rowCount > 0;
    },

    async upsertPatient(cx, status = 'active', q = db) {
      await q.query(
        `INSERT INTO patient_ids (cx, status) VALUES ($1, $2)
         ON CONFLICT (cx) DO UPDATE SET status = EXCLUDED.status, merged_into = NULL, updated_at = now()`,
        [cx, status],
      );
    },

    async mergePatient(subsumed, surviving, q) {
      // XDS merge handling (ITI TF-2 3.8 Patient Identity Feed / 3.44 ITI-44, Document Registry):
      // entries registered under the subsumed id are from now on found under the surviving id
      // and the subsumed id is no longer accepted on submissions. The registry keeps no history
      // to undo it (XDS defines no unmerge); sourcePatientId and the registered metadata keep
      // the id as submitted, only the patient_id columns (authoritative on reads) move.
      const run = async (tx: Queryable): Promise<number> => {
        await tx.query(
          `INSERT INTO patient_ids (cx, status) VALUES ($1, 'active')
           ON CONFLICT (cx) DO UPDATE SET status = 'active', merged_into = NULL, updated_at = now()`,
          [surviving],
        );
        await tx.query(
          `INSERT INTO patient_ids (cx, status, merged_into) VALUES ($1, 'merged', $2)
           ON CONFLICT (cx) DO UPDATE SET status = 'merged', merged_into = $2, updated_at = now()`,
          [subsumed, surviving],
        );
        await tx.query(`UPDATE patient_ids SET merged_into = $2, updated_at = now() WHERE merged_into = $1`, [
          subsumed,
          surviving,
        ]);
        const moved = await tx.query(`UPDATE document_entries SET patient_id = $2 WHERE patient_id = $1`, [
          subsumed,
          surviving,
        ]);
        await tx.query(`UPDATE submission_sets SET patient_id = $2 WHERE patient_id = $1`, [
          subsumed,
          surviving,
        ]);
        await tx.query(`UPDATE folders SET patient_id = $2 WHERE patient_id = $1`, [subsumed, surviving]);
        return moved.rowCount;
      };
      return q === undefined ? db.transaction(run) : run(q);
    },
  };
}

function requireUuid(id: string, what: string): string {
  const u = uuidOf(id);
  if (u === undefined) {
    throw MeshError.of('XDSRegistryMetadataError', `${what} id ${id} is not a UUID`, {
      location: what,
      fault: 'receiver',
    });
  }
  return u;
}

/** See {@link RegistryStore.insertSubmissions}. */
async function insertSubmissions(
  tx: Queryable,
  writes: readonly SubmissionWrite[],
  opts: InsertBatchRunOptions = {},
): Promise<void> {
  const batch = new InsertBatch();
  const entries = writes.flatMap((w) => w.submission.documentEntries);
  const patients = [...new Set(writes.flatMap((w) => w.opts.activePatients ?? []))];
  const claim = claimLead(entries);
  if (claim) batch.lead(claim);
  if (patients.length > 0)
    batch.lead({
      name: 'active_patients',
      build: (p) => {
        const cxs = p.add(patients);
        return {
          sql: `SELECT cx FROM patient_ids WHERE cx = ANY(${cxs}::text[]) AND status = 'active' FOR SHARE`,
          result: '(SELECT count(*) FROM active_patients)',
          refuse: `(SELECT count(*) FROM active_patients) < cardinality(${cxs}::text[])`,
        };
      },
    });
  for (const { submission: s, opts } of writes) {
    addDocumentEntries(batch, s.documentEntries, s.submissionSet, opts.receivedAt);
    addSubmissionSet(batch, s.submissionSet, opts.receivedAt);
    addFolders(batch, s.folders, opts.receivedAt);
    addAssociations(batch, s.associations);
    for (const rows of opts.extraRows ?? []) batch.add(rows);
  }
  const results = await batch.run(tx, opts);
  if (Number(results['active_patients'] ?? 0) < patients.length)
    throw new UnknownPatientIdError('A patient id of the submission is not known and active');
  if (claim) checkClaims(entries, String(results[claim.name]));
}

/**
 * Claims each DocumentEntry uniqueId, in the statement that inserts the entries. A uniqueId
 * already registered is accepted again only with the same hash and size (ITI TF-3 4.2.3.2.26,
 * the ITI-42 duplicate rules; the same holds for ITI-57 versions, which keep uniqueId, hash and
 * size). ON CONFLICT DO UPDATE (a no-op update) locks the registered row and returns its
 * current version even when a concurrent transaction inserted it after this statement's
 * snapshot: an INSERT that meets a row of an uncommitted transaction waits for it; if that
 * commits, the row is returned with the winner's content (then compared by
 * {@link checkClaims}); if it rolls back, the claim inserts. So two concurrent registrations
 * of one uniqueId with different content cannot both commit.
 */
function claimLead(unordered: readonly DocumentEntry[]): BatchLead | undefined {
  if (unordered.length === 0) return undefined;
  // Claimed (and so locked) in uniqueId order: two groups claiming some of the same uniqueIds
  // wait for each other in one order and cannot deadlock.
  const entries = unordered
    .map((d) => ({ d, uniqueId: required(d.uniqueId, 'DocumentEntry.uniqueId') }))
    .sort((a, b) => (a.uniqueId < b.uniqueId ? -1 : a.uniqueId > b.uniqueId ? 1 : 0))
    .map((x) => x.d);
  const ids = entries.map((d) => d.uniqueId as string);
  const hashes = entries.map((d) => d.hash ?? null);
  const sizes = entries.map((d) => d.size ?? null);
  const uuids = entries.map((d) => requireUuid(d.entryUUID, 'DocumentEntry.entryUUID'));
  return {
    name: 'claimed',
    build: (p) => {
      const [i, h, s, u] = [p.add(ids), p.add(hashes), p.add(sizes), p.add(uuids)];
      return {
        sql: `INSERT INTO document_unique_ids (unique_id, hash, size, first_entry_uuid)
       SELECT * FROM unnest(${i}::text[], ${h}::text[], ${s}::text[], ${u}::uuid[])
       ON CONFLICT (unique_id) DO UPDATE SET unique_id = EXCLUDED.unique_id
       RETURNING unique_id, hash, size`,
        result: `(SELECT coalesce(json_agg(json_build_array(unique_id, hash, size)), '[]')::text FROM claimed)`,
        // What checkClaims checks, in SQL: every uniqueId claimed, each with this content.
        refuse: `((SELECT count(*) FROM claimed) < cardinality(${i}::text[]) OR EXISTS (
         SELECT 1 FROM claimed c JOIN unnest(${i}::text[], ${h}::text[], ${s}::text[]) AS w(unique_id, hash, size)
           ON w.unique_id = c.unique_id
          WHERE lower(coalesce(c.hash, '')) <> lower(coalesce(w.hash, '')) OR coalesce(c.size, '') <> coalesce(w.size, '')))`,
      };
    },
  };
}

/** Compares each entry with its uniqueId's registered content (the claim's result, JSON [[uniqueId, hash, size]]). */
function checkClaims(entries: readonly DocumentEntry[], claimed: string): void {
  const rows = JSON.parse(claimed) as [string, string | null, string | null][];
  const byId = new Map(rows.map(([uniqueId, hash, size]) => [uniqueId, { hash, size }]));
  for (const d of entries) {
    const e = byId.get(d.uniqueId as string);
    if (e === undefined)
      throw MeshError.of('XDSRegistryError', `DocumentEntry uniqueId ${d.uniqueId} could not be claimed`, {
        location: d.entryUUID,
        fault: 'receiver',
      });
    // SHA-1 hex compares case-insensitively; size is a decimal string as sent.
    if ((e.hash ?? '').toLowerCase() !== (d.hash ?? '').toLowerCase())
      throw MeshError.of(
        'XDSNonIdenticalHash',
        `DocumentEntry uniqueId ${d.uniqueId} is already registered with another hash`,
        { location: d.entryUUID },
      );
    if ((e.size ?? '') !== (d.size ?? ''))
      throw MeshError.of(
        'XDSNonIdenticalSize',
        `DocumentEntry uniqueId ${d.uniqueId} is already registered with another size`,
        { location: d.entryUUID },
      );
  }
}

function required(v: string | undefined, what: string): string {
  if (v === undefined || v === '') {
    throw MeshError.of('XDSRegistryMetadataError', `${what} is missing`, {
      location: what,
      fault: 'receiver',
    });
  }
  return v;
}

const DOC_COLUMNS = [
  'entry_uuid',
  'logical_id',
  'version',
  'unique_id',
  'patient_id',
  'status',
  'object_type',
  'class_code',
  'class_code_scheme',
  'type_code',
  'type_code_scheme',
  'format_code',
  'format_code_scheme',
  'healthcare_facility_type_code',
  'healthcare_facility_type_code_scheme',
  'practice_setting_code',
  'practice_setting_code_scheme',
  'creation_time',
  'creation_time_n',
  'service_start_time',
  'service_start_time_n',
  'service_stop_time',
  'service_stop_time_n',
  'hash',
  'size',
  'repository_unique_id',
  'home_community_id',
  'mime_type',
  'submission_set_uuid',
  'registered_at',
  'metadata',
] as const;
const DOC_COLUMN_TYPES: Partial<Record<(typeof DOC_COLUMNS)[number], string>> = {
  entry_uuid: 'uuid',
  logical_id: 'uuid',
  submission_set_uuid: 'uuid',
  creation_time_n: 'bigint',
  service_start_time_n: 'bigint',
  service_stop_time_n: 'bigint',
  metadata: 'jsonb',
  version: 'integer',
  registered_at: 'timestamptz',
};
const DOC_CASTS = DOC_COLUMNS.map((c) => DOC_COLUMN_TYPES[c]);

function addDocumentEntries(
  batch: InsertBatch,
  entries: readonly DocumentEntry[],
  ss: SubmissionSet,
  receivedAt: Date,
): void {
  if (entries.length === 0) return;
  const ssUuid = uuidOf(ss.entryUUID) ?? null;
  const rows = entries.map((d) => {
    const id = requireUuid(d.entryUUID, 'DocumentEntry.entryUUID');
    const t = (v: string | undefined) => (v === undefined ? null : (normalizeDtm(v) ?? null));
    return [
      id,
      d.logicalID === undefined ? id : requireUuid(d.logicalID, 'DocumentEntry.logicalID'),
      versionOf(d.version),
      required(d.uniqueId, 'DocumentEntry.uniqueId'),
      required(d.patientId?.raw, 'DocumentEntry.patientId'),
      d.availabilityStatus ?? 'Approved',
      d.objectType,
      d.classCode?.code ?? null,
      d.classCode?.codingScheme ?? null,
      d.typeCode?.code ?? null,
      d.typeCode?.codingScheme ?? null,
      d.formatCode?.code ?? null,
      d.formatCode?.codingScheme ?? null,
      d.healthcareFacilityTypeCode?.code ?? null,
      d.healthcareFacilityTypeCode?.codingScheme ?? null,
      d.practiceSettingCode?.code ?? null,
      d.practiceSettingCode?.codingScheme ?? null,
      d.creationTime ?? null,
      t(d.creationTime),
      d.serviceStartTime ?? null,
      t(d.serviceStartTime),
      d.serviceStopTime ?? null,
      t(d.serviceStopTime),
      d.hash ?? null,
      d.size ?? null,
      d.repositoryUniqueId ?? null,
      d.homeCommunityId ?? null,
      d.mimeType ?? null,
      ssUuid,
      receivedAt,
      JSON.stringify(d),
    ];
  });
  const parent: InsertPart = {
    table: 'document_entries',
    columns: DOC_COLUMNS,
    rows,
    cast: DOC_CASTS,
    suffix: 'ON CONFLICT (entry_uuid) DO NOTHING',
    onShort: () =>
      MeshError.of('XDSRegistryMetadataError', 'A DocumentEntry entryUUID is already registered', {
        location: 'DocumentEntry.entryUUID',
      }),
  };
  batch.add(parent);
  const conf: unknown[][] = [];
  const events: unknown[][] = [];
  const authors: unknown[][] = [];
  const refs: unknown[][] = [];
  entries.forEach((d, i) => {
    const id = rows[i]![0];
    for (const c of d.confidentialityCodes) conf.push([id, c.code, c.codingScheme]);
    for (const c of d.eventCodeList) events.push([id, c.code, c.codingScheme]);
    d.authors.forEach((a, k) => {
      if (a.person !== undefined) authors.push([id, k, a.person.raw]);
    });
    for (const r of d.referenceIdList) refs.push([id, r.raw]);
  });
  const codeColumns = ['entry_uuid', 'code', 'scheme'];
  const codeCast = ['uuid', undefined, undefined];
  const skipDup = 'ON CONFLICT DO NOTHING';
  batch
    .add({
      parent,
      table: 'document_confidentiality_codes',
      columns: codeColumns,
      rows: conf,
      cast: codeCast,
      suffix: skipDup,
    })
    .add({
      parent,
      table: 'document_event_codes',
      columns: codeColumns,
      rows: events,
      cast: codeCast,
      suffix: skipDup,
    })
    .add({
      parent,
      table: 'document_author_persons',
      columns: ['entry_uuid', 'ordinal', 'person'],
      rows: authors,
      cast: ['uuid', 'smallint', undefined],
    })
    .add({
      parent,
      table: 'document_reference_ids',
      columns: ['entry_uuid', 'reference_id'],
      rows: refs,
      cast: ['uuid', undefined],
      suffix: skipDup,
    });
}

/** The uniqueIds of `uniqueIds` that another object of `table` already holds (for the error's context). */
async function takenUniqueIds(
  q: Queryable,
  table: 'submission_sets' | 'folders',
  uniqueIds: readonly string[],
  mine: readonly string[],
): Promise<string> {
  const r = await q.query<{ unique_id: string }>(
    `SELECT unique_id FROM ${table} WHERE unique_id = ANY($1::text[]) AND entry_uuid <> ALL($2::uuid[])`,
    [uniqueIds, mine],
  );
  return r.rows.length === 0 ? 'an entryUUID' : r.rows.map((x) => x.unique_id).join(', ');
}

function addSubmissionSet(batch: InsertBatch, ss: SubmissionSet, receivedAt: Date): void {
  const id = requireUuid(ss.entryUUID, 'SubmissionSet.entryUUID');
  const uniqueId = required(ss.uniqueId, 'SubmissionSet.uniqueId');
  const parent: InsertPart = {
    table: 'submission_sets',
    columns: [
      'entry_uuid',
      'unique_id',
      'patient_id',
      'status',
      'source_id',
      'content_type_code',
      'content_type_code_scheme',
      'submission_time',
      'submission_time_n',
      'home_community_id',
      'registered_at',
      'metadata',
    ],
    rows: [
      [
        id,
        uniqueId,
        required(ss.patientId?.raw, 'SubmissionSet.patientId'),
        ss.availabilityStatus ?? 'Approved',
        ss.sourceId ?? null,
        ss.contentTypeCode?.code ?? null,
        ss.contentTypeCode?.codingScheme ?? null,
        ss.submissionTime ?? null,
        ss.submissionTime === undefined ? null : (normalizeDtm(ss.submissionTime) ?? null),
        ss.homeCommunityId ?? null,
        receivedAt,
        JSON.stringify(ss),
      ],
    ],
    cast: ['uuid', ...Array<undefined>(7), 'bigint', undefined, 'timestamptz', 'jsonb'],
    suffix: 'ON CONFLICT DO NOTHING',
    onShort: async (q) =>
      MeshError.of(
        'XDSDuplicateUniqueIdInRegistry',
        `SubmissionSet uniqueId already registered: ${await takenUniqueIds(q, 'submission_sets', [uniqueId], [id])}`,
        { location: ss.entryUUID },
      ),
  };
  batch.add(parent);
  const authors = ss.authors.flatMap((a, k) => (a.person === undefined ? [] : [[id, k, a.person.raw]]));
  batch.add({
    parent,
    table: 'submission_set_author_persons',
    columns: ['entry_uuid', 'ordinal', 'person'],
    rows: authors,
    cast: ['uuid', 'smallint', undefined],
  });
}

function addFolders(batch: InsertBatch, folders: readonly Folder[], receivedAt: Date): void {
  if (folders.length === 0) return;
  const rows = folders.map((f) => {
    const id = requireUuid(f.entryUUID, 'Folder.entryUUID');
    return [
      id,
      f.logicalID === undefined ? id : requireUuid(f.logicalID, 'Folder.logicalID'),
      versionOf(f.version),
      required(f.uniqueId, 'Folder.uniqueId'),
      required(f.patientId?.raw, 'Folder.patientId'),
      f.availabilityStatus ?? 'Approved',
      f.lastUpdateTime ?? null,
      f.lastUpdateTime === undefined ? null : (normalizeDtm(f.lastUpdateTime) ?? null),
      f.homeCommunityId ?? null,
      receivedAt,
      JSON.stringify(f),
    ];
  });
  const parent: InsertPart = {
    table: 'folders',
    columns: [
      'entry_uuid',
      'logical_id',
      'version',
      'unique_id',
      'patient_id',
      'status',
      'last_update_time',
      'last_update_time_n',
      'home_community_id',
      'registered_at',
      'metadata',
    ],
    rows,
    cast: [
      'uuid',
      'uuid',
      'integer',
      undefined,
      undefined,
      undefined,
      undefined,
      'bigint',
      undefined,
      'timestamptz',
      'jsonb',
    ],
    suffix: 'ON CONFLICT DO NOTHING',
    onShort: async (q) =>
      MeshError.of(
        'XDSDuplicateUniqueIdInRegistry',
        `Folder uniqueId already registered: ${await takenUniqueIds(
          q,
          'folders',
          rows.map((r) => r[3] as string),
          rows.map((r) => r[0] as string),
        )}`,
        { location: 'Folder.uniqueId' },
      ),
  };
  batch.add(parent);
  batch.add({
    parent,
    table: 'folder_codes',
    columns: ['entry_uuid', 'code', 'scheme'],
    rows: folders.flatMap((f, i) => f.codeList.map((c) => [rows[i]![0], c.code, c.codingScheme])),
    cast: ['uuid', undefined, undefined],
    suffix: 'ON CONFLICT DO NOTHING',
  });
}

function addAssociations(batch: InsertBatch, associations: readonly Association[]): void {
  batch.add({
    table: 'associations',
    columns: [
      'id',
      'type',
      'source_id',
      'target_id',
      'status',
      'submission_set_status',
      'home_community_id',
      'slots',
      'metadata',
    ],
    rows: associations.map((a) => [
      requireUuid(a.entryUUID, 'Association.entryUUID'),
      a.associationType,
      requireUuid(a.sourceObject, 'Association.sourceObject'),
      requireUuid(a.targetObject, 'Association.targetObject'),
      a.availabilityStatus ?? 'Approved',
      a.submissionSetStatus ?? null,
      a.homeCommunityId ?? null,
      JSON.stringify(a.extraSlots),
      JSON.stringify(a),
    ]),
    cast: ['uuid', undefined, 'uuid', 'uuid', undefined, undefined, undefined, 'jsonb', 'jsonb'],
    suffix: 'ON CONFLICT (id) DO NOTHING',
    onShort: () =>
      MeshError.of('XDSRegistryMetadataError', 'An Association id is already registered', {
        location: 'Association.entryUUID',
      }),
  });
}
