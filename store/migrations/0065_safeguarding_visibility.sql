-- Safeguarding flags (child protection, child in need, looked after) are shown only to the roles a
-- school chooses (default: managers) and to the designated safeguarding leads, each view audited
-- (docs/security.md, "Safeguarding flags").
ALTER TABLE schools ADD COLUMN IF NOT EXISTS safeguarding_roles text[] NOT NULL DEFAULT ARRAY['manager']::text[];
ALTER TABLE users ADD COLUMN IF NOT EXISTS safeguarding_lead boolean NOT NULL DEFAULT false;
