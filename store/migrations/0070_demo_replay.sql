-- How far the demo school's replayed term has got. On a fresh start the demo replays the term up to
-- yesterday through the real case workflows (api/demo/history.ts), which takes a few minutes: the
-- web app's banner says so, and a replay cut short (the process stopped) is started again.
CREATE TABLE IF NOT EXISTS demo_replay (
  school_id text PRIMARY KEY REFERENCES schools (id),
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  days integer NOT NULL,
  done integer NOT NULL,
  on_date date,
  finished_at timestamptz,
  error text
);
