#!/usr/bin/env python3
"""Make the fixed train/test split of the dispatch corpus.

    python3 data/dispatch/split.py

Reads parts/part_*.csv (the hand-written source, header text,category,urgency,kind),
drops exact duplicate texts (first occurrence wins) and texts that also occur in
hard_cases.csv (so the hard cases stay unseen), then takes 20% of every category
into test.csv and the rest into train.csv. Then parts/extra_*.csv, written after
the split was fixed, are appended to train.csv only (same drops, plus any text
close to one in test.csv or hard_cases.csv: difflib ratio >= 0.85), so adding
training data never re-deals test.csv nor leaks a paraphrase of a held-out row. Deterministic: a fixed seed, a fixed
input order, Python's own Mersenne Twister (stable across versions and platforms
for random.Random(int).shuffle). Standard library only.
"""

import csv
import difflib
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


NEAR = 0.85


def near_held_out(text, held):
    """A held-out text this one nearly repeats (short messages like 停水了 recur)."""
    for h in held:
        if abs(len(h) - len(text)) > len(text) * 0.3:
            continue
        m = difflib.SequenceMatcher(None, text, h)
        if m.real_quick_ratio() >= NEAR and m.quick_ratio() >= NEAR and m.ratio() >= NEAR:
            return h
    return None


def fresh(pattern, seen, hard, dropped):
    """The rows of parts/<pattern> in file order, without texts already seen
    (first occurrence wins) or also in hard_cases.csv; counts what it drops."""
    for part in sorted((HERE / "parts").glob(pattern)):
        for r in read(part):
            if r["text"] in seen:
                dropped["dup"] += 1
                continue
            seen.add(r["text"])
            if r["text"] in hard:
                dropped["hard"] += 1
                continue
            yield r


def main():
    hard = {r["text"] for r in read(HERE / "hard_cases.csv")}
    seen, dropped = set(), {"dup": 0, "hard": 0}
    rows = list(fresh("part_*.csv", seen, hard, dropped))

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

    # Training-only parts come after the split is dealt, so test.csv is the same
    # rows in the same order whatever they add.
    extra, dropped_near = 0, 0
    held = [r["text"] for r in test] + sorted(hard)
    for r in fresh("extra_*.csv", seen, hard, dropped):
        if near_held_out(r["text"], held):
            dropped_near += 1
            continue
        train.append(r)
        extra += 1

    write(HERE / "train.csv", train)
    write(HERE / "test.csv", test)
    print(
        f"{len(rows) + extra} rows ({dropped['dup']} duplicate texts and {dropped['hard']} texts also in "
        f"hard_cases.csv dropped): train {len(train)} ({extra} from extra_*.csv, {dropped_near} "
        f"near-repeats of held-out texts dropped), test {len(test)}"
    )


if __name__ == "__main__":
    main()
