/**
 * Data access of the ITI-18 Registry Stored Queries (ITI TF-2 3.18.4.1.2.3.7). Parameters
 * arrive parsed and validated by the ITI-18 handler (which owns XDSStoredQueryParamNumber,
 * XDSUnknownStoredQuery, XDSResultNotSinglePatient and the homeCommunityId check); this module
 * only turns them into parameterized SQL with the TF's semantics:
 *
 * - a parameter with several values (one Slot, `('a','b')`) is an OR;
 * - for $XDSDocumentEntryEventCodeList, $XDSDocumentEntryConfidentialityCode and
 *   $XDSFolderCodeList, several Slots of the same name are an AND of those ORs
 *   (ITI TF-2 3.18.4.1.2.3.5), here `AndOfOr` = one inner list per Slot;
 * - time ranges: From inclusive, To exclusive, on the normalized DTM (see normalizeDtm); an
 *   object without the attribute does not match a range on it;
 * - $XDSDocumentEntryType defaults to stable only (ITI TF-2 3.18.4.1.2.3.6.2);
 * - author person values are SQL LIKE patterns: `%` and `_` are wildcards
 *   (ITI TF-2 3.18.4.1.2.3.7.1); a backslash is literal.
 *
 * Each query returns LeafClass models or ObjectRefs and reports XDSTooManyResults: it reads at
 * most `limit + 1` objects of each kind and flags the result when the total exceeds `limit`.
 */
import type { Db, Queryable } from '@mesh/db';
import type {
  AssociationType,
  AvailabilityStatus,
  DocumentEntryType,
  ObjectRef,
  RegistryObjects,
} from '@mesh/xds';
import { MeshError } from '@mesh/core';
import { toAssociation, toDocumentEntry, toFolder, toObjectRef, toSubmissionSet } from './rows.js';
import type { FolderRow, ObjectRow, PatientObjectRow, VersionedRow } from './rows.js';
import { normalizeDtm, Params, uuidsOf } from './sql.js';

/** A coded value in a query parameter (`code^^^scheme`); without scheme any scheme matches. */
export interface CodeParam {
  readonly code: string;
  readonly scheme?: string;
}

/** One Slot's values: any of them matches. */
export type OrList<T> = readonly T[];
/** Several Slots of one name: every inner list must match (ITI TF-2 3.18.4.1.2.3.5). */
export type AndOfOr<T> = readonly (readonly T[])[];

/** A time range on DTM values as sent: From inclusive, To exclusive. */
export interface TimeRange {
  readonly from?: string;
  readonly to?: string;
}

/** ITI-18 returnType. */
export type ReturnType = 'LeafClass' | 'ObjectRef';

export interface QueryOptions {
  readonly returnType: ReturnType;
  /**
   * $MetadataLevel (ITI TF-2 3.18.4.1.2.3.5.1.1, Metadata Update option): 1 (the default) hides
   * DocumentEntries and Folders that are not their latest version, Offline DocumentEntries,
   * Deprecated Folders and Deprecated Associations; 2 returns everything the query matches.
   */
  readonly metadataLevel?: 1 | 2;
  /** XDSTooManyResults cap: more objects than this flags the result. */
  readonly limit: number;
}

export interface StoredQueryResult {
  /** LeafClass: the objects; ObjectRef: `objectRefs` only. Possibly cut at the limit. */
  readonly objects: RegistryObjects;
  /** True when the query matched more than `limit` objects (XDSTooManyResults). */
  readonly tooManyResults: boolean;
  /**
   * The distinct patientIds of the DocumentEntries, SubmissionSets and Folders found, for the
   * XDSResultNotSinglePatient check (ITI TF-2 3.18.4.1.2.3.7; ITI TF-3 Table 4.2.4.1-2).
   */
  readonly patientIds: ReadonlySet<string>;
}

/**
 * Selects objects by entryUUID, by uniqueId, or (DocumentEntries and Folders, Metadata Update
 * option, ITI TF-2 3.18.4.1.2.3.5.1.2) by logicalID: every version of the logical object.
 */
export type ObjectSelector =
  | { readonly uuids: OrList<string> }
  | { readonly uniqueIds: OrList<string> }
  | { readonly logicalIds: OrList<string> };

/** Filters on the DocumentEntries of GetAll and the *AndContents queries. */
export interface ContentFilters {
  readonly formatCode?: OrList<CodeParam>;
  readonly confidentialityCode?: AndOfOr<CodeParam>;
  readonly documentEntryType?: OrList<DocumentEntryType>;
}

/** FindDocuments (ITI TF-2 3.18.4.1.2.3.7.1) and FindDocumentsByReferenceId (3.18.4.1.2.3.7.14). */
export interface FindDocumentsParams extends ContentFilters {
  readonly patientId: string;
  readonly status: OrList<AvailabilityStatus>;
  readonly classCode?: OrList<CodeParam>;
  readonly typeCode?: OrList<CodeParam>;
  readonly practiceSettingCode?: OrList<CodeParam>;
  readonly healthcareFacilityTypeCode?: OrList<CodeParam>;
  readonly eventCodeList?: AndOfOr<CodeParam>;
  readonly creationTime?: TimeRange;
  readonly serviceStartTime?: TimeRange;
  readonly serviceStopTime?: TimeRange;
  readonly authorPerson?: OrList<string>;
  /** $XDSDocumentEntryReferenceIdList: CXi values as registered (required for ByReferenceId). */
  readonly referenceIdList?: OrList<string>;
}

/** FindSubmissionSets (ITI TF-2 3.18.4.1.2.3.7.2). */
export interface FindSubmissionSetsParams {
  readonly patientId: string;
  readonly status: OrList<AvailabilityStatus>;
  readonly sourceId?: OrList<string>;
  readonly submissionTime?: TimeRange;
  readonly authorPerson?: OrList<string>;
  readonly contentTypeCode?: OrList<CodeParam>;
}

/** FindFolders (ITI TF-2 3.18.4.1.2.3.7.3). */
export interface FindFoldersParams {
  readonly patientId: string;
  readonly status: OrList<AvailabilityStatus>;
  readonly lastUpdateTime?: TimeRange;
  readonly codeList?: AndOfOr<CodeParam>;
}

/** GetAll (ITI TF-2 3.18.4.1.2.3.7.4). */
export interface GetAllParams extends ContentFilters {
  readonly patientId: string;
  readonly documentEntryStatus: OrList<AvailabilityStatus>;
  readonly submissionSetStatus: OrList<AvailabilityStatus>;
  readonly folderStatus: OrList<AvailabilityStatus>;
}

/** GetRelatedDocuments (ITI TF-2 3.18.4.1.2.3.7.13). */
export interface GetRelatedDocumentsParams {
  readonly document: ObjectSelector;
  readonly associationTypes: OrList<AssociationType>;
  readonly documentEntryType?: OrList<DocumentEntryType>;
}

/** The stored queries' data access. */
export interface StoredQueries {
  findDocuments(p: FindDocumentsParams, o: QueryOptions): Promise<StoredQueryResult>;
  /** Same as findDocuments with a required, non-empty referenceIdList. */
  findDocumentsByReferenceId(p: FindDocumentsParams, o: QueryOptions): Promise<StoredQueryResult>;
  findSubmissionSets(p: FindSubmissionSetsParams, o: QueryOptions): Promise<StoredQueryResult>;
  findFolders(p: FindFoldersParams, o: QueryOptions): Promise<StoredQueryResult>;
  getAll(p: GetAllParams, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetDocuments (3.18.4.1.2.3.7.5): any status and entry type. */
  getDocuments(p: ObjectSelector, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetFolders (3.18.4.1.2.3.7.6). */
  getFolders(p: ObjectSelector, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetAssociations (3.18.4.1.2.3.7.7): associations with any of the uuids as source or target. */
  getAssociations(p: { readonly uuids: OrList<string> }, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetDocumentsAndAssociations (3.18.4.1.2.3.7.8). */
  getDocumentsAndAssociations(p: ObjectSelector, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetSubmissionSets (3.18.4.1.2.3.7.9): the SubmissionSets holding the given objects, with those HasMembers. */
  getSubmissionSets(p: { readonly uuids: OrList<string> }, o: QueryOptions): Promise<StoredQueryResult>;
  /** GetSubmissionSetAndContents (3.18.4.1.2.3.7.10). */
  getSubmissionSetAndContents(
    p: { readonly submissionSet: ObjectSelector } & ContentFilters,
    o: QueryOptions,
  ): Promise<StoredQueryResult>;
  /** GetFolderAndContents (3.18.4.1.2.3.7.11). */
  getFolderAndContents(
    p: { readonly folder: ObjectSelector } & ContentFilters,
    o: QueryOptions,
  ): Promise<StoredQueryResult>;
  /** GetFoldersForDocument (3.18.4.1.2.3.7.12). */
  getFoldersForDocument(
    p: { readonly document: ObjectSelector },
    o: QueryOptions,
  ): Promise<StoredQueryResult>;
  getRelatedDocuments(p: GetRelatedDocumentsParams, o: QueryOptions): Promise<StoredQueryResult>;
}

/** Columns of document_entries a query reads (alias `d`), metadata aside. */
export const DOCUMENT_COLUMNS =
  'd.entry_uuid::text AS id, d.status, d.home_community_id, d.patient_id, d.logical_id::text AS logical_id, d.version';
const SS_COLUMNS = 's.entry_uuid::text AS id, s.status, s.home_community_id, s.patient_id';
const FOLDER_COLUMNS =
  'f.entry_uuid::text AS id, f.status, f.home_community_id, f.patient_id, f.logical_id::text AS logical_id, f.version, f.last_update_time';
const ASSOC_COLUMNS = 'a.id::text AS id, a.status, a.home_community_id';

/** Accumulates the rows of one answer, enforcing the XDSTooManyResults cap. */
class Answer {
  readonly docs: VersionedRow[] = [];
  readonly sets: PatientObjectRow[] = [];
  readonly folders: FolderRow[] = [];
  readonly assocs: ObjectRow[] = [];
  tooMany = false;

  constructor(readonly o: QueryOptions) {}

  get leaf(): boolean {
    return this.o.returnType === 'LeafClass';
  }

  /** Row cap for the next SELECT: what is left of the limit, plus one to detect overflow. */
  get cap(): number {
    return Math.max(0, this.o.limit - this.count) + 1;
  }

  get count(): number {
    return this.docs.length + this.sets.length + this.folders.length + this.assocs.length;
  }

  add<R>(into: R[], rows: readonly R[]): void {
    into.push(...rows);
    if (this.count > this.o.limit) this.tooMany = true;
  }

  result(): StoredQueryResult {
    const patientIds = new Set<string>();
    for (const r of [...this.docs, ...this.sets, ...this.folders]) patientIds.add(r.patient_id);
    if (this.leaf) {
      return {
        tooManyResults: this.tooMany,
        patientIds,
        objects: {
          documentEntries: this.docs.map(toDocumentEntry),
          submissionSets: this.sets.map(toSubmissionSet),
          folders: this.folders.map(toFolder),
          associations: this.assocs.map(toAssociation),
          objectRefs: [],
        },
      };
    }
    const refs: ObjectRef[] = [...this.sets, ...this.folders, ...this.docs, ...this.assocs].map(toObjectRef);
    return {
      tooManyResults: this.tooMany,
      patientIds,
      objects: { documentEntries: [], submissionSets: [], folders: [], associations: [], objectRefs: refs },
    };
  }
}

const EMPTY_ROWS: never[] = [];

/** OR of (code, scheme) pairs against two columns. */
function codeOr(p: Params, codeCol: string, schemeCol: string, codes: OrList<CodeParam>): string {
  if (codes.length === 0) return 'FALSE';
  return `(${codes
    .map((c) =>
      c.scheme === undefined
        ? `${codeCol} = ${p.add(c.code)}`
        : `(${codeCol} = ${p.add(c.code)} AND ${schemeCol} = ${p.add(c.scheme)})`,
    )
    .join(' OR ')})`;
}

/** AND over Slots of an EXISTS in a child code table, each an OR of codes. */
function codeAndOfOr(p: Params, table: string, owner: string, groups: AndOfOr<CodeParam>): string[] {
  return groups.map(
    (g) =>
      `EXISTS (SELECT 1 FROM ${table} c WHERE c.entry_uuid = ${owner} AND ${codeOr(p, 'c.code', 'c.scheme', g)})`,
  );
}

/** LIKE pattern of an author parameter: `%`/`_` stay wildcards, a backslash is literal. */
export function likePattern(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

function authorLike(p: Params, table: string, owner: string, values: OrList<string>): string {
  const or = values.map((v) => `a.person LIKE ${p.add(likePattern(v))}`).join(' OR ');
  return `EXISTS (SELECT 1 FROM ${table} a WHERE a.entry_uuid = ${owner} AND (${or === '' ? 'FALSE' : or}))`;
}

function timeBound(v: string, name: string): string {
  const n = normalizeDtm(v);
  if (n === undefined) {
    throw MeshError.of('XDSRegistryError', `${name} is not an HL7 DTM (YYYY[MM[DD[hh[mm[ss]]]]]): ${v}`, {
      location: name,
    });
  }
  return n;
}

function timeRange(p: Params, col: string, r: TimeRange | undefined, name: string): string[] {
  if (r === undefined) return [];
  const out: string[] = [];
  if (r.from !== undefined) out.push(`${col} >= ${p.add(timeBound(r.from, `${name}From`))}::bigint`);
  if (r.to !== undefined) out.push(`${col} < ${p.add(timeBound(r.to, `${name}To`))}::bigint`);
  return out;
}

/** WHERE terms of the DocumentEntry filters shared by FindDocuments, GetAll and the contents queries. */
function contentTerms(p: Params, f: ContentFilters): string[] {
  const t: string[] = [];
  t.push(`d.object_type = ANY(${p.add(f.documentEntryType ?? ['stable'])}::text[])`);
  if (f.formatCode !== undefined) t.push(codeOr(p, 'd.format_code', 'd.format_code_scheme', f.formatCode));
  if (f.confidentialityCode !== undefined) {
    t.push(...codeAndOfOr(p, 'document_confidentiality_codes', 'd.entry_uuid', f.confidentialityCode));
  }
  return t;
}

/**
 * What $MetadataLevel 1 lets a query see (ITI TF-2 3.18.4.1.2.3.5.1.1), as row sources the
 * planner flattens into the query: latest versions only (an index probe on (logical_id,
 * version)), no Offline DocumentEntry, no Deprecated Folder or Association.
 */
const LEVEL1_DOCUMENTS = `(SELECT x.* FROM document_entries x
  WHERE NOT EXISTS (SELECT 1 FROM document_entries n WHERE n.logical_id = x.logical_id AND n.version > x.version)
    AND (x.metadata->>'documentAvailability') IS DISTINCT FROM 'Offline')`;
const LEVEL1_FOLDERS = `(SELECT x.* FROM folders x WHERE x.status <> 'Deprecated'
    AND NOT EXISTS (SELECT 1 FROM folders n WHERE n.logical_id = x.logical_id AND n.version > x.version))`;
const LEVEL1_ASSOCIATIONS = `(SELECT x.* FROM associations x WHERE x.status <> 'Deprecated')`;
const level2 = (a: Answer): boolean => a.o.metadataLevel === 2;

/** SELECT list and FROM of DocumentEntries for the answer's return type. */
function docSelect(a: Answer): string {
  return `SELECT ${DOCUMENT_COLUMNS}${a.leaf ? ', d.metadata' : ''} FROM ${level2(a) ? 'document_entries' : LEVEL1_DOCUMENTS} d`;
}
function ssSelect(a: Answer): string {
  return `SELECT ${SS_COLUMNS}${a.leaf ? ', s.metadata' : ''} FROM submission_sets s`;
}
function folderSelect(a: Answer): string {
  return `SELECT ${FOLDER_COLUMNS}${a.leaf ? ', f.metadata' : ''} FROM ${level2(a) ? 'folders' : LEVEL1_FOLDERS} f`;
}
function assocSelect(a: Answer): string {
  return `SELECT ${ASSOC_COLUMNS}${a.leaf ? ', a.metadata' : ''} FROM ${level2(a) ? 'associations' : LEVEL1_ASSOCIATIONS} a`;
}

function selectorTerm(p: Params, alias: string, sel: ObjectSelector): string {
  if ('uuids' in sel) return `${alias}.entry_uuid = ANY(${p.add(uuidsOf(sel.uuids))}::uuid[])`;
  if ('logicalIds' in sel) return `${alias}.logical_id = ANY(${p.add(uuidsOf(sel.logicalIds))}::uuid[])`;
  return `${alias}.unique_id = ANY(${p.add(sel.uniqueIds)}::text[])`;
}

/** The stored queries over one registry schema. */
export function createStoredQueries(db: Db): StoredQueries {
  const q: Queryable = db;

  async function rows<R>(sql: string, p: Params, cap: number): Promise<R[]> {
    return (await q.query<R>(`${sql} LIMIT ${p.add(cap)}`, p.values)).rows;
  }

  /** Associations whose source is in `sources` and target in `targets`, optionally of some types. */
  async function assocsBetween(
    a: Answer,
    sources: readonly string[],
    targets: readonly string[],
    types?: readonly string[],
  ): Promise<ObjectRow[]> {
    if (sources.length === 0 || targets.length === 0) return EMPTY_ROWS;
    const p = new Params();
    const typeTerm = types === undefined ? '' : ` AND a.type = ANY(${p.add(types)}::text[])`;
    return rows<ObjectRow>(
      `${assocSelect(a)} WHERE a.source_id = ANY(${p.add(sources)}::uuid[]) AND a.target_id = ANY(${p.add(
        targets,
      )}::uuid[])${typeTerm}`,
      p,
      a.cap,
    );
  }

  async function findDocuments(fp: FindDocumentsParams, o: QueryOptions): Promise<StoredQueryResult> {
    const a = new Answer(o);
    const p = new Params();
    const t = [`d.patient_id = ${p.add(fp.patientId)}`, `d.status = ANY(${p.add(fp.status)}::text[])`];
    t.push(...contentTerms(p, fp));
    if (fp.classCode !== undefined) t.push(codeOr(p, 'd.class_code', 'd.class_code_scheme', fp.classCode));
    if (fp.typeCode !== undefined) t.push(codeOr(p, 'd.type_code', 'd.type_code_scheme', fp.typeCode));
    if (fp.practiceSettingCode !== undefined) {
      t.push(codeOr(p, 'd.practice_setting_code', 'd.practice_setting_code_scheme', fp.practiceSettingCode));
    }
    if (fp.healthcareFacilityTypeCode !== undefined) {
      t.push(
        codeOr(
          p,
          'd.healthcare_facility_type_code',
          'd.healthcare_facility_type_code_scheme',
          fp.healthcareFacilityTypeCode,
        ),
      );
    }
    if (fp.eventCodeList !== undefined) {
      t.push(...codeAndOfOr(p, 'document_event_codes', 'd.entry_uuid', fp.eventCodeList));
    }
    t.push(...timeRange(p, 'd.creation_time_n', fp.creationTime, '$XDSDocumentEntryCreationTime'));
    t.push(
      ...timeRange(p, 'd.service_start_time_n', fp.serviceStartTime, '$XDSDocumentEntryServiceStartTime'),
    );
    t.push(...timeRange(p, 'd.service_stop_time_n', fp.serviceStopTime, '$XDSDocumentEntryServiceStopTime'));
    if (fp.authorPerson !== undefined) {
      t.push(authorLike(p, 'document_author_persons', 'd.entry_uuid', fp.authorPerson));
    }
    if (fp.referenceIdList !== undefined) {
      t.push(
        `EXISTS (SELECT 1 FROM document_reference_ids r WHERE r.entry_uuid = d.entry_uuid AND r.reference_id = ANY(${p.add(
          fp.referenceIdList,
        )}::text[]))`,
      );
    }
    a.add(a.docs, await rows<VersionedRow>(`${docSelect(a)} WHERE ${t.join(' AND ')}`, p, a.cap));
    return a.result();
  }

  async function docsBySelector(a: Answer, sel: ObjectSelector): Promise<void> {
    const p = new Params();
    a.add(a.docs, await rows<VersionedRow>(`${docSelect(a)} WHERE ${selectorTerm(p, 'd', sel)}`, p, a.cap));
  }

  async function foldersBySelector(a: Answer, sel: ObjectSelector): Promise<void> {
    const p = new Params();
    a.add(
      a.folders,
      await rows<FolderRow>(`${folderSelect(a)} WHERE ${selectorTerm(p, 'f', sel)}`, p, a.cap),
    );
  }

  /** DocumentEntries that are HasMember targets of `owners`, with the content filters. */
  async function memberDocs(a: Answer, owners: readonly string[], f: ContentFilters): Promise<void> {
    if (owners.length === 0) return;
    const p = new Params();
    const t = [
      `d.entry_uuid IN (SELECT m.target_id FROM associations m WHERE m.source_id = ANY(${p.add(
        owners,
      )}::uuid[]) AND m.type = 'HasMember')`,
      ...contentTerms(p, f),
    ];
    a.add(a.docs, await rows<VersionedRow>(`${docSelect(a)} WHERE ${t.join(' AND ')}`, p, a.cap));
  }

  return {
    findDocuments,

    async findDocumentsByReferenceId(fp, o) {
      if (fp.referenceIdList === undefined || fp.referenceIdList.length === 0) {
        throw MeshError.of('XDSStoredQueryParamNumber', '$XDSDocumentEntryReferenceIdList is required', {
          location: '$XDSDocumentEntryReferenceIdList',
        });
      }
      return findDocuments(fp, o);
    },

    async findSubmissionSets(fp, o) {
      const a = new Answer(o);
      const p = new Params();
      const t = [`s.patient_id = ${p.add(fp.patientId)}`, `s.status = ANY(${p.add(fp.status)}::text[])`];
      if (fp.sourceId !== undefined) t.push(`s.source_id = ANY(${p.add(fp.sourceId)}::text[])`);
      t.push(...timeRange(p, 's.submission_time_n', fp.submissionTime, '$XDSSubmissionSetSubmissionTime'));
      if (fp.authorPerson !== undefined) {
        t.push(authorLike(p, 'submission_set_author_persons', 's.entry_uuid', fp.authorPerson));
      }
      if (fp.contentTypeCode !== undefined) {
        t.push(codeOr(p, 's.content_type_code', 's.content_type_code_scheme', fp.contentTypeCode));
      }
      a.add(a.sets, await rows<PatientObjectRow>(`${ssSelect(a)} WHERE ${t.join(' AND ')}`, p, a.cap));
      return a.result();
    },

    async findFolders(fp, o) {
      const a = new Answer(o);
      const p = new Params();
      const t = [`f.patient_id = ${p.add(fp.patientId)}`, `f.status = ANY(${p.add(fp.status)}::text[])`];
      t.push(...timeRange(p, 'f.last_update_time_n', fp.lastUpdateTime, '$XDSFolderLastUpdateTime'));
      if (fp.codeList !== undefined) t.push(...codeAndOfOr(p, 'folder_codes', 'f.entry_uuid', fp.codeList));
      a.add(a.folders, await rows<FolderRow>(`${folderSelect(a)} WHERE ${t.join(' AND ')}`, p, a.cap));
      return a.result();
    },

    async getAll(gp, o) {
      const a = new Answer(o);
      let p = new Params();
      const t = [
        `d.patient_id = ${p.add(gp.patientId)}`,
        `d.status = ANY(${p.add(gp.documentEntryStatus)}::text[])`,
        ...contentTerms(p, gp),
      ];
      a.add(a.docs, await rows<VersionedRow>(`${docSelect(a)} WHERE ${t.join(' AND ')}`, p, a.cap));
      if (a.tooMany) return a.result();
      p = new Params();
      a.add(
        a.sets,
        await rows<PatientObjectRow>(
          `${ssSelect(a)} WHERE s.patient_id = ${p.add(gp.patientId)} AND s.status = ANY(${p.add(
            gp.submissionSetStatus,
          )}::text[])`,
          p,
          a.cap,
        ),
      );
      if (a.tooMany) return a.result();
      p = new Params();
      a.add(
        a.folders,
        await rows<FolderRow>(
          `${folderSelect(a)} WHERE f.patient_id = ${p.add(gp.patientId)} AND f.status = ANY(${p.add(
            gp.folderStatus,
          )}::text[])`,
          p,
          a.cap,
        ),
      );
      if (a.tooMany) return a.result();
      // Associations among the returned objects (HasMember, RPLC, ...), then the SubmissionSets'
      // HasMember to those associations (ITI TF-3 4.2.2.1.x: a SubmissionSet holds the
      // associations it submitted).
      const ids = [...a.docs, ...a.sets, ...a.folders].map((r) => r.id);
      a.add(a.assocs, await assocsBetween(a, ids, ids));
      if (a.tooMany) return a.result();
      a.add(
        a.assocs,
        await assocsBetween(
          a,
          a.sets.map((r) => r.id),
          a.assocs.map((r) => r.id),
          ['HasMember'],
        ),
      );
      return a.result();
    },

    async getDocuments(sel, o) {
      const a = new Answer(o);
      await docsBySelector(a, sel);
      return a.result();
    },

    async getFolders(sel, o) {
      const a = new Answer(o);
      await foldersBySelector(a, sel);
      return a.result();
    },

    async getAssociations({ uuids }, o) {
      const a = new Answer(o);
      const p = new Params();
      const ids = p.add(uuidsOf(uuids));
      a.add(
        a.assocs,
        await rows<ObjectRow>(
          `${assocSelect(a)} WHERE a.source_id = ANY(${ids}::uuid[]) OR a.target_id = ANY(${ids}::uuid[])`,
          p,
          a.cap,
        ),
      );
      return a.result();
    },

    async getDocumentsAndAssociations(sel, o) {
      const a = new Answer(o);
      await docsBySelector(a, sel);
      if (a.tooMany || a.docs.length === 0) return a.result();
      const p = new Params();
      const ids = p.add(a.docs.map((r) => r.id));
      a.add(
        a.assocs,
        await rows<ObjectRow>(
          `${assocSelect(a)} WHERE a.source_id = ANY(${ids}::uuid[]) OR a.target_id = ANY(${ids}::uuid[])`,
          p,
          a.cap,
        ),
      );
      return a.result();
    },

    async getSubmissionSets({ uuids }, o) {
      const a = new Answer(o);
      const members = uuidsOf(uuids);
      if (members.length === 0) return a.result();
      let p = new Params();
      const hasMember = await rows<ObjectRow & { source: string }>(
        `SELECT ${ASSOC_COLUMNS}, a.source_id::text AS source${a.leaf ? ', a.metadata' : ''}
           FROM associations a JOIN submission_sets s ON s.entry_uuid = a.source_id
          WHERE a.type = 'HasMember' AND a.target_id = ANY(${p.add(members)}::uuid[])`,
        p,
        a.cap,
      );
      const setIds = [...new Set(hasMember.map((r) => r.source))];
      p = new Params();
      a.add(
        a.sets,
        await rows<PatientObjectRow>(
          `${ssSelect(a)} WHERE s.entry_uuid = ANY(${p.add(setIds)}::uuid[])`,
          p,
          a.cap,
        ),
      );
      a.add(
        a.assocs,
        hasMember.map(({ source: _source, ...r }) => r),
      );
      return a.result();
    },

    async getSubmissionSetAndContents(gp, o) {
      const a = new Answer(o);
      let p = new Params();
      a.add(
        a.sets,
        await rows<PatientObjectRow>(`${ssSelect(a)} WHERE ${selectorTerm(p, 's', gp.submissionSet)}`, p, 2),
      );
      const ss = a.sets.slice(0, 1);
      a.sets.length = ss.length;
      const ssId = ss[0]?.id;
      if (ssId === undefined) return a.result();
      await memberDocs(a, [ssId], gp);
      if (a.tooMany) return a.result();
      p = new Params();
      a.add(
        a.folders,
        await rows<FolderRow>(
          `${folderSelect(a)} WHERE f.entry_uuid IN (SELECT m.target_id FROM associations m
             WHERE m.source_id = ${p.add(ssId)}::uuid AND m.type = 'HasMember')`,
          p,
          a.cap,
        ),
      );
      if (a.tooMany) return a.result();
      // Associations the SubmissionSet holds (its HasMember targets) that link returned objects
      // (folder HasMember document, RPLC between documents of this set...), and the set's own
      // HasMember associations to the returned documents, folders and those associations.
      const objects = [...a.docs, ...a.folders].map((r) => r.id);
      p = new Params();
      const inner = await rows<ObjectRow>(
        `${assocSelect(a)} WHERE a.id IN (SELECT m.target_id FROM associations m
           WHERE m.source_id = ${p.add(ssId)}::uuid AND m.type = 'HasMember')
           AND a.source_id = ANY(${p.add(objects)}::uuid[]) AND a.target_id = ANY(${p.add(objects)}::uuid[])`,
        p,
        a.cap,
      );
      a.add(a.assocs, await assocsBetween(a, [ssId], [...objects, ...inner.map((r) => r.id)], ['HasMember']));
      a.add(a.assocs, inner);
      return a.result();
    },

    async getFolderAndContents(gp, o) {
      const a = new Answer(o);
      const p = new Params();
      a.add(
        a.folders,
        await rows<FolderRow>(`${folderSelect(a)} WHERE ${selectorTerm(p, 'f', gp.folder)}`, p, 2),
      );
      a.folders.length = Math.min(1, a.folders.length);
      const folderId = a.folders[0]?.id;
      if (folderId === undefined) return a.result();
      await memberDocs(a, [folderId], gp);
      if (a.tooMany) return a.result();
      a.add(
        a.assocs,
        await assocsBetween(
          a,
          [folderId],
          a.docs.map((r) => r.id),
          ['HasMember'],
        ),
      );
      return a.result();
    },

    async getFoldersForDocument({ document }, o) {
      const a = new Answer(o);
      const p = new Params();
      const docIds =
        'uuids' in document
          ? `SELECT unnest(${p.add(uuidsOf(document.uuids))}::uuid[])`
          : `SELECT x.entry_uuid FROM document_entries x WHERE ${selectorTerm(p, 'x', document)}`;
      a.add(
        a.folders,
        await rows<FolderRow>(
          `${folderSelect(a)} WHERE f.entry_uuid IN (SELECT m.source_id FROM associations m
             WHERE m.type = 'HasMember' AND m.target_id IN (${docIds}))`,
          p,
          a.cap,
        ),
      );
      return a.result();
    },

    async getRelatedDocuments(gp, o) {
      const a = new Answer(o);
      let p = new Params();
      const origin = await rows<VersionedRow>(
        `${docSelect(a)} WHERE ${selectorTerm(p, 'd', gp.document)}`,
        p,
        1,
      );
      const doc = origin[0];
      if (doc === undefined || gp.associationTypes.length === 0) return a.result();
      p = new Params();
      const related = await rows<ObjectRow & { source: string; target: string }>(
        `SELECT ${ASSOC_COLUMNS}, a.source_id::text AS source, a.target_id::text AS target${
          a.leaf ? ', a.metadata' : ''
        } FROM associations a
          WHERE (a.source_id = ${p.add(doc.id)}::uuid OR a.target_id = ${p.add(doc.id)}::uuid)
            AND a.type = ANY(${p.add(gp.associationTypes)}::text[])`,
        p,
        a.cap,
      );
      const others = [...new Set(related.map((r) => (r.source === doc.id ? r.target : r.source)))];
      if (others.length === 0) return a.result();
      p = new Params();
      const docs = await rows<VersionedRow>(
        `${docSelect(a)} WHERE d.entry_uuid = ANY(${p.add(others)}::uuid[]) AND d.object_type = ANY(${p.add(
          gp.documentEntryType ?? ['stable'],
        )}::text[])`,
        p,
        a.cap,
      );
      // Only associations whose other end is a returned DocumentEntry (ITI TF-2 3.18.4.1.2.3.7.13:
      // the related documents and the associations linking them).
      const found = new Set(docs.map((r) => r.id));
      const links = related
        .filter((r) => found.has(r.source === doc.id ? r.target : r.source))
        .map(({ source: _s, target: _t, ...r }) => r);
      if (links.length === 0) return a.result();
      a.add(a.docs, [doc, ...docs]);
      a.add(a.assocs, links);
      return a.result();
    },
  };
}
