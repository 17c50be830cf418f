-- The case list's default order (next action first, then the most severe stage: CASE_SORTS.next in
-- store/cases.ts) over the active cases. A page near the front is read in this order and the read
-- stops after it, instead of every case in scope being sorted for each page of 50: across a council's
-- 20,000 cases that sort took 150 ms and more (docs/benchmarks.md, "Cluster (issue 15)").
CREATE INDEX IF NOT EXISTS cases_active_next_idx
  ON cases (next_action_on, stage_rank DESC NULLS LAST, case_id) WHERE status <> 'closed';
