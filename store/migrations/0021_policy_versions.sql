-- Policy versions published for a school from the web app (api/routes/policies.ts). The school runs
-- its latest row (policies/schoolPolicy.ts reads `document`); with none it runs the policy file named
-- on the school. A published row is never edited: a change is a new row, and open cases keep the
-- version they opened with (the workflow pins it).
CREATE TABLE policy_versions (
  id uuid PRIMARY KEY,
  school_id text NOT NULL,
  policy_id text NOT NULL,
  version text NOT NULL,
  name text NOT NULL,
  document jsonb NOT NULL,                     -- the validated policy (domain/policy/schema.ts output)
  source_text text NOT NULL,                   -- the YAML exactly as published
  file_name text NOT NULL,
  published_by uuid,                           -- users.id; null when the system published it (demo school)
  published_at timestamptz NOT NULL DEFAULT now(),
  notes text
);
CREATE INDEX policy_versions_school_idx ON policy_versions (school_id, published_at);
CREATE INDEX policy_versions_policy_idx ON policy_versions (policy_id, version);
