-- Penalty notices, one row per parent per notice (docs/penalty-notices.md): the national framework
-- counts per parent, per child. `history` keeps every outcome with its day, who recorded it and when;
-- `outcome` and `outcome_on` are the latest of them.
CREATE TABLE penalty_notices (
  id bigserial PRIMARY KEY,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL REFERENCES pupils (id),
  case_id text,
  parent_name text NOT NULL,
  parent_key text NOT NULL,                    -- lower-cased, trimmed name: the parent across re-imports
  ordinal int NOT NULL CHECK (ordinal IN (1, 2)),
  requested_on date NOT NULL,
  requested_by text NOT NULL,
  issued_on date,
  outcome text NOT NULL,
  outcome_on date NOT NULL,
  history jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX penalty_notices_by_parent ON penalty_notices (pupil_id, parent_key);
