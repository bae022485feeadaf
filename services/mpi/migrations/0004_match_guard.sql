-- Serialises identity creation per match key (birth date, or phonetic family name without
-- one; ADR 0012): a feed that may create an identity either locks its key's row until commit
-- (UPDATE in its transaction), or, on the one-statement path for a new identity, writes only
-- if the key's version is still the one it read with the candidates (optimistic). Either
-- way the version moves on, so a reader of older candidates cannot commit a duplicate.
CREATE TABLE match_guard (
  key text PRIMARY KEY,
  version bigint NOT NULL
);
