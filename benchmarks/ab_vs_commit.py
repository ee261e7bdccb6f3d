"""A/B: sklstm's fit and predict times at one commit against another (or the working tree).

Runs ``bench_vs_torch.py --one sklstm SHAPE`` (its sklstm configuration, each run in its own
process) with sklstm imported from a checkout of ``--ref`` (A) and of ``--b`` (B; this tree
when not given),
interleaved run by run so that machine noise hits both alike, and prints the medians and
the ratio B/A per shape.

Run: ``python benchmarks/ab_vs_commit.py --ref HEAD~1 [--b HEAD] [--repeats 5] [--epochs 2]``
(leave the machine, and a working tree measured as B, alone while it runs).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench_vs_torch.py"
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_vs_torch import SHAPES  # noqa: E402


def measure(tree, shape_index, epochs):
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(BENCH), "--one", "sklstm", str(shape_index), "--epochs", str(epochs)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", required=True)
    parser.add_argument("--b", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "ref"
        trees = {"A": (old, args.ref)}
        new = ROOT if args.b is None else Path(tmp) / "b"
        if args.b is not None:
            trees["B"] = (new, args.b)
        for path, ref in trees.values():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path),
                            ref], check=True, capture_output=True)  # fmt: skip
        try:
            b_name = args.b or "working tree"
            print(f"A = {args.ref}, B = {b_name}; {args.epochs} epochs, median of "
                  f"{args.repeats} interleaved runs")  # fmt: skip
            print(f"{'n, T, D, H, batch':>24} | {'fit s A':>8} {'fit s B':>8} {'B/A':>5} | "
                  f"{'pred s A':>8} {'pred s B':>8} {'B/A':>5}")  # fmt: skip
            fit_ratios, pred_ratios = [], []
            for k, shape in enumerate(SHAPES):
                runs = {"A": [], "B": []}
                for _ in range(args.repeats):
                    runs["A"].append(measure(old, k, args.epochs))
                    runs["B"].append(measure(new, k, args.epochs))
                med = {t: {key: float(np.median([r[key] for r in rs])) for key in rs[0]}
                       for t, rs in runs.items()}  # fmt: skip
                fit_r = med["B"]["fit_s"] / med["A"]["fit_s"]
                pred_r = med["B"]["predict_s"] / med["A"]["predict_s"]
                fit_ratios.append(fit_r)
                pred_ratios.append(pred_r)
                label = ", ".join("ragged" if v is None else str(v) for v in shape)
                print(f"{label:>24} | {med['A']['fit_s']:8.3f} {med['B']['fit_s']:8.3f} "
                      f"{fit_r:5.2f} | {med['A']['predict_s']:8.4f} {med['B']['predict_s']:8.4f} "
                      f"{pred_r:5.2f}", flush=True)  # fmt: skip
            geo_f = float(np.exp(np.mean(np.log(fit_ratios))))
            geo_p = float(np.exp(np.mean(np.log(pred_ratios))))
            print(f"geometric mean B/A: fit {geo_f:.3f}, predict {geo_p:.3f}")
        finally:
            for path, _ in trees.values():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(path)], check=True, capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
