"""Wall time of a 12-candidate GridSearchCV over LSTMRegressor, three ways, in one run.

n_jobs=1; n_jobs=2 on joblib's default (loky) backend; and joblib's 'dask' backend on a
2-worker dask.distributed LocalCluster (processes, one thread each). Also checks that all
three give the same cv_results_ scores.

Run: ``python benchmarks/bench_scaling_out.py`` (needs the test extras: dask, distributed).
"""

import time
import warnings

import dask
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklstm import LSTMRegressor

GRID = {
    "hidden_layer_sizes": [(8,), (16,), (32,)],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-2, 3e-3],
}


def search(X, y, n_jobs=None):
    model = LSTMRegressor(max_iter=30, tol=0, random_state=0)
    start = time.perf_counter()
    result = GridSearchCV(model, GRID, cv=3, n_jobs=n_jobs).fit(X, y)
    return time.perf_counter() - start, result.cv_results_["mean_test_score"]


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((600, 30, 2))
    y = X[:, -5:, 0].sum(axis=1) + 0.1 * rng.standard_normal(600)
    n_candidates = int(np.prod([len(v) for v in GRID.values()]))
    t1, s1 = search(X, y, n_jobs=1)
    t2, s2 = search(X, y, n_jobs=2)
    # Dask's statistical profiler samples worker stacks every 10 ms, holding the GIL.
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        t3, s3 = search(X, y)
    print(f"GridSearchCV, {n_candidates} candidates x 3 folds, X {X.shape}")
    print(f"{'run':28} {'wall s':>8} {'vs n_jobs=1':>12} {'same scores':>12}")
    for name, t, s in [
        ("n_jobs=1", t1, s1),
        ("n_jobs=2 (loky)", t2, s2),
        ("LocalCluster, 2 workers", t3, s3),
    ]:
        print(f"{name:28} {t:8.1f} {t / t1:12.2f} {str(np.array_equal(s, s1)):>12}")


if __name__ == "__main__":
    main()
