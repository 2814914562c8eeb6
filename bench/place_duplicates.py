#!/usr/bin/env python3
"""place_duplicates.py — times the duplicate-candidate lookup of a public place
(a building) on a seeded SQLite file, as the store writes it before and after
migration 0013 (work_orders_place_recent_idx), with SQLite's own plan of each.

Usage: python3 bench/place_duplicates.py DATA_DIR/wuye.db [--places 20]
Reads only (the file is opened read-only). The "before" form is run on the
same file: without `+` on community_id SQLite can use the new index, with it
(as before 0013) it could not, and took work_orders_home_idx (home_id IS NULL).
"""
import argparse
import sqlite3
import time

ap = argparse.ArgumentParser()
ap.add_argument("db")
ap.add_argument("--places", type=int, default=20)
a = ap.parse_args()
c = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
now = c.execute("SELECT MAX(created_at) FROM work_orders").fetchone()[0]
company = c.execute("SELECT id FROM companies ORDER BY id LIMIT 1").fetchone()[0]
places = c.execute(
    "SELECT community_id, building_id FROM work_orders WHERE home_id IS NULL AND building_id IS NOT NULL "
    "GROUP BY 1, 2 ORDER BY random() LIMIT ?",
    (a.places,),
).fetchall()
head = "SELECT id, number, text, state, place_label, created_at FROM work_orders WHERE +company_id = ?1"
tail = (" AND home_id IS NULL AND building_id = ?3 AND created_at >= ?4"
        " AND state NOT IN ('resolved', 'closed', 'cancelled', 'merged') ORDER BY id DESC LIMIT 50")
forms = {
    "before 0013 (+community_id)": head + " AND +community_id = ?2" + tail,
    "after 0013": head + " AND community_id = ?2" + tail,
}
print(f"{c.execute('SELECT COUNT(*) FROM work_orders').fetchone()[0]:,} orders, {len(places)} buildings")
for name, q in forms.items():
    plan = [r[3] for r in c.execute("EXPLAIN QUERY PLAN " + q, (company, 1, 1, now))]
    t = time.perf_counter()
    rows = 0
    for community, building in places:
        rows += len(c.execute(q, (company, community, building, now - 86_400_000)).fetchall())
    ms = (time.perf_counter() - t) * 1000 / len(places)
    print(f"{name}: {ms:.2f} ms per lookup, {rows} rows; plan: {'; '.join(plan)}")
