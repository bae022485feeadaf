-- ITI-57 Update Document Set: one row per (logical object, version) (ITI TF-3 4.2.3.2.13,
-- 4.2.3.2.27). Two concurrent updates of the same version of one logical DocumentEntry both
-- compute version n+1; this index lets only one of them commit (the other answers
-- XDSMetadataVersionError). Replaces the plain index of 0001 on the same columns.
DROP INDEX document_entries_logical_id_idx;
CREATE UNIQUE INDEX document_entries_logical_version_key ON document_entries (logical_id, version);
CREATE INDEX folders_logical_id_idx ON folders (logical_id, version);
