-- A second pair of eyes on who gets letters (docs/contact-changes.md): every change to a parent's
-- contact details or to a safeguarding flag is kept with its old and new values, the import that
-- brought it and who ran it. Where the school turns it on, a change waits ('pending') for a second
-- person before letters use it: `pupils` always holds the values in force, so every reader of a
-- pupil's contacts (letters, messages, calls, penalty notices) uses approved values only.
-- (No line of a function body may end with a semicolon: store/migrate.ts splits on them.)
ALTER TABLE schools ADD COLUMN contact_changes_need_approval boolean NOT NULL DEFAULT false;

CREATE TABLE pupil_changes (
  id bigserial PRIMARY KEY,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL REFERENCES pupils (id),
  -- contact1_name, contact1_email, contact1_phone, contact2_…; flag_cp, flag_lac, flag_cin
  field text NOT NULL CHECK (field ~ '^(contact[0-9]+_(name|email|phone)|flag_(cp|lac|cin))$'),
  old_value text,                              -- null: none; a flag is 'yes' or 'no'
  new_value text,
  import_id uuid REFERENCES imports (id),      -- the roster import that brought it, if any
  changed_by uuid REFERENCES users (id),       -- null for the command line (role 'cli') and the system
  changed_by_role text NOT NULL,
  changed_by_os_user text,                     -- the command line's operating-system user
  changed_at timestamptz NOT NULL DEFAULT now(),
  -- applied: in force at once. pending: waiting for a second person, who approves or rejects it.
  -- superseded: a later import brought another value (or the old one back) before a decision.
  status text NOT NULL CHECK (status IN ('applied', 'pending', 'approved', 'rejected', 'superseded')),
  decided_by uuid REFERENCES users (id),
  decided_by_role text,
  decided_at timestamptz,
  decision_note text
);
CREATE INDEX pupil_changes_by_pupil ON pupil_changes (pupil_id, id);
CREATE INDEX pupil_changes_pending ON pupil_changes (school_id, id) WHERE status = 'pending';
-- One change per field waits at a time: a newer value supersedes the one waiting.
CREATE UNIQUE INDEX pupil_changes_one_pending ON pupil_changes (pupil_id, field) WHERE status = 'pending';

-- The history is kept: a change is never deleted, its values never rewritten, and only a pending
-- one is decided (once).
CREATE FUNCTION pupil_changes_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'pupil and contact history is kept: changes are never deleted'; END IF; -- (see above)
  IF OLD.status <> 'pending' OR NEW.status NOT IN ('approved', 'rejected', 'superseded')
     OR (NEW.school_id, NEW.pupil_id, NEW.field, NEW.old_value, NEW.new_value, NEW.import_id, NEW.changed_by,
         NEW.changed_by_role, NEW.changed_by_os_user, NEW.changed_at)
        IS DISTINCT FROM
        (OLD.school_id, OLD.pupil_id, OLD.field, OLD.old_value, OLD.new_value, OLD.import_id, OLD.changed_by,
         OLD.changed_by_role, OLD.changed_by_os_user, OLD.changed_at) THEN
    RAISE EXCEPTION 'pupil and contact history is kept: only a pending change is decided, once'; END IF; -- (see above)
  RETURN NEW; END $$;

CREATE TRIGGER pupil_changes_kept BEFORE UPDATE OR DELETE ON pupil_changes
  FOR EACH ROW EXECUTE FUNCTION pupil_changes_kept();
