"""How a fit's time and peak memory grow as n_timesteps, n_samples and hidden size double.

From a base shape, one quantity doubles at a time; each row prints the fit time (median of
``--repeats`` fits) and the peak of NumPy's allocations during a fit (``tracemalloc``, a separate
fit), and the growth factor against the row before. Linear growth shows as a factor near 2 for
n_timesteps and n_samples. The network reads every step (``patch_size=1``), so that
n_timesteps is what the LSTM loops over.

Run: ``python benchmarks/bench_scaling.py [--repeats 3] [--epochs 2]``.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMRegressor

BASE = {"n_samples": 256, "n_timesteps": 50, "hidden": 32}
N_FEATURES, BATCH = 4, 64
DOUBLINGS = 4


def fit_once(n_samples, n_timesteps, hidden, epochs, trace):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n_samples, n_timesteps, N_FEATURES))
    y = X[:, -5:, 0].sum(axis=1)
    model = LSTMRegressor(
        hidden_layer_sizes=(hidden,), patch_size=1, batch_size=BATCH, max_iter=epochs,
        tol=0.0, n_iter_no_change=epochs + 1, standardize=False, pooling="last",
        linear_steps=0, early_stopping=False, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if trace:
            tracemalloc.start()
            model.fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            return peak
        start = time.perf_counter()
        model.fit(X, y)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    print(
        f"base: {BASE}, {N_FEATURES} features, batch {BATCH}, {args.epochs} epochs, "
        f"median of {args.repeats} fits"
    )
    print(f"{'doubling':>12} {'value':>6} {'fit s':>8} {'x':>5} {'peak MB':>9} {'x':>5}")
    for name in BASE:
        previous = None
        for k in range(DOUBLINGS):
            shape = dict(BASE, **{name: BASE[name] * 2**k})
            seconds = float(
                np.median([fit_once(**shape, epochs=args.epochs, trace=False)
                           for _ in range(args.repeats)])
            )  # fmt: skip
            peak = fit_once(**shape, epochs=args.epochs, trace=True) / 1e6
            growth = ("", "") if previous is None else (
                f"{seconds / previous[0]:.2f}", f"{peak / previous[1]:.2f}"
            )  # fmt: skip
            print(
                f"{name:>12} {shape[name]:>6} {seconds:>8.3f} {growth[0]:>5} "
                f"{peak:>9.1f} {growth[1]:>5}"
            )
            previous = (seconds, peak)


if __name__ == "__main__":
    main()
