"""Which defaults give good models on a first try: sklstm's candidates against baselines.

Tasks (real data copied into ``benchmarks/data/`` and ``examples/data/``, and scikit-learn's
digits):

* classification, official train/test splits: UCR Coffee (28 + 28 sequences of 286 steps),
  Chinatown_small (20 + 22 of 24), PigCVP (104 + 208 of 2,000, 52 classes), Trace (100 + 100
  of 275), PLAID (537 + 537 ragged sequences of 100-1,344 steps); digits read as
  8 rows of 8 pixels (stratified 75/25 split, ``random_state=0``). Score: test accuracy.
* one-step forecasting, chronological 80/20 split of the windows: uschange (next quarter's
  consumption from the last 8 quarters of all 5 series), shampoo (next month from the last 6),
  solar (next half hour from the last 24), taylor (next half hour of electricity demand from
  the last day, 48 values, or the last week, 336), canadian_gas, h02, wineind and elecequip
  (next month from the last 24). Score: test RMSE.
* regression, official train/test split, where sktime is installed (it ships the data):
  Tecator (172 + 43 near-infrared spectra of 100 wavelengths, read as steps, to the meat's
  fat content). Score: test RMSE.

Baselines: 1-nearest-neighbour (Euclidean, on the flattened sequences) for classification;
``RidgeCV`` on the standardized flattened windows for forecasting and regression, and the
seasonal naive forecast (the value one season before) where the window holds it; and a
reference PyTorch LSTM (one ``nn.LSTM`` layer of 64 units, linear head on the last hidden
state, Adam at 1e-2, batch 64, gradient-norm clip 1, 200 epochs, float32), mean over 3
seeds, classification only;
and aeon's MiniRocket (``MiniRocketClassifier`` / ``MiniRocketRegressor`` with their defaults,
Dempster et al. 2021; ragged sets right-padded with zeros), mean over 3 seeds with its
fit+predict seconds, where aeon is installed (``pip install aeon==1.6.0``, benchmark-only).

Each sklstm candidate is the default estimator with some parameters changed; ``default`` is
the package's defaults. Every cell is the mean over seeds 0, 1, 2 (``random_state``), and the
default's worst seed is shown too.

Run: ``python benchmarks/defaults_study.py`` (the reference LSTM needs
``pip install torch==2.13.0``; without torch its column is left out). ``--quick`` runs only
the defaults; ``--jobs`` runs that many fits at once, each on one BLAS thread.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklstm import LSTMClassifier, LSTMRegressor

ROOT = Path(__file__).resolve().parent.parent
DATA_DIRS = [ROOT / "benchmarks" / "data", ROOT / "examples" / "data"]
SEEDS = (0, 1, 2)

# Candidate defaults: name -> parameters changed from the package's defaults.
CANDIDATES = {
    "default": {},
    "last": {"pooling": "last"},
    "mean": {"pooling": "mean"},
    "patience 10": {"n_iter_no_change": 10},
    "batch 8": {"batch_size": 8},
    "bidirectional": {"bidirectional": True},
    "one direction": {"bidirectional": False},
    "patches to 64": {"patch_size": "auto64"},
    "no patches": {"patch_size": 1},
    "not standardized": {"standardize": False},
    "float64": {"dtype": "float64"},
    "no ridge": {"linear_steps": 0},
    "ridge alpha 1": {"linear_alpha": 1.0},
    "ridge alpha 100": {"linear_alpha": 100.0},
    "no early stopping": {"early_stopping": False, "n_iter_no_change": 30},
    "early stopping": {"early_stopping": True, "n_iter_no_change": 10},
    "conv front end": {"conv_filters": (32, 32, 32), "conv_kernel_sizes": (7, 5, 3)},
    "no random kernels": {"random_kernels": 0},
    "random kernels always": {"random_kernels": 10_000},
}
# Candidates that concern one estimator only: the ridge is LSTMRegressor's, and each
# estimator's direction and early-stopping defaults are the other's candidates. "forecasting"
# is the regressor's kind of task (forecasts and Tecator).
ONLY = {
    "bidirectional": "forecasting",
    "one direction": "classification",
    "no ridge": "forecasting",
    "ridge alpha 1": "forecasting",
    "ridge alpha 100": "forecasting",
    "no early stopping": "forecasting",
    "early stopping": "classification",
}


def _load(name):
    for folder in DATA_DIRS:
        if (folder / f"{name}.npz").exists():
            with np.load(folder / f"{name}.npz") as data:
                return {key: data[key] for key in data.files}
    raise FileNotFoundError(f"{name}.npz is in none of {[str(d) for d in DATA_DIRS]}")


def classification_tasks():
    """name -> (X_train, y_train, X_test, y_test), X of shape (n, T, D)."""
    tasks = {}
    for name in ("Coffee", "Chinatown_small", "PigCVP", "Trace"):
        d = _load(name)
        tasks[name] = (d["X_train"], d["y_train"], d["X_test"], d["y_test"])
    d = _load("PLAID")  # ragged: lists of sequences, the NaN padding cut off
    X_train = [x[:n] for x, n in zip(d["X_train"], d["lengths_train"])]
    X_test = [x[:n] for x, n in zip(d["X_test"], d["lengths_test"])]
    tasks["PLAID"] = (X_train, d["y_train"], X_test, d["y_test"])
    digits = load_digits()
    X = digits.images.astype(np.float32)  # (n, 8 rows as steps, 8 pixels as features)
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    tasks["digits"] = (X_train, y_train, X_test, y_test)
    return tasks


def _windows(series, target, lags):
    """Rows of ``lags`` past steps of ``series`` and the next value of ``target``."""
    series = series.reshape(len(series), -1)
    X = np.stack([series[t - lags : t] for t in range(lags, len(series))])
    y = target[lags:]
    split = int(0.8 * len(X))
    return X[:split], y[:split], X[split:], y[split:]


# Univariate series forecast one step ahead from their last `lags` values, and the season
# of each (steps between a value and the same moment of the previous cycle) for the seasonal
# naive forecast. taylor is half-hourly: windows of a day and of a week.
SERIES_TASKS = {
    "shampoo": ("shampoo", 6, 12),
    "solar": ("solar", 24, 48),
    "taylor_day": ("taylor", 48, 48),
    "taylor_week": ("taylor", 336, 336),
    "canadian_gas": ("canadian_gas", 24, 12),
    "h02": ("h02", 24, 12),
    "wineind": ("wineind", 24, 12),
    "elecequip": ("elecequip", 24, 12),
}


def forecasting_tasks():
    """name -> (X_train, y_train, X_test, y_test), X of shape (n, lags, D)."""
    uschange = _load("uschange")
    columns = list(uschange["columns"])
    consumption = uschange["series"][:, columns.index("Consumption")]
    tasks = {"uschange": _windows(uschange["series"], consumption, 8)}
    for name, (file, lags, _) in SERIES_TASKS.items():
        series = _load(file)["series"].astype(np.float64)
        tasks[name] = _windows(series, series, lags)
    return tasks


def regression_tasks():
    """name -> (X_train, y_train, X_test, y_test): Tecator, where sktime is installed."""
    try:
        from sktime.datasets import load_tecator
    except ImportError:
        return {}
    X_train, y_train = load_tecator(split="train", return_type="numpy3D")
    X_test, y_test = load_tecator(split="test", return_type="numpy3D")
    # sktime's layout is (n, features, steps)
    return {"Tecator": (X_train.transpose(0, 2, 1), y_train.astype(np.float64),
                        X_test.transpose(0, 2, 1), y_test.astype(np.float64))}  # fmt: skip


def seasonal_naive(name, data):
    """RMSE of forecasting each value by the one a season before, when the window holds it."""
    if name not in SERIES_TASKS or SERIES_TASKS[name][2] > SERIES_TASKS[name][1]:
        return None
    _, lags, season = SERIES_TASKS[name]
    X_test, y_test = data[2], data[3]
    return root_mean_squared_error(y_test, X_test[:, lags - season, 0])


def _flat(X):
    return X.reshape(len(X), -1)


def _equal_length(X_train, X_test):
    """Ragged lists right-padded with zeros to one length (what 1-NN and MiniRocket need)."""
    if not isinstance(X_train, list):
        return X_train, X_test
    length = max(len(x) for x in X_train + X_test)

    def pad(X):
        out = np.zeros((len(X), length, X[0].shape[1]))
        for k, x in enumerate(X):
            out[k, : len(x)] = x
        return out

    return pad(X_train), pad(X_test)


def one_nn(X_train, y_train, X_test, y_test):
    X_train, X_test = _equal_length(X_train, X_test)
    model = KNeighborsClassifier(n_neighbors=1).fit(_flat(X_train), y_train)
    return model.score(_flat(X_test), y_test)


def fit_minirocket(kind, seed, data):
    """Score of aeon's MiniRocket (its defaults) and its fit+predict seconds."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.regression.convolution_based import MiniRocketRegressor

    X_train, y_train, X_test, y_test = data
    X_train, X_test = _equal_length(X_train, X_test)
    X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)  # aeon's layout
    short = max(0, 9 - X_train.shape[2])  # MiniRocket's kernels span 9 steps: pad with zeros
    X_train, X_test = (np.pad(X, ((0, 0), (0, 0), (0, short))) for X in (X_train, X_test))
    start = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "classification":
            model = MiniRocketClassifier(random_state=seed).fit(X_train, y_train)
            return model.score(X_test, y_test), time.perf_counter() - start
        model = MiniRocketRegressor(random_state=seed).fit(X_train, y_train)
        pred = model.predict(X_test)
    return root_mean_squared_error(y_test, pred), time.perf_counter() - start


def _have_aeon():
    try:
        import aeon  # noqa: F401
    except ImportError:
        return False
    return True


def ridge(X_train, y_train, X_test, y_test):
    model = make_pipeline(StandardScaler(), RidgeCV()).fit(_flat(X_train), y_train)
    return root_mean_squared_error(y_test, model.predict(_flat(X_test)))


def _params(candidate, n_timesteps):
    params = dict(CANDIDATES[candidate])
    if params.get("patch_size") == "auto64":
        params["patch_size"] = max(1, -(-n_timesteps // 64))
    return params


def _n_timesteps(X):
    return max(len(x) for x in X) if isinstance(X, list) else X.shape[1]


def _too_slow(candidate, data):
    """Unpatched 2,000-step sequences take about 11 minutes a fit: left out of the table."""
    return CANDIDATES[candidate].get("patch_size") == 1 and _n_timesteps(data[0]) > 1000


def _skipped(candidate, kind, data):
    return _too_slow(candidate, data) or ONLY.get(candidate, kind) != kind


def fit_sklstm(kind, params, seed, data):
    """Score of one sklstm fit with ``params`` changed from the defaults, and its seconds."""
    X_train, y_train, X_test, y_test = data
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        if kind == "classification":
            model = LSTMClassifier(random_state=seed, **params).fit(X_train, y_train)
            seconds = time.perf_counter() - start
            return model.score(X_test, y_test), seconds
        model = LSTMRegressor(random_state=seed, **params).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        return root_mean_squared_error(y_test, model.predict(X_test)), seconds


def fit_torch_reference(seed, data, epochs=200):
    """Test accuracy of the reference PyTorch LSTM (see the module docstring)."""
    import torch
    from torch import nn

    X_train, y_train, X_test, y_test = data
    classes, y_index = np.unique(y_train, return_inverse=True)
    torch.manual_seed(seed)
    torch.set_num_threads(1)

    class Reference(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.lstm = nn.LSTM(n_features, 64, batch_first=True)
            self.head = nn.Linear(64, n_classes)

        def forward(self, X):
            _, (h, _) = self.lstm(X)
            return self.head(h[-1])

    model = Reference(X_train.shape[2], len(classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    X = torch.from_numpy(np.array(X_train, dtype=np.float32))
    y = torch.as_tensor(y_index)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=generator).split(64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    with torch.no_grad():
        pred = model(torch.from_numpy(np.array(X_test, dtype=np.float32))).argmax(1).numpy()
    return float(np.mean(classes[pred] == y_test))


def _have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the package's defaults")
    parser.add_argument("--no-torch", action="store_true", help="leave out the reference LSTM")
    parser.add_argument("--no-minirocket", action="store_true", help="leave out MiniRocket")
    parser.add_argument("--jobs", type=int, default=2, help="fits run at once")
    parser.add_argument("--tasks", nargs="*", help="only these tasks")
    parser.add_argument("--candidates", nargs="*", choices=list(CANDIDATES), help="only these")
    args = parser.parse_args()

    candidates = ["default"] if args.quick else list(CANDIDATES)
    if args.candidates:
        candidates = ["default"] + [c for c in args.candidates if c != "default"]
    tasks = [("classification", n, d) for n, d in classification_tasks().items()]
    tasks += [("forecasting", n, d) for n, d in forecasting_tasks().items()]
    tasks += [("forecasting", n, d) for n, d in regression_tasks().items()]
    if args.tasks:
        tasks = [t for t in tasks if t[1] in args.tasks]
    torch_ok = _have_torch() and not args.no_torch
    minirocket_ok = _have_aeon() and not args.no_minirocket
    if minirocket_ok:  # numba compiles MiniRocket at its first call (about 30 s): not timed
        fit_minirocket("classification", 0, classification_tasks()["Chinatown_small"])

    jobs = []
    for kind, name, data in tasks:
        for candidate in candidates:
            if _skipped(candidate, kind, data):
                continue
            for seed in SEEDS:
                jobs.append(
                    (
                        ("sklstm", name, candidate, seed),
                        fit_sklstm,
                        (kind, _params(candidate, _n_timesteps(data[0])), seed, data),
                    )
                )
        if minirocket_ok:
            for seed in SEEDS:
                jobs.append((("minirocket", name, None, seed), fit_minirocket, (kind, seed, data)))
        if torch_ok and kind == "classification":
            for seed in SEEDS:
                jobs.append((("torch", name, None, seed), fit_torch_reference, (seed, data)))
    start = time.perf_counter()
    results = Parallel(n_jobs=args.jobs)(delayed(f)(*a) for _, f, a in jobs)
    by_key = dict(zip((key for key, _, _ in jobs), results))

    header = ["task", "score", "baseline", "seasonal naive"]
    header += ["torch LSTM"] if torch_ok else []
    header += ["MiniRocket", "MiniRocket s"] if minirocket_ok else []
    header += candidates + ["default worst", "default fit s"]
    rows = []
    for kind, name, data in tasks:
        score = "accuracy" if kind == "classification" else "RMSE"
        baseline = one_nn(*data) if kind == "classification" else ridge(*data)
        naive = seasonal_naive(name, data) if kind == "forecasting" else None
        row = [name, score, f"{baseline:.3f}", "-" if naive is None else f"{naive:.3f}"]
        if torch_ok:
            row.append(
                f"{np.mean([by_key['torch', name, None, s] for s in SEEDS]):.3f}"
                if kind == "classification" else "-"
            )  # fmt: skip
        if minirocket_ok:
            runs = [by_key["minirocket", name, None, s] for s in SEEDS]
            row.append(f"{np.mean([score for score, _ in runs]):.3f}")
            row.append(f"{np.mean([t for _, t in runs]):.1f}")
        for candidate in candidates:
            if _skipped(candidate, kind, data):
                row.append("(slow)" if _too_slow(candidate, data) else "-")
                continue
            scores = [by_key["sklstm", name, candidate, s][0] for s in SEEDS]
            row.append(f"{np.mean(scores):.3f}")
        default = [by_key["sklstm", name, "default", s] for s in SEEDS]
        worst = min if kind == "classification" else max
        row.append(f"{worst(s for s, _ in default):.3f}")
        row.append(f"{np.mean([t for _, t in default]):.1f}")
        rows.append(row)

    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    print(
        f"\nBaseline: 1-NN (accuracy) or RidgeCV (RMSE). Cells: mean over seeds {SEEDS}; "
        f"fit seconds on one BLAS thread, {args.jobs} fits at once. (slow): not run, "
        "over 10 minutes a fit. -: a candidate for the other estimator. "
        f"Total {time.perf_counter() - start:.0f} s."
    )


if __name__ == "__main__":
    main()
