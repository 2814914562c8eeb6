-- The order page lists the repeats of an order (repeat_of); without this
-- index each lookup scanned the whole work_orders table (23 ms at 10,000
-- orders, found by `wuye bench run --workload W3`). Partial: almost no order
-- is a repeat.
CREATE INDEX work_orders_repeat_of_idx ON work_orders (repeat_of) WHERE repeat_of IS NOT NULL;
