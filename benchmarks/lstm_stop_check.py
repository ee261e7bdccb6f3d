"""How much the defaults' LSTM training buys: full default fits against one-epoch fits.

For every development task of ``defaults_study.py`` (its ``classification_tasks()``,
``forecasting_tasks()`` and, where sktime is installed, ``regression_tasks()``) and each seed,
two fits are made one after the other, each on one BLAS thread with warnings silenced:

* the default estimator (``LSTMClassifier`` or ``LSTMRegressor`` with ``random_state=seed``):
  its test score (accuracy, or RMSE by ``root_mean_squared_error``), fit seconds,
  ``network_weight_`` (the share the fitted model gives the LSTM), ``n_iter_`` and, where the
  installed sklstm has it, ``blend_weights_``;
* the same estimator with ``max_iter=1`` (one epoch): its test score, fit seconds and the same
  attributes.

The printed markdown table has one row per task: the default's mean score over seeds (with its
min and max), its ``network_weight_`` per seed, the median seconds of the default fit and of
the one-epoch fit and their ratio, the mean ``n_iter_`` and the one-epoch fit's mean score.
The raw per-seed numbers are written as JSON to ``--out``.

Run from the repository root (or anywhere): ``python benchmarks/lstm_stop_check.py``;
``--tasks Coffee digits`` runs only those tasks, ``--seeds 0 1`` only those seeds,
``--out results.json`` names the JSON file (default ``lstm_stop_check.json``).
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import root_mean_squared_error
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from defaults_study import (  # noqa: E402
    classification_tasks,
    forecasting_tasks,
    regression_tasks,
)

import sklstm  # noqa: E402
from sklstm import LSTMClassifier, LSTMRegressor  # noqa: E402


def _plain(value):
    """``value`` with NumPy scalars and arrays turned into JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def fit_once(kind, data, seed, **params):
    """One fit on one BLAS thread: test score, fit seconds and the fitted attributes."""
    X_train, y_train, X_test, y_test = data
    estimator = LSTMClassifier if kind == "classification" else LSTMRegressor
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model = estimator(random_state=seed, **params).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        if kind == "classification":
            score = model.score(X_test, y_test)
        else:
            score = root_mean_squared_error(y_test, model.predict(X_test))
    record = {
        "score": float(score),
        "seconds": seconds,
        "network_weight_": _plain(getattr(model, "network_weight_", None)),
        "n_iter_": _plain(getattr(model, "n_iter_", None)),
    }
    if hasattr(model, "blend_weights_"):
        record["blend_weights_"] = _plain(model.blend_weights_)
    return record


def _fmt(value, digits=3):
    return "-" if value is None else f"{value:.{digits}f}"


def table(results):
    """Markdown table of ``results`` (task name -> its kind and per-seed records)."""
    header = [
        "task", "metric", "score mean", "score min", "score max", "network_weight_ per seed",
        "default fit s (median)", "max_iter=1 fit s (median)", "ratio", "n_iter_ (mean)",
        "max_iter=1 score (mean)",
    ]  # fmt: skip
    rows = []
    for name, result in results.items():
        runs = result["runs"]
        scores = [r["default"]["score"] for r in runs]
        default_s = float(np.median([r["default"]["seconds"] for r in runs]))
        one_s = float(np.median([r["max_iter_1"]["seconds"] for r in runs]))
        weights = [r["default"]["network_weight_"] for r in runs]
        n_iter = [r["default"]["n_iter_"] for r in runs]
        rows.append([
            name,
            "accuracy" if result["kind"] == "classification" else "RMSE",
            _fmt(np.mean(scores)), _fmt(min(scores)), _fmt(max(scores)),
            ", ".join(_fmt(w, 2) for w in weights),
            _fmt(default_s, 2), _fmt(one_s, 2), _fmt(default_s / one_s, 1),
            _fmt(np.mean(n_iter), 1) if None not in n_iter else "-",
            _fmt(np.mean([r["max_iter_1"]["score"] for r in runs])),
        ])  # fmt: skip
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"]
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="*", help="only these tasks (defaults_study names)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2], help="random_state")
    parser.add_argument("--out", default="lstm_stop_check.json", help="JSON of the raw numbers")
    args = parser.parse_args()

    tasks = [("classification", n, d) for n, d in classification_tasks().items()]
    tasks += [("forecasting", n, d) for n, d in forecasting_tasks().items()]
    tasks += [("regression", n, d) for n, d in regression_tasks().items()]
    if args.tasks:
        unknown = set(args.tasks) - {name for _, name, _ in tasks}
        if unknown:
            parser.error(f"unknown tasks: {sorted(unknown)}")
        tasks = [t for t in tasks if t[1] in args.tasks]

    results = {}
    meta = {"sklstm_version": sklstm.__version__, "sklstm_file": sklstm.__file__,
            "seeds": args.seeds}  # fmt: skip
    start = time.perf_counter()
    for kind, name, data in tasks:
        runs = []
        for seed in args.seeds:
            default = fit_once(kind, data, seed)
            one_epoch = fit_once(kind, data, seed, max_iter=1)
            runs.append({"seed": seed, "default": default, "max_iter_1": one_epoch})
            print(
                f"{name} seed {seed}: score {default['score']:.3f} in {default['seconds']:.1f} s "
                f"({default['n_iter_']} epochs, network_weight_ {default['network_weight_']}); "
                f"max_iter=1 {one_epoch['score']:.3f} in {one_epoch['seconds']:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        results[name] = {"kind": kind, "runs": runs}
        with open(args.out, "w") as f:  # after every task, so a stopped run keeps its numbers
            json.dump({"meta": meta, "tasks": results}, f, indent=1)
    print(table(results))
    total = time.perf_counter() - start
    print(
        f"\nsklstm {sklstm.__version__}; seeds {args.seeds}; fits on one BLAS thread, one at a "
        f"time; default fit then max_iter=1 fit per seed. Total {total:.0f} s."
    )


if __name__ == "__main__":
    main()
