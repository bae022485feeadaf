-- ITI-47 continuations (QUQI_IN000003UV01) name the query, not a pointer, and do not repeat
-- its parameters: the requested domains are kept with the remaining result.
ALTER TABLE pdq_continuation ADD COLUMN target_domains text[];
