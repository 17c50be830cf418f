-- Pupil characteristics for the dashboard's breakdowns (docs/dashboard.md): sex, SEN provision and
-- disadvantage, as the school census records them, so a head teacher can see attendance by group.
-- sex: F or M, null when the roster does not say.
-- sen: the census SEN provision codes: N no special educational need, K SEN support, E an EHC plan.
-- pupil_premium: eligible for the pupil premium (free school meals in the last six years, looked
-- after and so on), the DfE's "disadvantaged".
ALTER TABLE pupils ADD COLUMN IF NOT EXISTS sex text CHECK (sex IN ('F', 'M'));
ALTER TABLE pupils ADD COLUMN IF NOT EXISTS sen text NOT NULL DEFAULT 'N' CHECK (sen IN ('N', 'K', 'E'));
ALTER TABLE pupils ADD COLUMN IF NOT EXISTS pupil_premium boolean NOT NULL DEFAULT false;
