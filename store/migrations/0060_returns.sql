-- What the office records for the returns the law asks for (docs/returns.md): the outcome of each
-- first-day call about an unexplained absence (N), and the enquiries a school makes before a pupil
-- with 20 continuous school days of unauthorised absence may be removed from roll. Each row says who
-- recorded it and when; nothing is ever updated in place (a correction is a new row).
CREATE TABLE first_day_calls (
  id bigserial PRIMARY KEY,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL REFERENCES pupils (id),
  absence_on date NOT NULL,
  outcome text NOT NULL,
  note text,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX first_day_calls_by_day ON first_day_calls (school_id, absence_on);

CREATE TABLE roll_enquiries (
  id bigserial PRIMARY KEY,
  school_id text NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL REFERENCES pupils (id),
  made_on date NOT NULL,
  method text NOT NULL,
  note text NOT NULL,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roll_enquiries_by_pupil ON roll_enquiries (school_id, pupil_id);
