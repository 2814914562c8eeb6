-- Read paths found slow by `wuye bench` on 1,000,000 orders.
--
-- The order page lists the repeats of an order (repeat_of); without an index
-- each lookup scanned work_orders (23 ms at 10,000 orders). Partial: almost
-- no order is a repeat.
CREATE INDEX work_orders_repeat_of_idx ON work_orders (repeat_of) WHERE repeat_of IS NOT NULL;

-- The dashboard sums a period's rollup cells per metric; with num and den in
-- the index it reads the index alone instead of a table row per cell
-- (a month is about 400,000 cells at 1,000,000 orders).
CREATE INDEX kpi_rollups_day_cover_idx ON kpi_rollups (company_id, day, metric, num, den);
DROP INDEX kpi_rollups_day_idx;
