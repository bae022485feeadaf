-- XDS.b Document Registry storage (ITI TF-3 4.2.3 metadata, ITI TF-2 3.18 stored queries),
-- sized for a national shared care record: 10 million DocumentEntries and more.
--
-- Design:
-- * Every registered object keeps the model of what was registered (`metadata` jsonb: the
--   @mesh/xds model, values exactly as sent) so a LeafClass answer returns what was registered
--   (ITI TF-2 3.18.4.1.3). The columns are what queries filter on, and the registry's own,
--   mutable attributes (availabilityStatus, patientId after a merge) are authoritative in the
--   columns, never in `metadata`.
-- * Ids are `uuid` (16 bytes instead of 45 characters of `urn:uuid:...` text): at 10M entries
--   and 30M+ associations this halves the size of the primary and foreign-key indexes.
-- * Every FindDocuments/FindFolders/FindSubmissionSets query carries a patientId
--   (ITI TF-2 3.18.4.1.2.3.7.1: required), so indexes lead with patient_id and the remaining
--   filters run on the few hundred rows of one patient. Multi-valued attributes live in child
--   tables keyed (entry_uuid, ...) so an EXISTS per entry is an index probe.
-- * Times: the DTM as sent (`*_time`) and a sortable normalized bigint (`*_time_n`,
--   YYYYMMDDhhmmss, missing trailing fields as their lowest value) for range predicates.
-- * Deletion (ITI-62) and metadata update (ITI-57) cascade through ON DELETE CASCADE of the
--   child tables; associations are independent objects and are not cascaded.

-- Patient ids of the affinity domain the registry knows (Patient Identity Consumer, fed by the
-- MPI's patient events). `cx` is the CX as the affinity domain writes it
-- (id^^^&oid&ISO). A merged id keeps its row (status 'merged', merged_into the survivor) so a
-- submission with the subsumed id is refused with XDSUnknownPatientId (ITI TF-2 3.8.4.2).
CREATE TABLE patient_ids (
  cx text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('active', 'merged', 'inactive')),
  merged_into text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_ids_merged_into_idx ON patient_ids (merged_into) WHERE merged_into IS NOT NULL;

-- DocumentEntries (ITI TF-3 4.2.3.2), stable and on-demand.
CREATE TABLE document_entries (
  entry_uuid uuid PRIMARY KEY,
  logical_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  unique_id text NOT NULL,
  patient_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('Approved', 'Deprecated', 'Submitted')),
  object_type text NOT NULL CHECK (object_type IN ('stable', 'on-demand')),
  class_code text,
  class_code_scheme text,
  type_code text,
  type_code_scheme text,
  format_code text,
  format_code_scheme text,
  healthcare_facility_type_code text,
  healthcare_facility_type_code_scheme text,
  practice_setting_code text,
  practice_setting_code_scheme text,
  creation_time text,
  creation_time_n bigint,
  service_start_time text,
  service_start_time_n bigint,
  service_stop_time text,
  service_stop_time_n bigint,
  hash text,
  size text,
  repository_unique_id text,
  home_community_id text,
  mime_type text,
  -- The SubmissionSet that registered this entry (HasMember Original); for ITI-62/ITI-57 and audit.
  submission_set_uuid uuid,
  registered_at timestamptz NOT NULL,
  metadata jsonb NOT NULL
);
-- FindDocuments: patient + status are always given; object_type (DocumentEntryType, default
-- stable) nearly always; creation_time_n last so a creationTime range is an index range scan.
CREATE INDEX document_entries_find_idx
  ON document_entries (patient_id, status, object_type, creation_time_n);
-- GetDocuments by uniqueId, XDSNonIdenticalHash checks, ITI-43 lookups by the repository.
CREATE INDEX document_entries_unique_id_idx ON document_entries (unique_id);
-- ITI-57 versions of one logical document.
CREATE INDEX document_entries_logical_id_idx ON document_entries (logical_id, version);

-- One row per DocumentEntry uniqueId ever registered: the serialization point for the rule
-- "a uniqueId already registered may be registered again only for the same document" (ITI TF-3
-- 4.2.3.2.26; XDSNonIdenticalHash/Size otherwise). document_entries.unique_id cannot be a
-- unique index: an accepted identical resubmission (same hash and size) and every ITI-57
-- version of a logical document are further rows with the same uniqueId. Two transactions
-- claiming the same uniqueId meet on this primary key: the second waits for the first to
-- commit, then sees its hash and size (see store.ts claimUniqueId).
CREATE TABLE document_unique_ids (
  unique_id text PRIMARY KEY,
  hash text,
  size text,
  first_entry_uuid uuid NOT NULL
);

-- Multi-valued coded attributes FindDocuments/GetAll filter on with AND-of-OR semantics
-- (ITI TF-2 3.18.4.1.2.3.5). Primary key (entry_uuid, code, scheme): the EXISTS probe of a
-- query is an index lookup; a code sent twice on one entry is stored once (the model keeps both).
CREATE TABLE document_confidentiality_codes (
  entry_uuid uuid NOT NULL REFERENCES document_entries (entry_uuid) ON DELETE CASCADE,
  code text NOT NULL,
  scheme text NOT NULL,
  PRIMARY KEY (entry_uuid, code, scheme)
);
CREATE TABLE document_event_codes (
  entry_uuid uuid NOT NULL REFERENCES document_entries (entry_uuid) ON DELETE CASCADE,
  code text NOT NULL,
  scheme text NOT NULL,
  PRIMARY KEY (entry_uuid, code, scheme)
);
-- authorPerson (XCN as sent), matched with LIKE wildcards ($XDSDocumentEntryAuthorPerson).
-- authorInstitution/Role/Specialty are not query parameters of any stored query: they stay in
-- `metadata` only, which saves an index write per author on every registration.
CREATE TABLE document_author_persons (
  entry_uuid uuid NOT NULL REFERENCES document_entries (entry_uuid) ON DELETE CASCADE,
  ordinal smallint NOT NULL,
  person text NOT NULL,
  PRIMARY KEY (entry_uuid, ordinal)
);
-- referenceIdList CXi values as sent ($XDSDocumentEntryReferenceIdList, FindDocumentsByReferenceId).
CREATE TABLE document_reference_ids (
  entry_uuid uuid NOT NULL REFERENCES document_entries (entry_uuid) ON DELETE CASCADE,
  reference_id text NOT NULL,
  PRIMARY KEY (entry_uuid, reference_id)
);

-- SubmissionSets (ITI TF-3 4.2.3.3). uniqueId is unique in the registry
-- (XDSDuplicateUniqueIdInRegistry).
CREATE TABLE submission_sets (
  entry_uuid uuid PRIMARY KEY,
  unique_id text NOT NULL UNIQUE,
  patient_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('Approved', 'Deprecated', 'Submitted')),
  source_id text,
  content_type_code text,
  content_type_code_scheme text,
  submission_time text,
  submission_time_n bigint,
  home_community_id text,
  registered_at timestamptz NOT NULL,
  metadata jsonb NOT NULL
);
CREATE INDEX submission_sets_find_idx ON submission_sets (patient_id, status, submission_time_n);
CREATE TABLE submission_set_author_persons (
  entry_uuid uuid NOT NULL REFERENCES submission_sets (entry_uuid) ON DELETE CASCADE,
  ordinal smallint NOT NULL,
  person text NOT NULL,
  PRIMARY KEY (entry_uuid, ordinal)
);

-- Folders (ITI TF-3 4.2.3.4). uniqueId unique (XDSDuplicateUniqueIdInRegistry); ITI-57 versions
-- of a folder would share it, hence unique per (unique_id, version).
CREATE TABLE folders (
  entry_uuid uuid PRIMARY KEY,
  logical_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  unique_id text NOT NULL,
  patient_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('Approved', 'Deprecated', 'Submitted')),
  last_update_time text,
  last_update_time_n bigint,
  home_community_id text,
  registered_at timestamptz NOT NULL,
  metadata jsonb NOT NULL,
  UNIQUE (unique_id, version)
);
CREATE INDEX folders_find_idx ON folders (patient_id, status, last_update_time_n);
CREATE TABLE folder_codes (
  entry_uuid uuid NOT NULL REFERENCES folders (entry_uuid) ON DELETE CASCADE,
  code text NOT NULL,
  scheme text NOT NULL,
  PRIMARY KEY (entry_uuid, code, scheme)
);

-- Associations (ITI TF-3 4.2.2). Source and target are any registry object (or, for HasMember
-- from a SubmissionSet, another association), hence no foreign keys. Both ends are indexed with
-- the type: GetAssociations, GetRelatedDocuments and the contents queries walk them both ways.
CREATE TABLE associations (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  source_id uuid NOT NULL,
  target_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('Approved', 'Deprecated', 'Submitted')),
  submission_set_status text,
  home_community_id text,
  -- Slots of the association beyond those in columns (PreviousVersion, OriginalStatus, ...).
  slots jsonb NOT NULL DEFAULT '[]'::jsonb,
  metadata jsonb NOT NULL
);
CREATE INDEX associations_source_idx ON associations (source_id, type);
CREATE INDEX associations_target_idx ON associations (target_id, type);
