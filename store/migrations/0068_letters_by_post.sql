-- Letters by post (docs/letters-and-messaging.md, "Letters by post").
--
-- What a letter's printed copies are drawn from, the approved words and the letterhead, so each
-- posted copy can be printed with its parent's name and address in the envelope window, and the
-- day's post printed as one batch. The recipients (jsonb) carry each posted copy's address. Letters
-- written before this have none: they went out with the "print and post" task, as before.
ALTER TABLE letters ADD COLUMN layout jsonb;

-- The day's post: a school's letters of one day.
CREATE INDEX letters_school_day_idx ON letters (school_id, sent_on);

-- Parents' postal addresses come with the roster (pupils.contacts, jsonb: `address` lines and
-- `postcode`), and a changed address changes where letters go: recorded like an email or a phone.
ALTER TABLE pupil_changes DROP CONSTRAINT pupil_changes_field_check;
ALTER TABLE pupil_changes ADD CONSTRAINT pupil_changes_field_check
  CHECK (field ~ '^(contact[0-9]+_(name|email|phone|address|postcode)|flag_(cp|lac|cin))$');
