-- The attendance store: schools, pupils, compact marks (one row per pupil per academic year),
-- the audit of changed marks, and the record of every import.

CREATE TABLE schools (
  id text PRIMARY KEY,                         -- URN or the school's own code
  name text NOT NULL,
  calendar jsonb NOT NULL,                     -- the validated calendar file (SchoolCalendarFile)
  lessons_per_day integer NOT NULL,
  policy_id text,
  policy_version text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pupils (
  id uuid PRIMARY KEY,                         -- opaque; the only pupil reference that leaves the store
  school_id text NOT NULL REFERENCES schools (id),
  upn text NOT NULL,
  given_name text NOT NULL,
  family_name text NOT NULL,
  year_group smallint,                         -- R = 0, N2 = -1, N1 = -2
  date_of_birth date,
  start_date date,
  left_on date,
  flags text[] NOT NULL DEFAULT '{}',
  contacts jsonb NOT NULL DEFAULT '[]',        -- [{name, email, phone}]
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, upn)
);

-- 366 days x 2 sessions, one byte per session (the code id from domain/marks.ts, 0 = no mark),
-- index = dayOffset * 2 + (PM ? 1 : 0), dayOffset counted from year_start (1 August).
CREATE TABLE pupil_marks (
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  year_start date NOT NULL,
  codes bytea NOT NULL CHECK (octet_length(codes) = 732),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pupil_id, year_start)
);

CREATE TABLE imports (
  id uuid PRIMARY KEY,
  school_id text NOT NULL,                     -- no FK: a rejected import may name an unknown school
  kind text NOT NULL CHECK (kind IN ('calendar', 'roster', 'marks')),
  rows integer NOT NULL DEFAULT 0,
  inserted integer NOT NULL DEFAULT 0,
  changed integer NOT NULL DEFAULT 0,
  unchanged integer NOT NULL DEFAULT 0,
  errors integer NOT NULL DEFAULT 0,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'rejected', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX imports_school_idx ON imports (school_id, started_at);

CREATE TABLE mark_changes (
  id bigserial PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  date date NOT NULL,
  session text NOT NULL CHECK (session IN ('AM', 'PM')),
  old_code text,
  new_code text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  import_id uuid REFERENCES imports (id)
);
CREATE INDEX mark_changes_pupil_idx ON mark_changes (pupil_id, date);

-- The meaning of the bytes in pupil_marks.codes. domain/marks.ts numbers codes by their order in
-- one build; the store pins the numbering it wrote with here and translates when a build differs.
CREATE TABLE register_code_ids (
  id smallint PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
  code text NOT NULL UNIQUE
);
