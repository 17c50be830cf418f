-- A school's connections to outside services (issue 17): its MIS, through a Wonde-style school data
-- API, and GOV.UK Notify. The settings that are not secret are jsonb; the secret (the MIS token, the
-- Notify API key) is sealed with AES-256-GCM (integrations/secretBox.ts) and only its last four
-- characters are kept in clear, so the web app can say which one is set.
CREATE TABLE IF NOT EXISTS school_integrations (
  school_id text NOT NULL REFERENCES schools (id),
  kind text NOT NULL CHECK (kind IN ('mis', 'notify')),
  settings jsonb NOT NULL DEFAULT '{}',
  secret_sealed text,
  secret_hint text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  PRIMARY KEY (school_id, kind)
);

-- Every sync from the MIS, successful or not: what it asked for, what it changed, and why it failed.
-- A failed sync changed nothing (the import is one transaction); managers see it on the dashboard.
CREATE TABLE IF NOT EXISTS mis_syncs (
  id uuid PRIMARY KEY,
  school_id text NOT NULL REFERENCES schools (id),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- The MIS's changes asked for: those after this instant (null: everything, a first sync).
  changed_since timestamptz,
  -- The next sync asks for changes after this (the instant this one started, less a margin).
  high_water timestamptz,
  counts jsonb NOT NULL DEFAULT '{}',
  error text,
  -- What stopped it, said for a person: unknown register codes, bad rows (no names or contacts).
  problems jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS mis_syncs_school_idx ON mis_syncs (school_id, started_at DESC);

-- Letters posted by GOV.UK Notify are outbox rows too (channel 'post', the addressed PDF attached).
-- A row sent through a provider keeps the provider's id for it and the latest delivery status, and
-- the status the case was last told of, so a check that runs again tells the case nothing twice.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms', 'app', 'post'));
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS postage text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider_id text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider_status text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider_status_at timestamptz;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider_told text;
CREATE INDEX IF NOT EXISTS outbox_provider_id_idx ON outbox (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_provider_open_idx ON outbox (school_id, sent_at)
  WHERE provider IS NOT NULL AND provider_told IS DISTINCT FROM provider_status;

-- The MIS's own id for each pupil (Wonde's student id), so a sync that fetches only the marks that
-- changed can place them on pupils it did not fetch again. Written in the sync's import transaction.
CREATE TABLE IF NOT EXISTS mis_pupil_ids (
  school_id text NOT NULL REFERENCES schools (id),
  mis_student_id text NOT NULL,
  upn text NOT NULL,
  PRIMARY KEY (school_id, mis_student_id)
);
