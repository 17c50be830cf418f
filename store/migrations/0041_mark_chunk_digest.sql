-- md5 of the chunks' pupil ids (uuid text joined with ',', chunks in chunk_no order), written with
-- the chunks by store/marks.ts. When it equals md5 of the school's roster in id order, the chunks
-- hold exactly the roster in that order and loadMarkWindow needs no pupil ids from them.
ALTER TABLE mark_chunk_sets ADD COLUMN pupils_digest text;
