#!/usr/bin/env python3
"""Apply the label conventions of README.md ("Label conventions") to the corpus.

    python3 data/dispatch/relabel.py            # apply relabel_log.csv
    python3 data/dispatch/relabel.py --check    # only say what would change

relabel_log.csv is the reviewable record of every relabelled row: the file,
the line (1 = the header), the text, the old and new category/urgency/kind and
the conventions (codes of README.md) that decided the change. This script
applies it to parts/*.csv and hard_cases.csv. Each row is found by its line
and its text must match exactly; a row that already carries the new labels is
left alone (so running it twice changes nothing), a row whose labels are
neither the old nor the new ones is an error. Line endings and quoting of each
file are kept. Standard library only.
"""

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = ["category", "urgency", "kind"]


def main():
    check = "--check" in sys.argv[1:]
    with open(HERE / "relabel_log.csv", encoding="utf-8", newline="") as f:
        log = list(csv.DictReader(f))
    by_file = {}
    for entry in log:
        by_file.setdefault(entry["file"], []).append(entry)

    changed = already = 0
    for name, entries in sorted(by_file.items()):
        path = HERE / name
        with open(path, encoding="utf-8", newline="") as f:
            raw = f.read()
        eol = "\r\n" if "\r\n" in raw else "\n"
        rows = list(csv.reader(io.StringIO(raw, newline="")))
        header = rows[0]
        col = {c: header.index(c) for c in ["text", *FIELDS]}
        for e in entries:
            line = int(e["line"])
            row = rows[line - 1]
            if row[col["text"]] != e["text"]:
                raise SystemExit(f"{name}:{line}: text differs from the log: {row[col['text']]!r}")
            now = [row[col[c]] for c in FIELDS]
            old = [e["old_" + c] for c in FIELDS]
            new = [e["new_" + c] for c in FIELDS]
            if now == new:
                already += 1
                continue
            if now != old:
                raise SystemExit(f"{name}:{line}: labels {now} are neither the logged old {old} nor new {new}")
            for c, v in zip(FIELDS, new):
                row[col[c]] = v
            changed += 1
        if not check:
            out = io.StringIO()
            csv.writer(out, lineterminator=eol).writerows(rows)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(out.getvalue())
    verb = "would change" if check else "changed"
    print(f"{len(log)} logged rows: {verb} {changed}, {already} already relabelled")


if __name__ == "__main__":
    main()
