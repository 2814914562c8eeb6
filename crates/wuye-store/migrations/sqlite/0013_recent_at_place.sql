-- Duplicate candidates at a public place: the open orders of the last 24
-- hours at the same building, or on the grounds, of one community. Through
-- work_orders_home_idx (home_id first) `home_id IS NULL` matched every
-- public-place order of the company, of all time: about half of all orders,
-- read and filtered on each new public-place order and on each duplicate
-- check of the desk's form (9 ms at 10,000 orders, growing with the table).
-- Keyed by the place and then the time, the lookup reads the place's last
-- day only. Orders at a home keep work_orders_home_idx: a home has few.
CREATE INDEX work_orders_place_recent_idx ON work_orders
    (community_id, building_id, created_at)
    WHERE home_id IS NULL;
