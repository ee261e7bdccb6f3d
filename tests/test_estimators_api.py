"""Estimator behaviour users rely on: inputs, targets, weights, persistence, reproducibility."""

import hashlib
import io
import pickle
import re
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from threadpoolctl import threadpool_info

from sklstm import LSTMClassifier, LSTMRegressor

# The same training for both estimators: the regressor's defaults stop early on a
# validation score after 10 stalled epochs, the classifier's after 30 on the training loss.
FAST = dict(
    hidden_layer_sizes=(8,), max_iter=30, random_state=0, early_stopping=False, n_iter_no_change=30
)
WITH_EARLY_STOPPING = {**FAST, "early_stopping": True}


pytestmark = pytest.mark.usefixtures("quiet_convergence")


def regression_data(n=60, T=7, D=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, T, D))
    return X, X.sum(axis=(1, 2))


def fingerprint(model, X):
    h = hashlib.sha256()
    for p in model.coefs_:
        h.update(p.tobytes())
    h.update(np.asarray(model.predict(X)).tobytes())
    return h.hexdigest()


# ------------------------------------------------------------------- inputs
def test_2d_array_and_dataframe_read_as_univariate_sequences():
    X, y = regression_data(D=1)
    X2 = X[:, :, 0]
    a = LSTMRegressor(**FAST).fit(X, y)
    b = LSTMRegressor(**FAST).fit(X2, y)
    frame = pd.DataFrame(X2, columns=[f"t{k}" for k in range(7)])
    c = LSTMRegressor(**FAST).fit(frame, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X2))
    np.testing.assert_array_equal(a.predict(X), c.predict(frame))
    assert b.n_features_in_ == 7 and a.n_features_in_ == 1
    assert list(c.feature_names_in_) == [f"t{k}" for k in range(7)]


def test_features_per_step_reads_2d_blocks():
    X, y = regression_data(D=3)
    a = LSTMRegressor(**FAST).fit(X, y)
    b = LSTMRegressor(features_per_step=3, **FAST).fit(X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X.reshape(len(X), -1)))
    with pytest.raises(ValueError, match="not a multiple of features_per_step=4"):
        LSTMRegressor(features_per_step=4).fit(X.reshape(len(X), -1), y)


def test_newest_first_reads_lag_columns_forward_in_time():
    # skforecast's rows: lag_1 (the newest step) first. Reversed steps read newest_first
    # give the same model as the steps in time order.
    X, y = regression_data(D=2)
    in_order = X.reshape(len(X), -1)
    newest = X[:, ::-1].reshape(len(X), -1)
    a = LSTMRegressor(features_per_step=2, **FAST).fit(in_order, y)
    b = LSTMRegressor(features_per_step=2, newest_first=True, **FAST).fit(newest, y)
    np.testing.assert_array_equal(a.predict(in_order), b.predict(newest))
    for p, q in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(p, q)
    c = LSTMRegressor(features_per_step=2, **FAST).fit(newest, y)  # read backward in time
    assert not np.array_equal(a.predict(in_order), c.predict(newest))


# Exact comparisons at each dtype's resolution: where a row sits in a batch changes how
# BLAS rounds its products, which float32 shows at ~1e-7 and float64 at ~1e-16.
EXACT = pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5)])


@EXACT
def test_ragged_list_equals_each_sequence_alone(dtype, rtol):
    rng = np.random.RandomState(1)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 9, 5, 1, 7)]
    y = np.array([s.sum() for s in seqs])
    model = LSTMRegressor(dtype=dtype, **FAST).fit(seqs, y)
    together = model.predict(seqs)
    alone = [model.predict(s[None])[0] for s in seqs]
    np.testing.assert_allclose(together, alone, rtol=rtol)
    # Padding the model can see would change what the short sequences give.
    padded = np.zeros((5, 9, 2))
    for k, s in enumerate(seqs):
        padded[k, : len(s)] = s
    assert not np.allclose(model.predict(padded), together)


def test_ragged_list_of_1d_sequences():
    rng = np.random.RandomState(2)
    seqs = [rng.standard_normal(n) for n in (4, 6, 2)]
    model = LSTMRegressor(**FAST).fit(seqs, [1.0, 2.0, 3.0])
    assert model.n_features_in_ == 1
    assert model.predict(seqs).shape == (3,)


def test_ragged_sequences_with_different_feature_counts_are_rejected():
    with pytest.raises(ValueError, match="different numbers of features"):
        LSTMRegressor().fit([np.zeros((3, 2)), np.zeros((4, 3))], [0.0, 1.0])


def test_wrong_feature_count_at_predict():
    X, y = regression_data(D=2)
    model = LSTMRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="fitted with 2 features per step"):
        model.predict(np.zeros((2, 7, 3)))


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LSTMClassifier().predict(np.zeros((2, 3, 1)))


def test_3d_predict_on_other_lengths():
    X, y = regression_data(T=7)
    model = LSTMRegressor(**FAST).fit(X, y)
    assert model.predict(np.zeros((3, 20, 2))).shape == (3,)


# ------------------------------------------------------------------ targets
def test_multi_output_regression():
    X, y = regression_data()
    Y = np.column_stack([y, -2 * y])
    model = LSTMRegressor(**FAST).fit(X, Y)
    assert model.predict(X).shape == (60, 2)
    assert model.n_outputs_ == 2


def test_per_step_targets_for_ragged_input():
    rng = np.random.RandomState(3)
    seqs = [rng.standard_normal((n, 1)) for n in (3, 6, 4)]
    ys = [np.cumsum(s[:, 0]) for s in seqs]
    model = LSTMRegressor(return_sequences=True, **FAST).fit(seqs, ys)
    pred = model.predict(seqs)
    assert [p.shape for p in pred] == [(3,), (6,), (4,)]
    assert np.isfinite(model.score(seqs, ys))
    with pytest.raises(ValueError, match="one target per step"):
        model.fit(seqs, [y[:-1] for y in ys])


def test_per_step_targets_train_in_minibatches_shorter_than_the_longest_sequence():
    # A minibatch is cut to its own longest sequence; its per-step targets must be too
    # (this crashed with a broadcast error when a minibatch missed the longest sequence).
    rng = np.random.RandomState(5)
    seqs = [rng.standard_normal((n, 1)) for n in [3] * 8 + [12]]
    ys = [np.cumsum(s[:, 0]) for s in seqs]
    model = LSTMRegressor(return_sequences=True, batch_size=2, **FAST).fit(seqs, ys)
    assert len(model.loss_curve_) == FAST["max_iter"]
    assert np.all(np.isfinite(model.loss_curve_))
    assert [p.shape for p in model.predict(seqs)] == [(3,)] * 8 + [(12,)]


def test_per_step_classification_probabilities():
    rng = np.random.RandomState(4)
    X = rng.standard_normal((40, 5, 1))
    y = np.where(X[:, :, 0] > 0, "a", "b")
    clf = LSTMClassifier(return_sequences=True, **FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 5, 2)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X))
    assert clf.predict(X).shape == (40, 5)
    with pytest.raises(ValueError, match="return_sequences=True"):
        clf.fit(X, y[:, 0])


@pytest.mark.parametrize("labels", [["cat", "dog", "emu"], [-3, 10, 7], [0.0, 1.0, 2.0]])
def test_labels_of_any_type_come_back(labels):
    rng = np.random.RandomState(5)
    X = rng.standard_normal((60, 4, 1))
    y = np.array(labels)[rng.randint(0, 3, 60)]
    clf = LSTMClassifier(**FAST).fit(X, y)
    assert set(clf.predict(X)) <= set(labels)
    assert clf.predict(X).dtype == y.dtype
    np.testing.assert_array_equal(clf.classes_, np.unique(y))


# ------------------------------------------------------------------ weights
def test_float32_weight_equals_repeating_rows_at_float32_resolution():
    # sklearn's check_sample_weight_equivalence_on_dense_data, at float32's resolution
    # (test_common runs it in float64 at 1e-7).
    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 6, 2))
    y = X[:, -2:, 0].sum(axis=1)
    sw = rng.randint(0, 3, 30)
    params = dict(FAST, batch_size=100)  # one batch: the same gradient both ways
    weighted = LSTMRegressor(**params).fit(X, y, sample_weight=sw).predict(X)
    repeated = LSTMRegressor(**params).fit(np.repeat(X, sw, 0), np.repeat(y, sw)).predict(X)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-5, atol=1e-5 * repeated.std())


def test_float32_predictions_do_not_depend_on_row_order_beyond_rounding():
    # sklearn's check_methods_sample_order_invariance, at float32's resolution.
    rng = np.random.RandomState(1)
    X = rng.standard_normal((700, 6, 2))  # more than one prediction chunk
    model = LSTMClassifier(**FAST).fit(X[:60], X[:60, -1, 0] > 0)
    perm = rng.permutation(700)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba[perm], model.predict_proba(X[perm]), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(X)[perm], model.predict(X[perm]))


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 1e-5)])
def test_sample_weight_zero_equals_dropping_samples(dtype, rtol):
    X, y = regression_data(n=20)
    sw = np.ones(20)
    sw[:5] = 0
    a = LSTMRegressor(dtype=dtype, **FAST).fit(X, y, sample_weight=sw)
    b = LSTMRegressor(dtype=dtype, **FAST).fit(X[5:], y[5:])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=rtol)


def test_class_weight_shifts_predictions():
    rng = np.random.RandomState(6)
    X = rng.standard_normal((120, 4, 1))
    y = np.where(rng.uniform(size=120) < 0.2, "rare", "common")  # labels are noise
    plain = LSTMClassifier(**FAST).fit(X, y)
    heavy = LSTMClassifier(class_weight={"rare": 10.0}, **FAST).fit(X, y)
    assert (heavy.predict(X) == "rare").mean() > (plain.predict(X) == "rare").mean()
    balanced = LSTMClassifier(class_weight="balanced", **FAST).fit(X, y)
    assert (balanced.predict(X) == "rare").mean() > (plain.predict(X) == "rare").mean()


# --------------------------------------------------------------- training
def test_partial_fit_runs_one_epoch_each_call():
    X, y = regression_data()
    model = LSTMRegressor(**FAST)
    for _ in range(3):
        model.partial_fit(X, y)
    assert model.n_iter_ == 3 and model.t_ == 180 and len(model.loss_curve_) == 3


def test_partial_fit_classifier_needs_known_classes():
    rng = np.random.RandomState(7)
    X = rng.standard_normal((10, 3, 1))
    clf = LSTMClassifier(**FAST).partial_fit(X, ["a"] * 10, classes=["a", "b", "c"])
    assert clf.classes_.tolist() == ["a", "b", "c"]
    clf.partial_fit(X, ["c"] * 10)
    with pytest.raises(ValueError, match="not seen at the first fit"):
        clf.partial_fit(X, ["z"] * 10)


def test_warm_start_continues_from_previous_weights():
    X, y = regression_data()
    # Without the ridge, which would leave the LSTM nothing but rounding to learn (y is linear).
    model = LSTMRegressor(warm_start=True, linear_steps=0, **FAST).fit(X, y)
    first = [p.copy() for p in model.coefs_]
    loss_before = model.loss_curve_[-1]
    model.set_params(max_iter=5).fit(X, y)
    assert model.n_iter_ == 30 + 5
    assert model.loss_curve_[-1] < loss_before
    cold = LSTMRegressor(linear_steps=0, **FAST).fit(X, y)
    np.testing.assert_array_equal(cold.coefs_[0], first[0])


def test_set_params_after_fit_does_not_change_the_fitted_network():
    X, y = regression_data()
    model = LSTMRegressor(**FAST).fit(X, y)
    before = model.predict(X)
    model.set_params(pooling="max", bidirectional=True, return_sequences=True)
    np.testing.assert_array_equal(model.predict(X), before)
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="changed since the first fit"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="changed since the first fit"):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)


def test_early_stopping_keeps_best_validation_weights():
    X, y = regression_data(n=200)
    model = LSTMRegressor(**{**WITH_EARLY_STOPPING, "n_iter_no_change": 3}).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_loss_ == min(model.loss_curve_)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_held_out_sequences_of_zero_weight_leave_early_stopping_off(Estimator):
    # Only 3 of 40 sequences weigh anything, so the held-out ones may all weigh zero: a
    # score over them is undefined, and the fit trains on all instead of failing.
    X, y = regression_data(n=40)
    y = y if Estimator is LSTMRegressor else y > np.median(y)
    sw = (np.arange(40) < 3).astype(float)
    model = Estimator(**WITH_EARLY_STOPPING).fit(X, y, sample_weight=sw)
    assert model.validation_scores_ == [] and model.n_iter_ == FAST["max_iter"]
    assert model.network_weight_ == 1.0


@pytest.mark.parametrize("return_sequences", [False, True])
def test_classifier_early_stopping_scores_accuracy(return_sequences):
    rng = np.random.RandomState(8)
    X = rng.standard_normal((120, 6, 1))
    y = np.where(X[:, :, 0] > 0, "pos", "neg")
    y = y if return_sequences else y[:, -1]
    clf = LSTMClassifier(
        return_sequences=return_sequences, validation_fraction=0.25, **WITH_EARLY_STOPPING
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.6


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = regression_data()
    LSTMRegressor(verbose=True, **{**FAST, "max_iter": 3}).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Iteration")]
    assert len(lines) == 3
    assert re.fullmatch(r"Iteration 1, loss = [0-9.]+, time = [0-9.]+s", lines[0])
    model = LSTMRegressor(verbose=True, **{**WITH_EARLY_STOPPING, "max_iter": 2})
    model.fit(*regression_data(n=100))
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Iteration")]
    assert len(lines) == 2
    # The whole model's validation score, and the LSTM's weight beside the ridge.
    line = r"Iteration 2, loss = [0-9.]+, validation score \(LSTM at full weight\) = -?[0-9.]+, "
    line += r"LSTM weight = [0-9.e-]+, "
    assert re.fullmatch(line + r"time = [0-9.]+s", lines[1])


def test_verbose_ends_naming_each_part_and_what_the_model_is(capsys):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((80, 10, 1))
    y = X[:, -3:, 0].sum(axis=1) + 0.3 * rng.standard_normal(80)  # linear: the ridge's
    model = LSTMRegressor(verbose=True, random_state=0).fit(X, y)
    assert model.blend_weights_ == {"linear_steps": 1.0, "lstm": 0.0}
    assert all(type(w) is float for w in model.blend_weights_.values())
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "Blend: ridge on the last steps ('linear_steps') 1, LSTM ('lstm') 0. The LSTM is not "
        "in the model: its training stopped early, as it added nothing on the held-out "
        "sequences, so the model is the ridge on the last steps."
    )
    LSTMClassifier(verbose=True, **FAST).fit(X, y > 0)
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "Blend: LSTM ('lstm') 1: the model is the LSTM alone."


def test_convergence_warning_names_iterations():
    X, y = regression_data()
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(2\)"):
        LSTMRegressor(max_iter=2, tol=0).fit(X, y)


def test_sgd_schedules_train():
    X, y = regression_data(n=100)
    for schedule in ("constant", "invscaling", "adaptive"):
        model = LSTMRegressor(solver="sgd", learning_rate=schedule, **FAST).fit(X, y)
        assert model.loss_curve_[-1] < model.loss_curve_[0]


# ---------------------------------------------------- persistence and params
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_pickle_and_joblib_predict_bit_identically(Estimator):
    X, y = regression_data()
    if Estimator is LSTMClassifier:
        y = np.where(y > 0, "pos", "neg")
    model = Estimator(bidirectional=True, **FAST).fit(X, y)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    for loaded in (pickle.loads(pickle.dumps(model)), joblib.load(buffer)):
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        if Estimator is LSTMClassifier:
            np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_every_parameter_round_trips_through_set_params_and_clone(Estimator):
    model = Estimator()
    params = model.get_params()
    assert "max_grad_norm" in params and "hidden_layer_sizes" in params
    changed = {
        "hidden_layer_sizes": (4, 3), "bidirectional": True, "pooling": "mean", "alpha": 0.5,
        "dropout": 0.2, "max_grad_norm": None, "solver": "sgd", "batch_size": 7,
    }  # fmt: skip
    model.set_params(**changed)
    cloned = clone(model)
    for name, value in changed.items():
        assert cloned.get_params()[name] == value


# ---------------------------------------------------------- reproducibility
SEED_001 = """
import numpy as np
from sklstm import LSTMRegressor
rng = np.random.RandomState(1)
X = rng.standard_normal((40, 32, 1))
y = np.cumsum(X[:, :, 0], axis=1) / 10
model = LSTMRegressor(hidden_layer_sizes=(50,), return_sequences=True, max_iter=5,
                      random_state=0).fit(X, y)
"""
SEED_004 = """
import numpy as np
from sklstm import LSTMRegressor
x1 = np.array([[0., 1.], [1, 0], [1, 1], [0, -1], [-1, 0], [-1, -1], [-1, -1]])
x2 = np.array([[1., 0.], [-1, 1], [0, -2], [2, 1], [1, -1], [2, 2], [1, 1]])
X = np.stack([x1, x2], axis=1)
y = X.sum(axis=(1, 2))
model = LSTMRegressor(hidden_layer_sizes=(3,), max_iter=50, random_state=666).fit(X, y)
"""


@pytest.mark.parametrize("script", [SEED_001, SEED_004], ids=["seed001", "seed004"])
def test_same_random_state_gives_identical_models(script):
    def run():
        namespace = {}
        exec(script, namespace)
        return fingerprint(namespace["model"], namespace["X"])

    in_process = run()
    assert run() == in_process
    # float32 products round differently on another number of BLAS threads (and a Dask
    # cluster sets OPENBLAS_NUM_THREADS=1 for child processes): pin the parent's count.
    threads = max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    code = f"from threadpoolctl import threadpool_limits\nthreadpool_limits({threads})\n"
    code += textwrap.dedent(script) + textwrap.dedent(
        """
        import hashlib
        h = hashlib.sha256()
        for p in model.coefs_:
            h.update(p.tobytes())
        h.update(np.asarray(model.predict(X)).tobytes())
        print(h.hexdigest())
        """
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == in_process
