-- A team's queue by deadline (the agent's first page, W2) reads its own
-- team's running orders in deadline order and stops after a page. Through
-- work_orders_running_idx it had to step over every other team's running
-- orders on the way: at 1,000,000 orders about 1,160 index entries for a
-- page of 51 rows (0.75 ms on SQLite). Keyed by team first, the page is a
-- page's worth of entries. It covers the same queue filters, so that the
-- orders skipped on the way cost no table reads.
CREATE INDEX work_orders_team_running_idx ON work_orders
    (team_id, next_deadline_at, id, company_id, community_id, state, assignee_id, owner_id)
    WHERE next_deadline_at IS NOT NULL;
