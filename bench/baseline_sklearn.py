#!/usr/bin/env python3
"""The baseline a user would pick: scikit-learn TF-IDF + LinearSVC over jieba
words and character 1-3-grams, on the same split as wuye's classifier.

    pip install -r bench/requirements.txt
    python3 bench/baseline_sklearn.py                 # train on train.csv, score test.csv and hard_cases.csv
    python3 bench/baseline_sklearn.py --cv 5          # 5-fold cross-validation on train.csv
    python3 bench/baseline_sklearn.py --json          # one JSON object per evaluated file

Digits are replaced by '#' as in wuye (addresses must not become features).
Only the category is predicted (LinearSVC has no probabilities; top-2 uses
the decision function).
"""

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

import jieba
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "dispatch"
jieba.setLogLevel(60)


def read(path, column="category"):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    col = column if column in rows[0] else "label"
    return [r["text"] for r in rows], [r[col] for r in rows]


def norm(t):
    return re.sub(r"[0-9０-９]+", "#", t.lower())


def words(t):
    return [w for w in jieba.lcut(norm(t)) if w.strip()]


class Model:
    def __init__(self, c=1.0):
        self.word = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                    sublinear_tf=True)
        self.char = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=norm,
                                    sublinear_tf=True)
        self.svm = LinearSVC(C=c)

    def fit(self, texts, labels):
        x = hstack([self.word.fit_transform(texts), self.char.fit_transform(texts)]).tocsr()
        self.svm.fit(x, labels)
        return self

    def decision(self, texts):
        x = hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        return self.svm.decision_function(x)


def score(model, texts, gold):
    t0 = time.perf_counter()
    d = model.decision(texts)
    secs = time.perf_counter() - t0
    classes = model.svm.classes_
    order = np.argsort(-d, axis=1)
    pred = classes[order[:, 0]]
    top2 = [g in (classes[o[0]], classes[o[1]]) for g, o in zip(gold, order)]
    gold = np.array(gold)
    return {
        "n": len(gold),
        "accuracy": float(np.mean(pred == gold)),
        "top2_accuracy": float(np.mean(top2)),
        "macro_f1": float(f1_score(gold, pred, average="macro")),
        "texts_per_second": len(gold) / secs,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", type=int, default=0, help="k-fold cross-validation on train.csv")
    ap.add_argument("--train", default=str(DATA / "train.csv"))
    ap.add_argument("--eval", nargs="*", default=[str(DATA / "test.csv"), str(DATA / "hard_cases.csv")])
    ap.add_argument("--c", type=float, default=1.0, help="LinearSVC C")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    texts, labels = read(a.train)
    if a.cv:
        texts, labels = np.array(texts, dtype=object), np.array(labels)
        pred, top2 = np.empty(len(labels), dtype=object), np.zeros(len(labels), dtype=bool)
        for tr, te in StratifiedKFold(a.cv, shuffle=True, random_state=0).split(texts, labels):
            m = Model(a.c).fit(list(texts[tr]), list(labels[tr]))
            d = m.decision(list(texts[te]))
            o = np.argsort(-d, axis=1)
            pred[te] = m.svm.classes_[o[:, 0]]
            top2[te] = [g in m.svm.classes_[oo[:2]] for g, oo in zip(labels[te], o)]
        r = {"file": a.train, "folds": a.cv, "n": len(labels),
             "accuracy": float(np.mean(pred == labels)), "top2_accuracy": float(top2.mean()),
             "macro_f1": float(f1_score(labels, pred.astype(str), average="macro"))}
        print(json.dumps(r) if a.json else
              f"cv {a.cv} on {a.train}: accuracy {r['accuracy']:.4f}  top-2 {r['top2_accuracy']:.4f}  "
              f"macro-F1 {r['macro_f1']:.4f}  n {r['n']}")
        return

    t0 = time.perf_counter()
    m = Model(a.c).fit(texts, labels)
    print(f"trained on {a.train} (n {len(texts)}) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    for path in a.eval:
        et, el = read(path)
        r = score(m, et, el)
        r["file"] = path
        print(json.dumps(r) if a.json else
              f"{Path(path).name}: accuracy {r['accuracy']:.4f}  top-2 {r['top2_accuracy']:.4f}  "
              f"macro-F1 {r['macro_f1']:.4f}  n {r['n']}  {r['texts_per_second']:.0f} texts/s")


if __name__ == "__main__":
    main()
