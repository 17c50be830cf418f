-- The projection of each pupil case (the attendanceCase workflow) for lists and dashboards.
-- The workflow is the source of truth; this table is rewritten by the projectCase activity after
-- every change, so lists never have to query hundreds of workflows.

CREATE TABLE cases (
  case_id text PRIMARY KEY,                    -- the workflow id (no personal data)
  school_id text NOT NULL,
  pupil_id uuid NOT NULL,
  policy_id text NOT NULL,
  policy_version text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'paused', 'closed')),
  stage_id text,
  stage_name text,
  stage_rank integer,                           -- the stage's position in the policy (1 = least severe)
  opened_on date NOT NULL,
  closed_on date,
  closed_reason text,
  pending_approvals integer NOT NULL DEFAULT 0,
  oldest_pending_at timestamptz,
  next_action_on date,
  next_action text,
  attendance_pct numeric(5, 2),
  view jsonb NOT NULL,                          -- the latest CaseView (workflows/caseMessages.ts)
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_school_idx ON cases (school_id, status, stage_id);
CREATE INDEX cases_pupil_idx ON cases (pupil_id);
CREATE INDEX cases_next_action_idx ON cases (school_id, next_action_on);

-- Every timeline event of every case, appended once (seq = its index in the case timeline).
CREATE TABLE case_events (
  case_id text NOT NULL,
  seq integer NOT NULL,
  school_id text NOT NULL,
  at timestamptz NOT NULL,
  date date NOT NULL,
  type text NOT NULL,
  stage_id text,
  text text NOT NULL,
  PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_events_school_idx ON case_events (school_id, date, type);
