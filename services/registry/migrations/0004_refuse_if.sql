-- A self-checking write (services/registry/src/sql.ts, InsertBatch with refuseInStatement):
-- the statement that stores a group of submissions ends by calling this function with the
-- disjunction of its checks (patients active, uniqueIds claimed with the same hash and size,
-- no insert skipped by a conflict). When one fails the statement fails with SQLSTATE XR001,
-- so nothing it wrote stays, and it needs no BEGIN/COMMIT around it: one round trip.
CREATE FUNCTION registry_refuse_if(refused boolean, reason text) RETURNS boolean
  LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  IF refused THEN
    RAISE EXCEPTION USING ERRCODE = 'XR001', MESSAGE = reason;
  END IF;
  RETURN false;
END
$$;
