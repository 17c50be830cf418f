-- Who in the team is doing a task. The case says what the work is and for whom (the team, the
-- managers, a person); sharing the team's work out is the office's own arrangement, so it is kept
-- here beside the read model and changes nothing the case does. Every change is in the audit log.
CREATE TABLE IF NOT EXISTS task_assignees (
  task_id text NOT NULL,
  case_id text NOT NULL,
  school_id text NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  assigned_by uuid REFERENCES users (id),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  -- A task id is unique within its case (a school's calendar task shares one id across its cases).
  PRIMARY KEY (case_id, task_id)
);
CREATE INDEX IF NOT EXISTS task_assignees_school ON task_assignees (school_id);
