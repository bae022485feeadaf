/**
 * Rows -> model objects. The stored `metadata` is the model as registered; the columns carry
 * what the registry itself owns and may change later (availabilityStatus, patientId after a
 * merge, logicalID/version it assigned, lastUpdateTime of a folder), and win over `metadata`.
 */
import { parseCx } from '@mesh/xds';
import type {
  Association,
  AvailabilityStatus,
  Cx,
  DocumentEntry,
  Folder,
  ObjectRef,
  SubmissionSet,
} from '@mesh/xds';
import { urnOf } from './sql.js';

/** Columns every object query selects (aliased so one mapper fits every table). */
export interface ObjectRow {
  id: string;
  status: AvailabilityStatus;
  home_community_id: string | null;
  metadata?: unknown;
}

export interface PatientObjectRow extends ObjectRow {
  patient_id: string;
}

export interface VersionedRow extends PatientObjectRow {
  logical_id: string;
  version: number;
}

function patientOf(stored: Cx | undefined, column: string): Cx {
  return stored !== undefined && stored.raw === column ? stored : parseCx(column);
}

export function toDocumentEntry(r: VersionedRow): DocumentEntry {
  const m = r.metadata as DocumentEntry;
  return {
    ...m,
    availabilityStatus: r.status,
    patientId: patientOf(m.patientId, r.patient_id),
    logicalID: m.logicalID ?? urnOf(r.logical_id),
    version: String(r.version),
  };
}

export function toSubmissionSet(r: PatientObjectRow): SubmissionSet {
  const m = r.metadata as SubmissionSet;
  return { ...m, availabilityStatus: r.status, patientId: patientOf(m.patientId, r.patient_id) };
}

export interface FolderRow extends VersionedRow {
  last_update_time: string | null;
}

export function toFolder(r: FolderRow): Folder {
  const m = r.metadata as Folder;
  const f: Folder = {
    ...m,
    availabilityStatus: r.status,
    patientId: patientOf(m.patientId, r.patient_id),
    logicalID: m.logicalID ?? urnOf(r.logical_id),
    version: String(r.version),
  };
  return r.last_update_time === null ? f : { ...f, lastUpdateTime: r.last_update_time };
}

export function toAssociation(r: ObjectRow): Association {
  const m = r.metadata as Association;
  return { ...m, availabilityStatus: r.status };
}

export function toObjectRef(r: ObjectRow): ObjectRef {
  return r.home_community_id === null
    ? { id: urnOf(r.id) }
    : { id: urnOf(r.id), homeCommunityId: r.home_community_id };
}
