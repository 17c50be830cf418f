-- The audit log a council would accept (docs/security.md, "An audit trail"): append-only, and each
-- entry carries the hash of the one before it, so an edited or deleted row is detectable.
--
-- An entry's hash is SHA-256 over its previous entry's hash and its own fields (the time as
-- microseconds since the epoch, so the session's time zone cannot change it; the details as jsonb's
-- own text, which is canonical). The trigger fills both in, so no caller can write its own.
-- (No line of a function body may end with a semicolon: store/migrate.ts splits on them.)
CREATE FUNCTION audit_entry_hash(
  prev text, id bigint, at timestamptz, user_id uuid, role text, action text,
  target_type text, target_id text, school_id text, details jsonb
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws(E'\x1f',
    coalesce(prev, ''), id::text, (extract(epoch FROM at) * 1000000)::bigint::text,
    coalesce(user_id::text, ''), coalesce(role, ''), action, coalesce(target_type, ''),
    coalesce(target_id, ''), coalesce(school_id, ''), details::text), 'UTF8')), 'hex') $$;

ALTER TABLE audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;

-- Entries written before the chain: chained now, in order.
DO $$
DECLARE r record; last text := NULL; -- (see above)
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    UPDATE audit_log SET prev_hash = last,
           hash = audit_entry_hash(last, r.id, r.at, r.user_id, r.role, r.action, r.target_type,
                                   r.target_id, r.school_id, r.details)
     WHERE id = r.id RETURNING hash INTO last; -- (see above)
  END LOOP; END $$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One writer at a time, so two entries never chain to the same predecessor.
  PERFORM pg_advisory_xact_lock(4242001); SELECT hash INTO NEW.prev_hash FROM audit_log ORDER BY id DESC LIMIT 1; -- (see above)
  NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.user_id, NEW.role, NEW.action,
                               NEW.target_type, NEW.target_id, NEW.school_id, NEW.details); -- (see above)
  RETURN NEW; END $$;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only: entries are never changed or deleted'; END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
