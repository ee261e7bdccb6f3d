"""Bad input, divergence, interruption, threads, secure persistence and long sequences."""

import multiprocessing
import os
import threading
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.network import Network

rng = np.random.RandomState(0)
X3 = rng.standard_normal((20, 5, 2))
Y = X3.sum(axis=(1, 2))
LABELS = np.where(Y > 0, "pos", "neg")
FAST = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)


def with_nan(a, where=(0, 0, 0)):
    a = a.astype(float).copy()
    a[where] = np.nan
    return a


def with_inf(a):
    a = a.astype(float).copy()
    a.flat[3] = np.inf
    return a


# (id, estimator, method, args, expected error, message fragment)
BAD_INPUTS = [
    ("nan in X", LSTMRegressor(), "fit", (with_nan(X3), Y), ValueError, "NaN"),
    ("inf in X", LSTMRegressor(), "fit", (with_inf(X3), Y), ValueError, "infinity"),
    ("nan in y", LSTMRegressor(), "fit", (X3, with_nan(Y, 0)), ValueError, "NaN"),
    ("inf in y", LSTMRegressor(), "fit", (X3, with_inf(Y)), ValueError, "infinity"),
    ("empty X", LSTMRegressor(), "fit", (np.zeros((0, 5, 2)), []), ValueError, "0 sample"),
    ("zero timesteps", LSTMRegressor(), "fit", (np.zeros((3, 0, 2)), [1, 2, 3]), ValueError,
     "at least one timestep"),
    ("zero features", LSTMRegressor(), "fit", (np.zeros((3, 4, 0)), [1, 2, 3]), ValueError,
     "one feature"),
    ("1D X", LSTMRegressor(), "fit", (np.arange(5.0), np.arange(5.0)), ValueError,
     "pass X[None]"),
    ("empty list X", LSTMRegressor(), "fit", ([], []), ValueError, "X is empty"),
    ("string y, regressor", LSTMRegressor(), "fit", (X3, np.array(["hi"] * 20)), ValueError,
     "y must hold numbers for LSTMRegressor"),
    ("string per-step y", LSTMRegressor(return_sequences=True), "fit",
     (X3, np.full((20, 5), "hi")), ValueError, "y must hold numbers"),
    ("None among labels", LSTMClassifier(), "fit", (X3, np.array(["a", None] * 10, object)),
     ValueError, "missing labels (None)"),
    ("mixed label types", LSTMClassifier(), "fit", (X3, np.array(["a", 1] * 10, object)),
     ValueError, "same type"),
    ("string sample_weight", LSTMRegressor(), "fit", (X3, Y, ["a"] * 20), ValueError,
     "sample_weight must hold numbers"),
    ("4D X", LSTMRegressor(), "fit", (np.zeros((3, 2, 2, 2)), [1, 2, 3]), ValueError,
     "4 dimensions"),
    ("string X", LSTMRegressor(), "fit", (np.array([["a", "b"], ["c", "d"]]), [1, 2]),
     ValueError, "could not convert"),
    ("object X", LSTMRegressor(), "fit", (np.array([[{}, 1], [2, 3]], dtype=object), [1, 2]),
     TypeError, "float"),
    # Beyond about 1e154 a variance overflows: StandardScaler would leave X (or y) unscaled.
    ("X too large to standardize", LSTMRegressor(), "fit", (X3 * 1e160, Y), ValueError,
     "Divide X by a constant"),
    ("X too large, classifier", LSTMClassifier(), "fit", (X3 * 1e160, LABELS), ValueError,
     "too large to standardize"),
    ("y too large to standardize", LSTMRegressor(), "fit", (X3, Y * 1e160), ValueError,
     "Divide y by a constant"),
    ("X/y length mismatch", LSTMRegressor(), "fit", (X3, Y[:-1]), ValueError, "match X"),
    ("ragged feature counts", LSTMRegressor(), "fit",
     ([np.zeros((3, 2)), np.zeros((4, 3))], [1.0, 2.0]), ValueError, "different numbers"),
    ("empty sequence in list", LSTMRegressor(), "fit",
     ([np.zeros((0, 2)), np.zeros((4, 2))], [1.0, 2.0]), ValueError, "Sequence 0"),
    ("nan in ragged list", LSTMRegressor(), "fit",
     ([np.full((2, 1), np.nan), np.zeros((4, 1))], [1.0, 2.0]), ValueError, "Sequence 0"),
    ("3D sequence in list", LSTMRegressor(), "fit",
     ([np.zeros((2, 1, 1)), np.zeros((4, 1))], [1.0, 2.0]), ValueError, "3 dimensions"),
    ("one class", LSTMClassifier(), "fit", (X3, ["a"] * 20), ValueError, "at least 2 classes"),
    ("continuous labels", LSTMClassifier(), "fit", (X3, Y), ValueError, "continuous"),
    ("negative sample_weight", LSTMRegressor(), "fit", (X3, Y, -np.ones(20)), ValueError,
     "non-negative"),
    ("nan sample_weight", LSTMRegressor(), "fit", (X3, Y, with_nan(np.ones(20), 0)),
     ValueError, "finite"),
    ("zero sample_weight", LSTMRegressor(), "fit", (X3, Y, np.zeros(20)), ValueError,
     "sums to zero"),
    # Finite but extreme weights: refused before they reach NumPy, naming sample_weight.
    ("tiny sample_weight, kernel base", LSTMClassifier(random_kernels=84), "fit",
     (X3, LABELS, np.full(20, 1e-50)), ValueError, "sample_weight sums to 2e-49"),
    ("tiny sample_weight, plain LSTM", LSTMRegressor(linear_steps=0), "fit",
     (X3, Y, np.full(20, 1e-50)), ValueError, "sample_weight sums to 2e-49"),
    ("tiny sample_weight, ridge", LSTMRegressor(), "fit", (X3, Y, np.full(20, 1e-50)),
     ValueError, "scale them up"),
    ("huge sample_weight", LSTMRegressor(), "fit", (X3, Y, np.full(20, 1e39)), ValueError,
     "sample_weight has values up to 1e+39"),
    ("huge sample_weight, kernel base", LSTMClassifier(random_kernels=84), "fit",
     (X3, LABELS, np.full(20, 1e160)), ValueError, "Divide them by a constant"),
    ("overflowing sample_weight", LSTMRegressor(linear_steps=0), "fit",
     (X3, Y, np.full(20, 1e300)), ValueError, "sample_weight has values up to 1e+300"),
    ("sample_weight shape", LSTMRegressor(), "fit", (X3, Y, np.ones(3)), ValueError,
     "sample_weight has shape"),
    # Weights are counts where a penalty is chosen from the data: weights summing to 1
    # would leave no degrees of freedom, and the strongest penalty would silently win.
    ("normalised sample_weight", LSTMRegressor(), "fit", (X3, Y, np.full(20, 0.05)),
     ValueError, "reads weights as counts"),
    ("normalised sample_weight, kernel base", LSTMClassifier(random_kernels=84), "fit",
     (X3, LABELS, np.full(20, 0.05)), ValueError, "Scale the weights up"),
    ("per-step y shape", LSTMRegressor(return_sequences=True), "fit", (X3, Y), ValueError,
     "return_sequences=True"),
    ("per-step y too short", LSTMRegressor(return_sequences=True), "fit",
     (X3, np.zeros((20, 4))), ValueError, "(n_samples, n_timesteps)"),
    ("y is None", LSTMRegressor(), "fit", (X3, None), ValueError, "requires y"),
    ("y beyond float32, unscaled", LSTMRegressor(standardize=False), "fit", (X3, 1e39 * Y),
     ValueError, "beyond the range of float32 (3.4e+38) that the network computes in"),
    ("hidden_layer_sizes 0", LSTMRegressor(hidden_layer_sizes=(0,)), "fit", (X3, Y),
     ValueError, "hidden_layer_sizes"),
    ("hidden_layer_sizes str", LSTMRegressor(hidden_layer_sizes="abc"), "fit", (X3, Y),
     ValueError, "hidden_layer_sizes"),
    ("hidden_layer_sizes empty", LSTMRegressor(hidden_layer_sizes=()), "fit", (X3, Y),
     ValueError, "hidden_layer_sizes"),
    ("alpha < 0", LSTMRegressor(alpha=-1), "fit", (X3, Y), ValueError, "alpha"),
    ("learning_rate_init 0", LSTMRegressor(learning_rate_init=0), "fit", (X3, Y), ValueError,
     "learning_rate_init"),
    ("batch_size 0", LSTMRegressor(batch_size=0), "fit", (X3, Y), ValueError, "batch_size"),
    ("max_iter 0", LSTMRegressor(max_iter=0), "fit", (X3, Y), ValueError, "max_iter"),
    ("solver lbfgs", LSTMRegressor(solver="lbfgs"), "fit", (X3, Y), ValueError, "solver"),
    ("dropout 1", LSTMRegressor(dropout=1.0), "fit", (X3, Y), ValueError, "dropout"),
    ("pooling sum", LSTMRegressor(pooling="sum"), "fit", (X3, Y), ValueError, "pooling"),
    ("validation_fraction 1", LSTMRegressor(validation_fraction=1.0), "fit", (X3, Y),
     ValueError, "validation_fraction"),
    ("max_grad_norm 0", LSTMRegressor(max_grad_norm=0), "fit", (X3, Y), ValueError,
     "max_grad_norm"),
    ("class_weight str", LSTMClassifier(class_weight="heavy"), "fit", (X3, LABELS), ValueError,
     "class_weight"),
    ("negative class_weight", LSTMClassifier(class_weight={"pos": -1}), "fit", (X3, LABELS),
     ValueError, "class_weight must be finite and non-negative"),
    ("nan class_weight", LSTMClassifier(class_weight={"pos": np.nan}), "fit", (X3, LABELS),
     ValueError, "class_weight must be finite"),
    ("huge class_weight", LSTMClassifier(class_weight={"pos": 1e39}), "fit", (X3, LABELS),
     ValueError, "class_weight has values up to 1e+39"),
    ("all-zero class_weight", LSTMClassifier(class_weight={"pos": 0, "neg": 0}), "fit",
     (X3, LABELS), ValueError, "class_weight gives every class weight 0"),
    ("class_weight of an absent class only", LSTMClassifier(class_weight={"pos": 0}), "fit",
     (X3, np.array(["pos"] * 10 + ["neg"] * 10)[:20], np.r_[np.ones(10), np.zeros(10)]),
     ValueError, "weights from sample_weight and class_weight are 0 for every sequence"),
    ("class_weight unknown class", LSTMClassifier(class_weight={"cat": 2}), "fit",
     (X3, LABELS), ValueError, "not classes of y: ['cat']"),
    ("class_weight not a number", LSTMClassifier(class_weight={"pos": "x"}), "fit",
     (X3, LABELS), TypeError, "class_weight's values must be numbers"),
    ("small class weights, kernel base",
     LSTMClassifier(random_kernels=84, class_weight={"pos": 0.01, "neg": 0.01}), "fit",
     (X3, LABELS), ValueError, "weights from sample_weight and class_weight add up to 0.2"),
    ("partial_fit classes empty", LSTMClassifier(), "partial_fit", (X3, LABELS, None, []),
     ValueError, "classes must be a 1-D list of at least 2 labels"),
    ("partial_fit classes with None", LSTMClassifier(), "partial_fit",
     (X3, LABELS, None, ["pos", "neg", None]), ValueError, "classes has 1 missing labels"),
    ("partial_fit classes with NaN", LSTMClassifier(), "partial_fit",
     (X3, (Y > 0).astype(float), None, [0.0, 1.0, np.nan]), ValueError, "classes contains NaN"),
    ("partial_fit classes, NaN among strings", LSTMClassifier(), "partial_fit",
     (X3, LABELS, None, ["neg", "pos", float("nan")]), ValueError, "mixes labels of types"),
    ("partial_fit classes, ints and strings", LSTMClassifier(), "partial_fit",
     (X3, LABELS, None, {1, "pos"}), ValueError, "classes mixes labels of types"),
    ("partial_fit classes a dict", LSTMClassifier(), "partial_fit",
     (X3, LABELS, None, {"pos": 1, "neg": 2}), TypeError, "pass list(classes) for its keys"),
    ("partial_fit classes missing a label", LSTMClassifier(), "partial_fit",
     (X3, LABELS, None, ["pos", "cat"]), ValueError, "labels that are not in classes: ['neg']"),
    ("partial_fit one class, no classes", LSTMClassifier(), "partial_fit", (X3, ["a"] * 20),
     ValueError, "pass every label as classes="),
    ("linear_steps True", LSTMRegressor(linear_steps=True), "fit", (X3, Y), ValueError,
     "linear_steps"),
    ("hidden_layer_sizes True", LSTMRegressor(hidden_layer_sizes=(True,)), "fit", (X3, Y),
     ValueError, "hidden_layer_sizes"),
    ("ragged per-step y of mixed widths", LSTMRegressor(return_sequences=True), "fit",
     ([np.zeros((3, 2)), np.zeros((4, 2))], [np.zeros(3), np.zeros((4, 1))]), ValueError,
     "y[1] has shape (4, 1) but y[0] has (3,)"),
    ("predict before fit", LSTMRegressor(), "predict", (X3,), NotFittedError, "not fitted"),
    ("predict_proba before fit", LSTMClassifier(), "predict_proba", (X3,), NotFittedError,
     "not fitted"),
    ("score before fit", LSTMRegressor(), "score", (X3, Y), NotFittedError, "not fitted"),
]  # fmt: skip


@pytest.mark.parametrize(
    "estimator, method, args, error, message",
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_rejected_clearly(estimator, method, args, error, message):
    with pytest.raises(error) as info:
        getattr(estimator, method)(*args)
    assert message.lower() in str(info.value).lower()


# (id, X the model is fitted on, method, args, message fragment)
AFTER_FIT = [
    ("wrong features per step", X3, "predict", (np.zeros((2, 5, 3)),), "features per step"),
    ("nan at predict", X3, "predict", (with_nan(X3),), "NaN"),
    ("2D columns differ", X3[:, :, 0], "score", (np.zeros((2, 3)), [1.0, 2.0]), "features"),
    ("2D X to a model of 3D X", X3, "predict", (np.zeros((2, 10)),),
     r"fitted on sequences of 2 features per step\. A 2D X is read as rows of steps"),
    ("empty list at predict", X3, "predict", ([],), "X is empty"),
    ("1D X at predict", X3, "predict", (np.zeros(10),), r"pass X\[None\]"),
]  # fmt: skip


@pytest.mark.parametrize(
    "X_fit, method, args, message", [c[1:] for c in AFTER_FIT], ids=[c[0] for c in AFTER_FIT]
)
def test_bad_input_after_fit_is_rejected_clearly(X_fit, method, args, message):
    model = LSTMRegressor(**FAST).fit(X_fit, Y)
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(*args)


def test_huge_inputs_saturate_to_finite_predictions():
    model = LSTMRegressor(**FAST).fit(X3, Y)
    assert np.all(np.isfinite(model.predict(np.full((2, 5, 2), 1e308))))


def test_non_finite_outputs_are_an_error_not_silent_nan():
    # Without early stopping the network is always in the predictions (network_weight_ 1).
    model = LSTMRegressor(early_stopping=False, **FAST).fit(X3, Y)
    model.coefs_[-1][:] = np.nan  # weights corrupted after fitting
    with pytest.raises(ValueError, match="not finite"):
        model.predict(X3)


def test_failed_refit_leaves_fitted_model_unchanged():
    model = LSTMClassifier(**FAST).fit(X3, LABELS)
    before = model.predict_proba(X3)
    state = dict(model.__dict__)
    with pytest.raises(ValueError):
        model.fit(X3[:, :, :1], ["only"] * 20)  # found after n_features_in_ is reset
    with pytest.raises(ValueError):
        model.partial_fit(X3, ["new label"] * 20)
    np.testing.assert_array_equal(model.predict_proba(X3), before)
    assert model.__dict__.keys() == state.keys()
    assert model.n_features_in_ == 2


def test_error_raised_inside_training_leaves_model_unchanged(monkeypatch):
    model = LSTMRegressor(warm_start=True, **FAST).fit(X3, Y)
    before = model.predict(X3)
    coefs = [p.copy() for p in model.coefs_]

    def broken(self, *args, **kwargs):
        raise RuntimeError("callback failed")

    monkeypatch.setattr(Network, "backward", broken)
    with pytest.raises(RuntimeError, match="callback failed"):
        model.fit(X3, Y)
    monkeypatch.undo()
    np.testing.assert_array_equal(model.predict(X3), before)
    for a, b in zip(model.coefs_, coefs):
        np.testing.assert_array_equal(a, b)
    assert model.n_iter_ == 3


# -------------------------------------------------------------- divergence
def test_huge_learning_rate_ends_finite_or_fails_clearly():
    r = np.random.RandomState(1)
    X = r.standard_normal((50, 6, 1))
    y = 1e6 * r.standard_normal(50)
    model = LSTMRegressor(solver="sgd", learning_rate_init=1e6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X, y)
        except ValueError as exc:
            assert "diverged" in str(exc)
            assert not hasattr(model, "coefs_")
            return
    assert all(np.all(np.isfinite(p)) for p in model.coefs_)
    assert np.all(np.isfinite(model.predict(X)))


def test_a_blow_up_that_stays_finite_is_warned_of():
    model = LSTMRegressor(hidden_layer_sizes=(8,), max_iter=5, learning_rate_init=1e6,
                          linear_steps=0, early_stopping=False, random_state=0)  # fmt: skip
    with pytest.warns(ConvergenceWarning, match="training loss rose from .* Lower learning_rate"):
        model.fit(X3, Y)
    assert np.isfinite(model.loss_curve_).all()
    assert max(model.loss_curve_) > 1000 * min(model.loss_curve_)


def test_diverging_warm_start_keeps_first_fit_bit_for_bit():
    model = LSTMRegressor(warm_start=True, **FAST).fit(X3, Y)
    before = model.predict(X3)
    loss_curve = list(model.loss_curve_)
    model.set_params(
        solver="sgd", learning_rate_init=1e6, max_grad_norm=None, max_iter=200,
        n_iter_no_change=200, tol=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match="diverged in epoch"):
        model.fit(X3, 1e6 * Y)
    np.testing.assert_array_equal(model.predict(X3), before)
    assert model.n_iter_ == 3 and model.loss_curve_ == loss_curve
    # Scaled by the first fit's statistics, this y is beyond float32's range.
    with pytest.raises(ValueError, match="beyond the range of float32"):
        model.partial_fit(X3, 1e300 * Y)
    np.testing.assert_array_equal(model.predict(X3), before)


def test_divergence_after_progress_fails_and_restores(monkeypatch):
    model = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=10, tol=0, random_state=0)
    calls = {"n": 0}
    real = Network.backward

    def poisoned(self, params, d_out, cache, workspace=None):
        calls["n"] += 1
        grads = real(self, params, d_out, cache, workspace)
        if calls["n"] > 3:  # one batch per epoch: epoch 4 diverges
            grads[0][...] = np.nan
        return grads

    monkeypatch.setattr(Network, "backward", poisoned)
    with pytest.raises(ValueError, match="diverged in epoch 4"):
        model.fit(X3, Y)
    assert not hasattr(model, "coefs_")  # a fresh fit that failed leaves no fitted state


def test_channels_first_layout_warns_with_the_fix():
    X = rng.standard_normal((20, 2, 60))  # aeon's (n_samples, n_channels, n_timesteps)
    with pytest.warns(UserWarning, match=r"X.transpose\(0, 2, 1\)"):
        LSTMRegressor(**FAST).fit(X, Y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*aeon")
        LSTMRegressor(**FAST).fit(X.transpose(0, 2, 1), Y)  # 60 steps of 2 features


def test_series_and_object_arrays_of_sequences_read_as_lists():
    pd = pytest.importorskip("pandas")
    seqs = [rng.standard_normal((3 + k % 4, 2)) for k in range(20)]
    as_object = np.empty(20, dtype=object)
    as_object[:] = seqs
    expected = LSTMRegressor(**FAST).fit(seqs, Y).predict(seqs)
    for X in (pd.Series(seqs), as_object):
        model = LSTMRegressor(**FAST).fit(X, Y)
        np.testing.assert_array_equal(model.predict(X), expected)


def test_dataframe_columns_that_are_not_numbers_are_named():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": Y, "when": pd.date_range("2020-01-01", periods=20)})
    with pytest.raises(ValueError, match=r"do not hold numbers: 'when' \(datetime64"):
        LSTMRegressor(**FAST).fit(frame, Y)
    frame = pd.DataFrame({"a": Y, "tag": ["x"] * 20, "n": np.arange(20.0).astype(object)})
    with pytest.raises(ValueError, match=r"do not hold numbers: 'tag' \(object\)\. "):
        LSTMRegressor(**FAST).fit(frame, Y)


# ------------------------------------------------------------- interruption
def test_keyboard_interrupt_stops_cleanly_and_keeps_a_usable_model(monkeypatch):
    model = LSTMRegressor(hidden_layer_sizes=(4,), batch_size=5, max_iter=50, random_state=0)
    calls = {"n": 0}
    real = Network.backward

    def interrupted(self, *args):
        calls["n"] += 1
        if calls["n"] == 10:  # 4 batches an epoch: the 3rd epoch's 2nd batch
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(Network, "backward", interrupted)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X3, Y)
    # 20 sequences, 2 held out for early stopping: 4 minibatches of 5 an epoch.
    assert str(record[-1].message) == (
        "Training interrupted by user after 2 complete epochs and 1 of the 4 minibatch "
        "updates of the next (kept; n_iter_ counts complete epochs); early stopping keeps "
        "the weights of the best validation score so far."
    )
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    assert model.predict(X3).shape == (20,)


def test_early_stopping_prints_its_verdict_after_the_epoch_it_judges(capsys):
    model = LSTMRegressor(**{**FAST, "max_iter": 30}, n_iter_no_change=1, tol=10.0, verbose=True)
    model.fit(X3, Y)
    lines = capsys.readouterr().out.splitlines()
    verdict = next(k for k, line in enumerate(lines) if "did not improve" in line)
    assert lines[verdict - 1].startswith(f"Iteration {model.n_iter_},")
    assert not any(line.startswith("Iteration") for line in lines[verdict:])


def _interrupt_at_backward(monkeypatch, n):
    """Make the ``n``-th call of the network's backward pass raise KeyboardInterrupt."""
    calls = {"n": 0}
    real = Network.backward

    def interrupted(self, *args):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(Network, "backward", interrupted)


LONG_X = rng.standard_normal((40, 100, 1))  # long enough for the random-kernel base
LONG_LABELS = np.where(LONG_X[:, -10:, 0].mean(axis=1) > 0, "up", "down")
KERNEL_FIT = dict(hidden_layer_sizes=(4,), random_kernels=84, warm_start=True, random_state=0)


def test_warm_start_with_the_kernel_base_keeps_its_held_out_split(monkeypatch):
    from sklstm._training import TrainingLoop

    seen = []
    real = TrainingLoop.run

    def spy(self, params, data, *args):
        seen.append(np.sort(data[-1]))  # the rows the network trains on
        return real(self, params, data, *args)

    monkeypatch.setattr(TrainingLoop, "run", spy)
    model = LSTMClassifier(**KERNEL_FIT, max_iter=2)
    model.fit(LONG_X, LONG_LABELS)
    model.fit(LONG_X, LONG_LABELS)
    model.set_params(max_iter=1).fit(LONG_X, LONG_LABELS)
    assert len(seen[0]) == 36  # 4 of the 40 held out to weigh the network
    for rows in seen[1:]:
        np.testing.assert_array_equal(rows, seen[0])


def test_interrupted_continuation_leaves_predictions_bit_identical(monkeypatch):
    model = LSTMClassifier(**KERNEL_FIT, max_iter=3).fit(LONG_X, LONG_LABELS)
    before = model.predict_proba(LONG_X)
    weights = dict(model.blend_weights_)
    _interrupt_at_backward(monkeypatch, 1)
    with pytest.warns(ConvergenceWarning, match="before any update: the model is unchanged"):
        model.fit(LONG_X, LONG_LABELS)
    np.testing.assert_array_equal(model.predict_proba(LONG_X), before)
    assert model.blend_weights_ == weights and model.n_iter_ == 3


def test_a_refit_shows_threads_the_previous_model_until_it_ends(monkeypatch):
    model = LSTMClassifier(**KERNEL_FIT, max_iter=2).fit(LONG_X, LONG_LABELS)
    before = model.predict_proba(LONG_X)
    kernels = model.random_kernels_
    seen = []
    real = Network.backward

    def predicting(self, *args):  # what a thread predicting during the refit sees
        seen.append((model.random_kernels_, model.predict_proba(LONG_X)))
        return real(self, *args)

    monkeypatch.setattr(Network, "backward", predicting)
    model.set_params(warm_start=False, random_state=1).fit(LONG_X, LONG_LABELS)
    assert seen and all(k == kernels for k, _ in seen)
    for _, proba in seen:
        np.testing.assert_array_equal(proba, before)
    assert not np.array_equal(model.predict_proba(LONG_X), before)


def test_loaded_model_with_kernel_base_predicts_alike_on_1_and_2_blas_threads(tmp_path):
    import joblib
    from threadpoolctl import threadpool_limits

    X = rng.standard_normal((300, 120, 1))
    y = np.digitize(X[:, -20:, 0].sum(axis=1), [-2, 2])  # 3 classes: a matrix product
    model = LSTMClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)
    assert model.random_kernels_ > 9000  # the default base: 300 x 9,996 features
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    with threadpool_limits(limits=1, user_api="blas"):
        one = loaded.predict_proba(X)
    with threadpool_limits(limits=2, user_api="blas"):
        two = loaded.predict_proba(X)
    np.testing.assert_array_equal(one, two)


# ------------------------------------------------------------------ threads
def test_threads_predict_like_serial():
    model = LSTMClassifier(hidden_layer_sizes=(8,), bidirectional=True, **{
        k: v for k, v in FAST.items() if k != "hidden_layer_sizes"
    }).fit(X3, LABELS)  # fmt: skip
    Xbig = np.random.RandomState(2).standard_normal((300, 5, 2))
    serial = model.predict_proba(Xbig)
    results = [None] * 8
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        results[k] = model.predict_proba(Xbig)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, serial)


def _predict_into(model, X, connection):
    connection.send(model.predict(X))
    connection.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs the fork start method")
def test_prediction_after_fork_does_not_hang():
    # Prediction threads are kept for the life of the process; a forked child (as
    # multiprocessing's "fork" start method makes) must start its own, not wait on its
    # parent's, which do not exist in the child.
    model = LSTMRegressor(hidden_layer_sizes=(64,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X3, Y)
    Xbig = np.random.RandomState(4).standard_normal((300, 5, 2))
    assert len(range(0, 300, model._predict_block_rows())) > 1  # several blocks: threads
    expected = model.predict(Xbig)  # starts the parent's threads
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_predict_into, args=(model, Xbig, send), daemon=True)
    child.start()
    try:
        assert receive.poll(60), "the forked child's prediction hung"
        np.testing.assert_array_equal(receive.recv(), expected)
        child.join(10)
        assert child.exitcode == 0
    finally:
        if child.is_alive():
            child.terminate()


def test_grid_search_threading_backend_equals_serial():
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV

    grid = {"hidden_layer_sizes": [(4,), (6,)], "alpha": [1e-4, 1e-1]}
    serial = GridSearchCV(LSTMRegressor(**{**FAST, "max_iter": 5}), grid, cv=2).fit(X3, Y)
    with parallel_backend("threading", n_jobs=4):
        threaded = GridSearchCV(LSTMRegressor(**{**FAST, "max_iter": 5}), grid, cv=2).fit(X3, Y)
    np.testing.assert_array_equal(
        serial.cv_results_["mean_test_score"], threaded.cv_results_["mean_test_score"]
    )


# ------------------------------------------------------- fitted state (skops)
def test_fitted_state_holds_no_object_arrays():
    model = LSTMClassifier(**FAST).fit(X3, LABELS.astype(object))
    assert model.classes_.dtype.kind == "U"
    for value in model.__dict__.values():
        assert not (isinstance(value, np.ndarray) and value.dtype == object)


# ------------------------------------------------------------ long sequences
def test_ten_thousand_steps_train_within_documented_memory():
    B, T, D, H = 4, 10_000, 1, 8
    r = np.random.RandomState(3)
    X = r.standard_normal((B, T, D))
    y = X[:, -50:, 0].mean(axis=1)
    # The network's memory alone: the random-kernel base has its own line on the cost page.
    model = LSTMRegressor(
        hidden_layer_sizes=(H,), patch_size=1, max_iter=1, batch_size=B, random_state=0,
        random_kernels=0,
    )  # fmt: skip
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # docs/user_guide/cost.rst: itemsize * B * T * (7H + D + 1 + H) for one layer of full-length
    # sequences, itemsize 4 in the default float32, plus the backward pass's two blocks of at
    # most 512 KB and one of at most 256 KB.
    formula = 4 * B * T * (8 * H + D + 1) + 2 * 512 * 1024 + 256 * 1024
    assert 0.8 <= peak / formula <= 1.2, (peak, formula)
    assert np.all(np.isfinite(model.loss_curve_)) and np.all(np.isfinite(model.predict(X)))


def test_weight_only_on_held_out_sequences_trains_on_all_and_says_so():
    held_out = LSTMRegressor(**FAST, linear_steps=0).fit(X3, Y)._held_out["rows"]
    weights = np.zeros(len(Y))
    weights[held_out] = 1.0
    with pytest.warns(UserWarning, match="sample_weight gives no weight to the held-out"):
        model = LSTMRegressor(**FAST, linear_steps=0).fit(X3, Y, sample_weight=weights)
    assert np.all(np.isfinite(model.loss_curve_)) and model.validation_scores_ == []
    assert np.all(np.isfinite(model.predict(X3)))


def test_warm_start_whose_kept_split_cannot_score_is_refused_and_changes_nothing():
    model = LSTMRegressor(**FAST, linear_steps=0, warm_start=True).fit(X3, Y)
    before, kept = model.predict(X3), model._held_out["rows"].copy()
    weights = np.zeros(len(Y))
    weights[kept] = 1.0
    with pytest.raises(ValueError, match="keeps the first fit's held-out sequences"):
        model.fit(X3, Y, sample_weight=weights)
    np.testing.assert_array_equal(model.predict(X3), before)
    np.testing.assert_array_equal(model._held_out["rows"], kept)
    first = LSTMClassifier(**FAST, random_kernels=0).fit(X3, LABELS)
    with pytest.warns(UserWarning, match="the first fit on this data held none out") as record:
        first.set_params(warm_start=True, early_stopping=True).fit(X3, LABELS)
    assert record[0].filename == __file__  # points at the caller's fit


def test_early_stopping_skipped_on_few_sequences_is_warned_of():
    with pytest.warns(UserWarning, match="with 3 sequences, validation_fraction=0.1 holds out 1"):
        model = LSTMRegressor(**FAST).fit(X3[:3], Y[:3])
    assert model.validation_scores_ == []


def test_linear_steps_beyond_the_sequences_read_them_all():
    longer = LSTMRegressor(**FAST, linear_steps=10**6).fit(X3, Y)
    exact = LSTMRegressor(**FAST, linear_steps=X3.shape[1]).fit(X3, Y)
    assert longer.linear_steps_ == X3.shape[1]
    np.testing.assert_array_equal(longer.predict(X3), exact.predict(X3))


def test_partial_fit_classes_as_a_set_or_a_dicts_keys():
    for classes in ({"pos", "neg"}, {"pos": 1, "neg": 2}.keys()):
        model = LSTMClassifier(**FAST).partial_fit(X3, LABELS, classes=classes)
        assert model.classes_.tolist() == ["neg", "pos"]


def test_ragged_per_step_targets_as_an_object_array_read_as_a_list():
    X = [X3[k, : 2 + k % 3] for k in range(12)]
    y = [x[:, 0] for x in X]
    as_objects = np.empty(len(y), dtype=object)
    as_objects[:] = y
    params = dict(FAST, return_sequences=True)
    expected = LSTMRegressor(**params).fit(X, y).predict(X)
    got = LSTMRegressor(**params).fit(X, as_objects).predict(X)
    from_series = LSTMRegressor(**params).fit(X, pd.Series(y)).predict(X)
    for a, b, c in zip(got, expected, from_series):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, b)
