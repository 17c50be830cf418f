-- Whole-school evaluation layout (docs/storage.md, "Chunks"): the year blobs of a school's pupils,
-- session-major, in chunks of up to 2,000 pupils. pupil_marks stays the per-pupil record; store/marks.ts
-- saveYearBlobs keeps the chunks in step inside the same transaction.

CREATE TABLE mark_chunks (
  school_id text NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
  year_start date NOT NULL,
  chunk_no integer NOT NULL,
  pupils integer NOT NULL CHECK (pupils > 0),
  pupil_ids uuid[] NOT NULL,
  -- codes[slot * pupils + i] = code id (register_code_ids) of pupil_ids[i + 1] at slot = dayOffset*2 + pm
  codes bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, year_start, chunk_no),
  CHECK (cardinality(pupil_ids) = pupils AND octet_length(codes) = pupils * 732)
);
-- Out of line, uncompressed: substring() of a window then reads only the TOAST chunks it needs.
ALTER TABLE mark_chunks ALTER COLUMN codes SET STORAGE EXTERNAL;

-- One row per school and academic year that has marks. stale = the chunks may not match
-- pupil_marks (written before this migration, or by SQL outside saveYearBlobs): readers then use
-- pupil_marks for that year, and the next saveYearBlobs for it rebuilds the chunks.
CREATE TABLE mark_chunk_sets (
  school_id text NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
  year_start date NOT NULL,
  stale boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, year_start)
);

INSERT INTO mark_chunk_sets (school_id, year_start, stale)
SELECT DISTINCT p.school_id, m.year_start, true FROM pupil_marks m JOIN pupils p ON p.id = m.pupil_id;

-- Any write to pupil_marks that does not come from saveYearBlobs (which sets
-- attendance.chunk_writer for its own statements) marks the school-years it touched stale.
CREATE FUNCTION mark_chunks_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('attendance.chunk_writer', true), '') <> 'on' THEN
    INSERT INTO mark_chunk_sets (school_id, year_start, stale)
    SELECT DISTINCT p.school_id, c.year_start, true FROM changed_marks c JOIN pupils p ON p.id = c.pupil_id
    ON CONFLICT (school_id, year_start) DO UPDATE SET stale = true, updated_at = now();  -- (no line of the body may end with a semicolon: store/migrate.ts)
  END IF; RETURN NULL; END $$;

CREATE TRIGGER pupil_marks_chunks_insert AFTER INSERT ON pupil_marks
  REFERENCING NEW TABLE AS changed_marks FOR EACH STATEMENT EXECUTE FUNCTION mark_chunks_stale();
CREATE TRIGGER pupil_marks_chunks_update AFTER UPDATE ON pupil_marks
  REFERENCING NEW TABLE AS changed_marks FOR EACH STATEMENT EXECUTE FUNCTION mark_chunks_stale();
CREATE TRIGGER pupil_marks_chunks_delete AFTER DELETE ON pupil_marks
  REFERENCING OLD TABLE AS changed_marks FOR EACH STATEMENT EXECUTE FUNCTION mark_chunks_stale();
