-- Staff tasks have an owner and an outcome: a task is done when someone records what happened,
-- with who and when (engine 2; docs/cases.md "Tasks").
ALTER TABLE staff_tasks ADD COLUMN owner text;
ALTER TABLE staff_tasks ADD COLUMN outcome text;
ALTER TABLE staff_tasks ADD COLUMN outcome_note text;
ALTER TABLE staff_tasks ADD COLUMN completed_by text;
ALTER TABLE staff_tasks ADD COLUMN completed_on date;
