"""What the defaults do for a first try: patches, standardization, guard rails, schedules."""

import warnings

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.core import join_steps, last_window
from tests.test_estimators_api import EXACT, FAST

pytestmark = pytest.mark.usefixtures("quiet_convergence")


# ------------------------------------------------------------- join_steps
def test_join_steps_groups_end_at_the_last_step():
    A = np.arange(1.0, 8.0).reshape(1, 7, 1)
    joined, lengths = join_steps(A, 3)
    assert lengths is None
    np.testing.assert_array_equal(joined[0], [[1, 1, 1], [2, 3, 4], [5, 6, 7]])


def test_join_steps_ragged_equals_each_sequence_alone():
    rng = np.random.RandomState(0)
    lengths = np.array([7, 4, 1, 9])
    A = rng.standard_normal((4, 9, 2))
    joined, group_lengths = join_steps(A, 3, lengths)
    np.testing.assert_array_equal(group_lengths, [3, 2, 1, 3])
    for n, L in enumerate(lengths):
        alone, _ = join_steps(A[n : n + 1, :L], 3)
        np.testing.assert_array_equal(joined[n, : group_lengths[n]], alone[0])


def test_join_steps_keeps_features_of_a_step_together():
    A = np.arange(12.0).reshape(1, 6, 2)  # step t holds (2t, 2t + 1)
    joined, _ = join_steps(A, 2)
    np.testing.assert_array_equal(joined[0, 0], [0, 1, 2, 3])
    assert join_steps(A, 1)[0] is A


# ------------------------------------------------------------ patch_size
def test_auto_patch_size_shortens_long_sequences_only():
    rng = np.random.RandomState(0)
    long = LSTMClassifier(**FAST).fit(rng.standard_normal((20, 100, 1)), [0, 1] * 10)
    short = LSTMClassifier(**FAST).fit(rng.standard_normal((20, 20, 1)), [0, 1] * 10)
    per_step = LSTMRegressor(return_sequences=True, **FAST).fit(
        rng.standard_normal((20, 100, 1)), rng.standard_normal((20, 100))
    )
    assert (long.patch_size_, short.patch_size_, per_step.patch_size_) == (4, 1, 1)
    assert long.coefs_[0].shape == (4, 32)  # Wx reads 4 steps of 1 feature


def test_patch_size_matches_joining_steps_by_hand():
    rng = np.random.RandomState(1)
    X = rng.standard_normal((30, 12, 2))
    y = X[:, -3:].sum(axis=(1, 2))
    by_model = LSTMRegressor(patch_size=3, standardize=False, **FAST).fit(X, y)
    joined = join_steps(X, 3)[0]
    by_hand = LSTMRegressor(patch_size=1, standardize=False, **FAST).fit(joined, y)
    np.testing.assert_allclose(by_model.predict(X), by_hand.predict(joined), rtol=1e-12)


@EXACT
def test_patched_ragged_sequences_predict_as_alone(dtype, rtol):
    rng = np.random.RandomState(2)
    X = [rng.standard_normal((L, 1)) for L in (5, 40, 17, 64)]
    y = np.array([x.sum() for x in X])
    model = LSTMRegressor(patch_size=8, dtype=dtype, **FAST).fit(X, y)
    together = model.predict(X)
    alone = [model.predict(x[None])[0] for x in X]
    np.testing.assert_allclose(together, alone, rtol=rtol)


def test_patch_size_with_per_step_targets_is_rejected():
    X = np.zeros((4, 6, 1))
    with pytest.raises(ValueError, match="patch_size=2 cannot be used with return_sequences"):
        LSTMRegressor(patch_size=2, return_sequences=True).fit(X, np.zeros((4, 6)))


def test_long_noisy_sequences_learn_with_default_patches():
    # Class is the sign of a bump at a random place in 300 noisy steps.
    rng = np.random.RandomState(0)
    n, T = 160, 300
    y = rng.randint(0, 2, n)
    X = rng.standard_normal((n, T, 1)) * 0.5
    where = rng.randint(0, T - 20, n)
    for k in range(n):
        X[k, where[k] : where[k] + 20, 0] += 2.0 * (2 * y[k] - 1)
    model = LSTMClassifier(random_state=0).fit(X[:120], y[:120])
    assert model.patch_size_ == 10
    assert model.score(X[120:], y[120:]) >= 0.9


# ----------------------------------------------------------- standardize
def test_standardize_makes_training_blind_to_units():
    rng = np.random.RandomState(3)
    X = rng.standard_normal((50, 10, 2))
    y = X[:, -1, 0] - X[:, 0, 1]
    small = LSTMRegressor(**FAST).fit(X, y)
    large = LSTMRegressor(**FAST).fit(X * 1000 + 5000, y * 1e4 - 3)
    np.testing.assert_allclose(large.predict(X * 1000 + 5000), small.predict(X) * 1e4 - 3,
                               rtol=1e-6, atol=1e-6 * 1e4)  # fmt: skip


def test_inputs_in_the_thousands_train_well_by_default():
    # Pedestrian-count-like data: values in the thousands, label from the shape.
    rng = np.random.RandomState(4)
    n, T = 200, 24
    y = rng.randint(0, 2, n)
    base = 1500 + 800 * np.sin(np.linspace(0, 2 * np.pi, T))
    X = base + 300 * y[:, None] * np.linspace(-1, 1, T) + 100 * rng.standard_normal((n, T))
    model = LSTMClassifier(random_state=0).fit(X[:150], y[:150])
    assert model.score(X[150:], y[150:]) >= 0.95
    # The same network on the raw counts: the task is not easy without the scaling.
    with pytest.warns(UserWarning, match="root-mean-square"):
        raw = LSTMClassifier(standardize=False, random_state=0).fit(X[:150], y[:150])
    assert raw.score(X[150:], y[150:]) <= 0.8


def test_unscaled_inputs_without_standardize_get_a_warning():
    X = np.full((10, 5, 1), 3000.0) + np.arange(5)[:, None]
    with pytest.warns(UserWarning, match="StandardScaler"):
        LSTMRegressor(standardize=False, max_iter=2).fit(X, np.arange(10.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LSTMRegressor(max_iter=2).fit(X, np.arange(10.0))
    assert not [w for w in caught if "StandardScaler" in str(w.message)]


def test_standardize_ignores_padding_and_zero_weights():
    rng = np.random.RandomState(5)
    X = [rng.standard_normal((L, 1)) * 3 + 7 for L in (3, 8, 5)]
    model = LSTMRegressor(max_iter=1).fit(X + [np.full((2, 1), 1e6)], [1.0, 2, 3, 1e9],
                                          sample_weight=[1, 1, 1, 0])  # fmt: skip
    real = np.concatenate(X)
    np.testing.assert_allclose(model._x_mean, real.mean(axis=0))
    np.testing.assert_allclose(model._x_scale, real.std(axis=0))
    np.testing.assert_allclose(model._y_mean, [2.0])


def test_changing_patch_size_or_standardize_before_warm_start_is_refused():
    X = np.random.RandomState(6).standard_normal((20, 8, 1))
    model = LSTMRegressor(warm_start=True, **FAST).fit(X, X.sum(axis=(1, 2)))
    for change in ({"patch_size": 2}, {"standardize": False}):
        model.set_params(**change)
        with pytest.raises(ValueError, match="changed since the first fit"):
            model.fit(X, X.sum(axis=(1, 2)))
        model.set_params(patch_size="auto", standardize=True)


# ------------------------------------------------------------- schedules
def test_adam_adaptive_reduces_the_rate_on_plateaus(capsys):
    X = np.random.RandomState(7).standard_normal((40, 6, 1))
    y = X.sum(axis=(1, 2))
    stall_fast = dict(
        n_iter_no_change=2, tol=10.0, max_iter=40, early_stopping=False, random_state=0
    )  # plateaus of the training loss
    model = LSTMRegressor(learning_rate="adaptive", verbose=True, **stall_fast).fit(X, y)
    rates = [line for line in capsys.readouterr().out.splitlines() if "learning rate" in line]
    # 0.01 divided by 5 until below 1e-6: 6 reductions, then a stop before max_iter.
    assert len(rates) == 6 and rates[-1].endswith("0.000001")
    assert model.n_iter_ < 40
    constant = LSTMRegressor(**stall_fast)
    assert constant.fit(X, y).n_iter_ == 4  # the first epoch, then 3 > 2 without progress


# ------------------------------------------------------- the regressor's ridge
def test_last_window_aligns_ragged_sequences_at_their_last_step():
    rng = np.random.RandomState(3)
    lengths = np.array([5, 2, 4])
    A = rng.standard_normal((3, 5, 2))
    window = last_window(A, 3, lengths)
    assert window.shape == (3, 6)
    for n, L in enumerate(lengths):
        alone = last_window(A[n : n + 1, :L], 3)[0]
        np.testing.assert_array_equal(window[n], alone)
    np.testing.assert_array_equal(window[1, :2], [0, 0])  # before the first step
    np.testing.assert_array_equal(window[1, 2:], A[1, :2].ravel())


def test_ridge_lets_the_default_regressor_extrapolate_a_trend():
    # Next value of a noisy linear trend; the test windows lie beyond every training value,
    # where an LSTM's bounded state cannot follow without the ridge.
    rng = np.random.RandomState(0)
    series = np.arange(300.0) + rng.standard_normal(300)
    windows = np.lib.stride_tricks.sliding_window_view(series, 7)
    X, y = windows[:, :6, None], windows[:, 6]
    X_train, y_train, X_test, y_test = X[:200], y[:200], X[200:], y[200:]
    default = LSTMRegressor(random_state=0).fit(X_train, y_train)
    without = LSTMRegressor(linear_steps=0, random_state=0).fit(X_train, y_train)
    assert default.linear_steps_ == 6 and without.linear_steps_ == 0
    error = np.abs(default.predict(X_test) - y_test).mean()
    assert error < 2.0  # the noise alone costs about 0.8 + 0.8 / 6 ** 0.5
    assert np.abs(without.predict(X_test) - y_test).mean() > 10 * error


def test_linear_steps_auto_caps_the_ridge_at_1024_values():
    X = np.random.RandomState(1).standard_normal((30, 20, 100))
    model = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, X[:, -1, 0])
    assert model.linear_steps_ == 10  # 10 steps of 100 features
    per_step = LSTMRegressor(return_sequences=True, max_iter=2).fit(X[:, :5], X[:, :5, 0])
    assert per_step.linear_steps_ == 0


def test_changing_linear_steps_before_warm_start_is_refused():
    X = np.random.RandomState(2).standard_normal((20, 6, 1))
    model = LSTMRegressor(warm_start=True, **FAST).fit(X, X[:, -1, 0])
    with pytest.raises(ValueError, match="linear_steps, linear_alpha or random_kernels changed"):
        model.set_params(linear_steps=2).fit(X, X[:, -1, 0])


def test_regressor_stops_early_by_default_when_two_sequences_can_be_held_out():
    rng = np.random.RandomState(4)
    X = rng.standard_normal((40, 6, 1))
    y = np.sin(X.sum(axis=(1, 2)))
    model = LSTMRegressor(random_state=0).fit(X, y)  # 4 held out
    assert len(model.validation_scores_) == model.n_iter_ < 200
    few = LSTMRegressor(random_state=0).fit(X[:10], y[:10])  # 1 would be held out
    assert few.validation_scores_ == [] and few.n_iter_ > 0


def test_early_stopping_with_more_classes_than_held_out_sequences():
    # PigCVP's shape: 52 classes, 2 sequences each; a tenth held out cannot hold every
    # class, so the split is random rather than an error from train_test_split.
    rng = np.random.RandomState(5)
    X = rng.standard_normal((104, 8, 1))
    y = np.repeat(np.arange(52), 2)
    model = LSTMClassifier(**{**FAST, "early_stopping": True, "max_iter": 3}).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_ == 3
