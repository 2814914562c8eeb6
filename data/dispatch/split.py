#!/usr/bin/env python3
"""Make the fixed train/test split of the dispatch corpus.

    python3 data/dispatch/split.py

Reads parts/part_*.csv (the hand-written source, header text,category,urgency,kind),
drops exact duplicate texts (first occurrence wins) and texts that also occur in
hard_cases.csv (so the hard cases stay unseen), then takes 20% of every category
into test.csv and the rest into train.csv. Deterministic: a fixed seed, a fixed
input order, Python's own Mersenne Twister (stable across versions and platforms
for random.Random(int).shuffle). Standard library only.
"""

import csv
import random
from pathlib import Path

SEED = 20261127
TEST_SHARE = 0.2
HERE = Path(__file__).resolve().parent
FIELDS = ["text", "category", "urgency", "kind"]


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != FIELDS:
            raise SystemExit(f"{path}: header must be {','.join(FIELDS)}, got {reader.fieldnames}")
        return [{k: row[k].strip() if k != "text" else row[k] for k in FIELDS} for row in reader]


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main():
    hard = {r["text"] for r in read(HERE / "hard_cases.csv")}
    seen, rows, dropped_dup, dropped_hard = set(), [], 0, 0
    for part in sorted((HERE / "parts").glob("part_*.csv")):
        for r in read(part):
            if r["text"] in seen:
                dropped_dup += 1
                continue
            seen.add(r["text"])
            if r["text"] in hard:
                dropped_hard += 1
                continue
            rows.append(r)

    by_cat = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    rng = random.Random(SEED)
    train, test = [], []
    for cat in sorted(by_cat):
        group = by_cat[cat][:]
        rng.shuffle(group)
        n_test = round(len(group) * TEST_SHARE)
        test_ids = {id(r) for r in group[:n_test]}
        # Keep the source order inside each file so diffs stay readable.
        for r in by_cat[cat]:
            (test if id(r) in test_ids else train).append(r)

    write(HERE / "train.csv", train)
    write(HERE / "test.csv", test)
    print(
        f"{len(rows)} rows ({dropped_dup} duplicate texts and {dropped_hard} texts also in "
        f"hard_cases.csv dropped): train {len(train)}, test {len(test)}"
    )


if __name__ == "__main__":
    main()
