-- How far each school's sweep has got, so the web app can say that one is running and how far it
-- has got (a newcomer otherwise watches the approvals count climb with no idea why).
CREATE TABLE IF NOT EXISTS sweep_progress (
  school_id text PRIMARY KEY REFERENCES schools (id),
  as_of date NOT NULL,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  total integer NOT NULL,
  evaluated integer NOT NULL,
  finished_at timestamptz
);
