-- Candidate search "same phonetic family name within the birth year" (ADR 0012) as an index
-- range scan: (family_phonetic, birth_date) instead of filtering every row of a common name.
CREATE INDEX source_identity_phonetic_birth ON source_identity (family_phonetic, birth_date);
