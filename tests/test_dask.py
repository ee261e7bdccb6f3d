"""sklstm on Dask: a real LocalCluster (2 worker processes), tuning, out-of-core training and
distributed prediction."""

import os

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental, ParallelPostFit
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate
from threadpoolctl import threadpool_info, threadpool_limits

from sklstm import LSTMClassifier, LSTMRegressor


@pytest.fixture(scope="module")
def client():
    # LocalCluster sets OPENBLAS_NUM_THREADS=1 (and more) in os.environ for its workers;
    # put the parent's environment back so later tests' subprocesses are unaffected.
    environ = dict(os.environ)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
    os.environ.clear()
    os.environ.update(environ)


pytestmark = pytest.mark.usefixtures("quiet_convergence")


def sequences(n, T=12, D=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, T, D))
    return X, X[:, -4:, 0].sum(axis=1) + 0.1 * rng.standard_normal(n)


GRID = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]}


def test_grid_search_on_cluster_equals_serial(client):
    X, y = sequences(90)
    model = LSTMRegressor(max_iter=8, random_state=0)
    # Bit for bit needs BLAS on one thread here too, as on the workers: float32 products
    # round differently on another number of threads.
    with threadpool_limits(1, user_api="blas"):
        serial = GridSearchCV(model, GRID, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        distributed = GridSearchCV(model, GRID, cv=3).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], distributed.cv_results_[key])
    np.testing.assert_array_equal(serial.predict(X), distributed.predict(X))


def test_randomized_search_and_cross_validate_on_cluster(client):
    X, y = sequences(60, seed=1)
    labels = np.where(y > 0, "up", "down")
    model = LSTMClassifier(max_iter=5, random_state=0)
    search = RandomizedSearchCV(model, GRID, n_iter=3, cv=2, random_state=0)
    with threadpool_limits(1, user_api="blas"):  # as on the workers
        serial_cv = cross_validate(model, X, labels, cv=3)
        serial_search = search.fit(X, labels).cv_results_["mean_test_score"]
    with joblib.parallel_backend("dask"):
        dask_cv = cross_validate(model, X, labels, cv=3)
        dask_search = search.fit(X, labels).cv_results_["mean_test_score"]
    np.testing.assert_array_equal(serial_cv["test_score"], dask_cv["test_score"])
    np.testing.assert_array_equal(serial_search, dask_search)


def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_workers_run_blas_on_one_thread(client):
    # Two single-threaded workers on two cores: no oversubscription.
    per_worker = client.run(_blas_threads)
    assert len(per_worker) == 2
    assert all(threads and max(threads) == 1 for threads in per_worker.values())
    with joblib.parallel_backend("loky", n_jobs=2):
        loky = joblib.Parallel()(joblib.delayed(_blas_threads)() for _ in range(2))
    assert all(max(threads) == 1 for threads in loky)


def test_incremental_over_ten_chunks_matches_full_fit(client):
    X, y = sequences(1000, seed=2)
    X_test, y_test = sequences(300, seed=3)
    # dask-ml's Incremental handles 2D arrays: each row holds T steps of D features.
    flat, flat_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    params = dict(hidden_layer_sizes=(16,), features_per_step=2, random_state=0)
    epochs = 8
    full = LSTMRegressor(max_iter=epochs, tol=0, **params).fit(flat, y)
    X_dask = da.from_array(flat, chunks=(100, flat.shape[1]))
    y_dask = da.from_array(y, chunks=100)
    assert X_dask.numblocks[0] == 10
    incremental = Incremental(LSTMRegressor(**params), shuffle_blocks=False)
    for _ in range(epochs):
        incremental.partial_fit(X_dask, y_dask)
    full_score = full.score(flat_test, y_test)
    chunked_score = incremental.estimator_.score(flat_test, y_test)
    assert full_score > 0.8
    assert chunked_score >= 0.95 * full_score, (chunked_score, full_score)


def test_parallel_post_fit_prediction_equals_in_memory_bit_for_bit(client):
    X, y = sequences(200, seed=4)
    model = LSTMRegressor(max_iter=5, random_state=0).fit(X[:, :, 0], y)
    block = model._predict_block_rows()
    X_big, _ = sequences(3 * block + 100, seed=5)
    flat = X_big[:, :, 0]
    # Bit for bit needs the same floating-point work: chunks aligned with the blocks
    # sklstm predicts in (each on one BLAS thread, here in two threads; one at a time on
    # the single-threaded workers).
    X_dask = da.from_array(flat, chunks=(block, flat.shape[1]))
    assert X_dask.numblocks[0] == 4
    distributed = ParallelPostFit(model).predict(X_dask).compute()
    in_memory = model.predict(flat)
    np.testing.assert_array_equal(distributed, in_memory)


def test_map_blocks_prediction_of_3d_sequences_bit_for_bit(client):
    X, y = sequences(200, seed=6)
    labels = np.where(y > 0, "up", "down")
    model = LSTMClassifier(max_iter=5, random_state=0).fit(X, labels)
    block = model._predict_block_rows()
    X_big, _ = sequences(2 * block + 37, seed=7)
    X_dask = da.from_array(X_big, chunks=(block, 12, 2))
    proba = X_dask.map_blocks(
        model.predict_proba, drop_axis=2, chunks=(X_dask.chunks[0], (2,)), dtype=float
    )
    np.testing.assert_array_equal(proba.compute(), model.predict_proba(X_big))
