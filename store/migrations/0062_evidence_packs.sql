-- Evidence packs (docs/evidence-pack.md): each generation kept, with its manifest (every file's
-- SHA-256) and the pack's own hash, who generated and who approved it, and the zip itself.
CREATE TABLE evidence_packs (
  id uuid PRIMARY KEY,
  case_id text NOT NULL,
  school_id text NOT NULL REFERENCES schools (id),
  generated_by text NOT NULL,
  generated_at timestamptz NOT NULL DEFAULT now(),
  pack_hash text NOT NULL,
  manifest jsonb NOT NULL,
  zip bytea NOT NULL,
  approved_by text,
  approved_at timestamptz,
  -- The draft a manager approved (the approved pack is generated again with its sign-off).
  draft_of uuid REFERENCES evidence_packs (id)
);
CREATE INDEX evidence_packs_by_case ON evidence_packs (case_id, generated_at);
