"""The random-kernel base: its features against a direct convolution, ragged equals alone,
and the estimators' use of it (on for long sequences but not for a series' sliding windows,
blended with the regressor's ridge, weighed against the LSTM)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._parameters import RANDOM_KERNELS
from sklstm.core import are_sliding_windows, fit_random_kernels, random_kernel_features
from sklstm.core._random_kernels import KERNEL_TAPS

pytestmark = pytest.mark.usefixtures("quiet_convergence")


def features_by_definition(x, kernels):
    """One sequence ``x (T, D)``: each kernel as nine weights, convolved step by step."""
    T = len(x)
    out, first = [], 0
    for dilation, channels, count in zip(kernels.dilations, kernels.channels, kernels.bias_counts):
        for k, taps in enumerate(KERNEL_TAPS):
            weights = np.full(9, -1.0)
            weights[taps] = 2.0
            read = x @ channels[:, k]
            conv = np.zeros(T)
            for t in range(T):
                for j in range(9):
                    s = t + (j - 4) * dilation
                    if 0 <= s < T:
                        conv[t] += weights[j] * read[s]
            biases = kernels.biases[first + k * count : first + (k + 1) * count]
            out.extend(np.mean(conv[:, None] > biases, axis=0))
        first += 84 * count
    return np.array(out)


@pytest.mark.parametrize("D", [1, 3])
def test_features_are_shares_of_steps_above_each_bias_of_each_kernel(D):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((5, 40, D))
    kernels = fit_random_kernels(X, None, 400, np.random.RandomState(1))
    assert len(kernels.dilations) >= 2  # 40 steps: dilations 1 .. 4
    features = random_kernel_features(X, None, kernels, np.float64)
    assert features.shape == (5, 84 * kernels.bias_counts.sum())
    for x, row in zip(X, features):
        np.testing.assert_allclose(row, features_by_definition(x, kernels), atol=1e-12)
    if D > 1:  # kernels read different subsets of the features, summed
        assert len(np.unique(kernels.channels.reshape(-1, 84).T, axis=0)) > 1


def test_ragged_batch_gives_each_sequence_what_it_gives_alone():
    rng = np.random.RandomState(2)
    lengths = np.array([60, 1, 5, 9, 33, 60, 17])
    X = rng.standard_normal((len(lengths), 60, 2))
    X[np.arange(60) >= lengths[:, None]] = 99.0  # padding never leaks in
    kernels = fit_random_kernels(X, lengths, 900, np.random.RandomState(3))
    batch = random_kernel_features(X, lengths, kernels)
    for n, length in enumerate(lengths):
        alone = random_kernel_features(X[n : n + 1, :length], None, kernels)
        np.testing.assert_array_equal(batch[n], alone[0])


def test_kernels_are_drawn_from_the_seed():
    X = np.random.RandomState(4).standard_normal((6, 30, 1))
    a = fit_random_kernels(X, None, 500, np.random.RandomState(5))
    b = fit_random_kernels(X, None, 500, np.random.RandomState(5))
    c = fit_random_kernels(X, None, 500, np.random.RandomState(6))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a.biases, c.biases)


def test_any_positive_weights_draw_by_their_proportions():
    X = np.random.RandomState(4).standard_normal((30, 40, 1))
    w = np.random.RandomState(1).uniform(0, 3, 30)
    w[-5:] = 0.0

    def fit(weight, X=X):
        return fit_random_kernels(X, None, 500, np.random.RandomState(5), weight)

    assert all(np.array_equal(u, v) for u, v in zip(fit(None), fit(np.ones(30))))
    # Scaled by powers of two, weights draw the same sequences, from the smallest to the
    # largest (1e-50 and 1e300 raised IndexError or overflowed the cumulated sum).
    drawn = fit(w)
    for scale in (2.0**-1000, 2.0**-160, 2.0**1000):
        assert all(np.array_equal(u, v) for u, v in zip(drawn, fit(w * scale)))
    for scale in (1e-300, 1e-50, 1e300, 1e307):
        assert np.isfinite(fit(w * scale).biases).all()
    # One positive weight, however small: every kernel's biases come from that sequence.
    one = np.zeros(30)
    one[3] = 1e-300
    assert np.array_equal(fit(one).biases, fit(None, X[3:4]).biases)
    with pytest.raises(ValueError, match="sample_weight"):
        fit(np.zeros(30))


def test_weights_that_vanish_in_float32_are_refused_clearly():
    X, y = shapes(20, 120, 5)
    with pytest.raises(ValueError, match="sample_weight"):  # was IndexError
        LSTMClassifier(**FAST).fit(X, y, sample_weight=np.full(20, 1e-50))


def shapes(n, T, seed):
    """Noise with a bump (class 1) or a dip (class 0) of 10 steps somewhere in it."""
    rng = np.random.RandomState(seed)
    X = 0.3 * rng.standard_normal((n, T, 1))
    y = rng.randint(2, size=n)
    for row, label in zip(X, y):
        start = rng.randint(T - 10)
        row[start : start + 10, 0] += np.sin(np.linspace(0, np.pi, 10)) * (1 if label else -1)
    return X, y


FAST = {"hidden_layer_sizes": (4,), "max_iter": 5, "random_state": 0}


def test_auto_turns_the_base_on_from_100_steps_only():
    X, y = shapes(40, 120, 0)
    long = LSTMClassifier(**FAST).fit(X, y)
    assert long.random_kernels_ == 84 * (10_000 // 84)
    assert long.kernel_alpha_ > 0 and long.kernel_scale_ > 0
    assert 0.0 <= long.network_weight_ <= 1.0
    short = LSTMClassifier(**FAST).fit(X[:, :99], y)
    assert short.random_kernels_ == 0 and short.kernel_alpha_ is None
    assert short.network_weight_ == 1.0
    off = LSTMClassifier(random_kernels=0, **FAST).fit(X, y)
    assert off.random_kernels_ == 0
    per_step = LSTMClassifier(return_sequences=True, **FAST).fit(X, np.repeat(y[:, None], 120, 1))
    assert per_step.random_kernels_ == 0


def test_the_base_finds_local_shapes_the_lstm_alone_misses():
    X, y = shapes(80, 300, 1)
    X_test, y_test = shapes(200, 300, 2)
    with_base = LSTMClassifier(**FAST).fit(X, y)
    without = LSTMClassifier(random_kernels=0, **FAST).fit(X, y)
    assert with_base.score(X_test, y_test) >= 0.95
    assert with_base.score(X_test, y_test) > without.score(X_test, y_test) + 0.2


def test_predictions_are_the_base_log_odds_plus_the_weighted_network():
    X, y = shapes(60, 150, 3)
    model = LSTMClassifier(random_kernels=840, **FAST).fit(X, y)
    model.blend_weights_["lstm"] = 0.0
    base_only = model.predict_log_proba(X[:7])
    model.blend_weights_["lstm"] = 1.0
    full = model.predict_log_proba(X[:7])
    network = model._forward(model._inputs(model_batch(model, X[:7])).network, model.coefs_)
    shift = full - base_only
    # log_softmax(base + network) - log_softmax(base): the network's logits, up to a constant.
    np.testing.assert_allclose(shift - shift[:, :1], network - network[:, :1], rtol=1e-4, atol=1e-5)


def model_batch(model, X):
    from sklstm._data import validate_sequences

    return validate_sequences(model, X, reset=False)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_ragged_input_predicts_each_sequence_as_alone(Estimator):
    X, y = shapes(50, 130, 4)
    ragged = [x[: 100 + k % 30] for k, x in enumerate(X)]
    model = Estimator(**FAST).fit(ragged, y)
    assert model.random_kernels_ > 0
    predict = model.predict_proba if Estimator is LSTMClassifier else model.predict
    pred = predict(ragged)
    for k in (0, 7, 29):
        np.testing.assert_allclose(pred[k], predict([ragged[k]])[0], rtol=1e-5, atol=1e-7)


def test_bad_values_are_refused_clearly():
    X, y = shapes(20, 120, 5)
    with pytest.raises(InvalidParameterError, match="random_kernels"):
        LSTMClassifier(random_kernels=-1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="random_kernels"):
        LSTMClassifier(random_kernels="many").fit(X, y)
    # A bool is not a count (True was read as 1, i.e. 84 features), and past 100,000
    # features a fit's memory and time grow for nothing.
    for bad in (True, False, np.True_, 100_001, 10**7):
        with pytest.raises(InvalidParameterError, match="random_kernels"):
            LSTMClassifier(random_kernels=bad).fit(X, y)
        with pytest.raises(InvalidParameterError, match="random_kernels"):
            LSTMRegressor(random_kernels=bad).fit(X, y.astype(float))
    assert all(RANDOM_KERNELS[1].is_satisfied_by(n) for n in (0, 84, np.int64(10_000), 100_000))
    per_step = LSTMClassifier(random_kernels=84, return_sequences=True, **FAST)
    with pytest.raises(ValueError, match="return_sequences=True"):
        per_step.fit(X, np.repeat(y[:, None], 120, 1))
    assert not hasattr(per_step, "coefs_")  # left as it was


def test_sequences_shorter_than_a_kernel_work():
    rng = np.random.RandomState(6)
    X = [rng.standard_normal((n, 1)) for n in [1, 2, 3, 8, 4, 6] * 5]
    y = np.arange(30) % 2
    model = LSTMClassifier(random_kernels=168, **FAST).fit(X, y)
    assert model.random_kernels_ == 168
    assert np.isfinite(model.predict_proba(X)).all()


def test_warm_start_keeps_the_base_and_refuses_to_change_it():
    X, y = shapes(40, 110, 7)
    model = LSTMClassifier(warm_start=True, **FAST).fit(X, y)
    coef = dict(model._composite["parts"])["random_kernels"]["coef"].copy()
    model.fit(X, y)
    np.testing.assert_array_equal(dict(model._composite["parts"])["random_kernels"]["coef"], coef)
    assert clone(model).set_params(random_kernels=84).fit(X, y).random_kernels_ == 84
    with pytest.raises(ValueError, match="random_kernels changed"):
        model.set_params(random_kernels=84).fit(X, y)


def bumps(n, T, seed):
    """Noise with 0 to 5 bumps of 10 steps at random places; the target is their count."""
    rng = np.random.RandomState(seed)
    X = 0.3 * rng.standard_normal((n, T, 1))
    y = rng.randint(6, size=n).astype(float)
    for row, count in zip(X, y):
        for start in rng.choice(T // 10, int(count), replace=False) * 10:
            row[start : start + 10, 0] += np.sin(np.linspace(0, np.pi, 10))
    return X, y


def test_the_regressor_base_counts_local_shapes_the_ridge_and_lstm_miss():
    X, y = bumps(80, 300, 1)
    X_test, y_test = bumps(200, 300, 2)
    with_base = LSTMRegressor(**FAST).fit(X, y)
    assert with_base.random_kernels_ == 84 * (10_000 // 84)
    assert with_base.kernel_alpha_ > 0 and 0.5 < with_base.kernel_weight_ <= 1.0
    without = LSTMRegressor(random_kernels=0, **FAST).fit(X, y)
    assert without.kernel_weight_ == 0.0 and without.kernel_alpha_ is None
    assert with_base.score(X_test, y_test) >= 0.8
    assert with_base.score(X_test, y_test) > without.score(X_test, y_test) + 0.2


def test_regressor_auto_leaves_a_series_sliding_windows_and_short_sequences_alone():
    series = np.cumsum(np.random.RandomState(8).standard_normal(260))
    windows = np.stack([series[t : t + 120] for t in range(140)])
    target = series[120:]
    for X in (windows, windows[:, ::-1]):  # newest last, and newest first (skforecast)
        assert are_sliding_windows(X[:, :, None])
        model = LSTMRegressor(**FAST).fit(X, target)
        assert model.random_kernels_ == 0 and model.kernel_weight_ == 0.0
    shuffled = np.random.RandomState(9).permutation(140)
    assert not are_sliding_windows(windows[shuffled][:, :, None])
    assert LSTMRegressor(**FAST).fit(windows[shuffled], target[shuffled]).random_kernels_ > 0
    assert LSTMRegressor(random_kernels=168, **FAST).fit(windows, target).random_kernels_ == 168
    X, y = bumps(40, 99, 3)
    assert LSTMRegressor(**FAST).fit(X, y).random_kernels_ == 0


def test_regressor_predictions_are_the_blend_plus_the_weighted_network():
    X, y = bumps(60, 150, 4)
    model = LSTMRegressor(random_kernels=840, **FAST).fit(X, y)
    batch = model_batch(model, X[:7])
    inputs = model._inputs(batch)
    window = model._composite_model().base_output(inputs)  # the blend
    weight = model.kernel_weight_
    assert model.blend_weights_["linear_steps"] == 1.0 - weight
    model.blend_weights_["random_kernels"] = 0.0
    ridge = model._composite_model().base_output(inputs)
    model.blend_weights_["random_kernels"] = 1.0
    kernel = model._composite_model().base_output(inputs)
    np.testing.assert_allclose(window, (1 - weight) * ridge + weight * kernel, rtol=1e-12)
    model.blend_weights_["random_kernels"] = weight
    network = model._forward(inputs.network, model.coefs_)
    expected = (window + model.network_weight_ * network)[:, 0] * model._y_scale + model._y_mean
    np.testing.assert_allclose(model.predict(X[:7]), expected, rtol=1e-6)
    alone = LSTMRegressor(random_kernels=840, linear_steps=0, **FAST).fit(X, y)
    assert alone.kernel_weight_ == 1.0 and alone.linear_steps_ == 0


def test_regressor_bad_values_are_refused_clearly():
    X, y = bumps(20, 120, 6)
    with pytest.raises(InvalidParameterError, match="random_kernels"):
        LSTMRegressor(random_kernels=-2).fit(X, y)
    per_step = LSTMRegressor(random_kernels=84, return_sequences=True, **FAST)
    with pytest.raises(ValueError, match="return_sequences=True"):
        per_step.fit(X, np.repeat(y[:, None], 120, 1))
    assert not hasattr(per_step, "coefs_")  # left as it was


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # Ridge's, at a penalty of 0
@pytest.mark.parametrize("linear_alpha", [0.0, 3.0])
def test_regressor_base_blends_with_a_fixed_ridge_penalty(linear_alpha):
    # 150 steps of one feature: the ridge on the last steps reads 150 values from 40
    # sequences, so with a penalty of 0 it has no unique solution; the blend's held-out
    # predictions keep only the directions of nonzero singular value, and stay finite.
    X, y = bumps(40, 150, 7)
    model = LSTMRegressor(random_kernels=168, linear_alpha=linear_alpha, **FAST).fit(X, y)
    assert model.linear_alpha_ == linear_alpha and 0.0 <= model.kernel_weight_ <= 1.0
    assert np.all(np.isfinite(model.predict(X)))
