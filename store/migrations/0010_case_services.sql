-- The services a pupil case calls: letters (kept as evidence with their dates), the outbox of every
-- email/SMS/app message (idempotent by key), staff availability and booked meetings, staff tasks,
-- per-school letter template overrides and the school's staff addresses for notifications.

-- A school's own wording for a template; the defaults live in policies/templates/<template_id>.md.
CREATE TABLE letter_templates (
  school_id text NOT NULL REFERENCES schools (id),
  template_id text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,                          -- Markdown with mustache merge fields
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, template_id)
);

-- Every letter as sent: the evidence a council's prosecution pack needs (what, to whom, when).
-- id is the sendId the workflow generated, so a retried activity finds the letter it already made.
CREATE TABLE letters (
  id text PRIMARY KEY,
  case_id text NOT NULL,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,                      -- no FK: evidence outlives a pupil leaving the roll
  stage_id text NOT NULL,
  step_id text NOT NULL,
  template_id text NOT NULL,                   -- the template actually used (a fallback is recorded as such)
  requested_template_id text NOT NULL,         -- the template the policy asked for
  channel text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  html text NOT NULL,
  pdf bytea NOT NULL,
  amended boolean NOT NULL DEFAULT false,
  sent_on date NOT NULL,
  recipients jsonb NOT NULL DEFAULT '[]',      -- [{contactIndex, name, channel, outboxKey}]
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX letters_case_idx ON letters (case_id, sent_on);
CREATE INDEX letters_pupil_idx ON letters (pupil_id, sent_on);

-- Every outgoing message. idempotency_key makes a retried activity a no-op; status says where it is.
-- held = no transport configured (the web app shows held messages); claimed_until is a short lease
-- so two attempts of one activity never deliver the same row at the same time.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  school_id text NOT NULL,
  case_id text,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'app')),
  to_address text,                             -- null when no address is known (then held)
  subject text NOT NULL DEFAULT '',
  body_text text NOT NULL,
  html text,
  attachments jsonb NOT NULL DEFAULT '[]',     -- [{filename, contentType, base64} | {filename, contentType, letterId}]
  ref text,                                    -- the letter / meeting / notification this belongs to
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'held')),
  error text,
  attempts integer NOT NULL DEFAULT 0,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_school_status_idx ON outbox (school_id, status, created_at);
CREATE INDEX outbox_case_idx ON outbox (case_id);

-- When staff can meet parents: weekday 1 = Monday .. 5 = Friday, local (Europe/London) times.
CREATE TABLE staff_availability (
  school_id text NOT NULL REFERENCES schools (id),
  staff_name text NOT NULL,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 5),
  start_time time NOT NULL,
  end_time time NOT NULL,
  slot_minutes integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 5 AND 480),
  CHECK (end_time > start_time),
  PRIMARY KEY (school_id, staff_name, weekday, start_time)
);

-- Meetings and home visits offered and held (every attempt is evidence). id is the workflow's bookingId.
CREATE TABLE meetings (
  id text PRIMARY KEY,
  case_id text NOT NULL,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  stage_id text NOT NULL,
  step_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('meeting', 'homeVisit')),
  title text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  staff_name text NOT NULL,
  location text NOT NULL,
  status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'attended', 'missed', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
-- One staff slot is never double-booked (overlaps of unequal lengths are checked under a per-school
-- lock when booking; this index is the last line of defence).
CREATE UNIQUE INDEX meetings_staff_slot_uq ON meetings (school_id, staff_name, starts_at) WHERE status <> 'cancelled';
CREATE INDEX meetings_case_idx ON meetings (case_id);

-- Work for people: home visits, class-teacher conversations, referrals, council notifications,
-- penalty-notice consideration. id is the workflow's taskId.
CREATE TABLE staff_tasks (
  id text PRIMARY KEY,
  case_id text NOT NULL,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  stage_id text NOT NULL,
  step_id text NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  due_on date NOT NULL,
  notes text,                                  -- e.g. the call script of a phone message, who to post a letter to
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX staff_tasks_open_idx ON staff_tasks (school_id, status, due_on);
CREATE INDEX staff_tasks_case_idx ON staff_tasks (case_id);

-- Where staff notifications (approval reminders, escalations) go, per school and audience.
CREATE TABLE school_contacts (
  school_id text NOT NULL REFERENCES schools (id),
  audience text NOT NULL CHECK (audience IN ('officer', 'manager')),
  name text NOT NULL,
  email text NOT NULL,
  PRIMARY KEY (school_id, audience)
);
