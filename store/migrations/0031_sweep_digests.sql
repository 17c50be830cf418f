-- What the daily sweep last sent to each pupil's open case, so it signals only when figures change.
CREATE TABLE sweep_digests (
  pupil_id uuid PRIMARY KEY,
  school_id text NOT NULL,
  digest text NOT NULL,
  sent_on date NOT NULL
);
