-- The version of the case view a `cases` row holds, so a projection never goes backwards: a write
-- with a lower version than the stored one is ignored (store/cases.ts projectCase). Cases on the
-- first engine send no version and are versioned by the length of their timeline, which only
-- grows; rows projected before this migration start from theirs.
ALTER TABLE cases ADD COLUMN version bigint NOT NULL DEFAULT 0;
UPDATE cases SET version = coalesce(jsonb_array_length(view->'timeline'), 0);
