"""The convolutional front end's layers: finite differences, ragged batches, short sequences."""

import re

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.core import conv1d_backward, conv1d_forward
from sklstm.layers import LSTM, Conv1D, Dense, MaxPool1D, Readout, ReLU
from sklstm.network import Network
from tests.test_core_gradients import numerical_gradient, relative_error

LENGTHS = np.array([9, 2, 5, 7])


def front_end_layers(kernel_size=3, pool_size=2):
    return [Conv1D(4, kernel_size), ReLU(), MaxPool1D(pool_size)]


def check_gradients(layers, X, lengths, seed=0):
    """Every parameter's and the input's gradient against central differences."""
    rng = np.random.RandomState(seed)
    net = Network(layers)
    params = net.init_params(X.shape[2], rng)
    for p in params:  # move away from the initial values (zero biases)
        p += 0.3 * rng.standard_normal(p.shape)
    out, cache = net.forward(params, X, lengths)
    R = rng.standard_normal(out.shape)
    if out.ndim == 3 and lengths is not None:  # padded outputs are not part of the loss
        out_lengths = lengths
        for layer in layers:
            if isinstance(layer, MaxPool1D):
                out_lengths = -(-out_lengths // layer.pool_size)
        R[np.arange(out.shape[1]) >= out_lengths[:, None]] = 0.0
    grads = net.backward(params, R, cache)

    def loss():
        return np.sum(net.forward(params, X, lengths)[0] * R)

    for k, (g, p) in enumerate(zip(grads, params)):
        err = relative_error(g, numerical_gradient(loss, p))
        assert err < 1e-6, f"parameter {k}: relative error {err:.2e}"


@pytest.mark.parametrize("kernel_size", [1, 2, 3, 7])
@pytest.mark.parametrize("ragged", [False, True])
def test_conv1d_gradients(kernel_size, ragged):
    X = np.random.RandomState(1).standard_normal((4, 9, 3))
    check_gradients([Conv1D(4, kernel_size)], X, LENGTHS if ragged else None)


@pytest.mark.parametrize("pool_size", [2, 3, 4])
@pytest.mark.parametrize("ragged", [False, True])
def test_max_pool_gradients(pool_size, ragged):
    X = np.random.RandomState(3).standard_normal((4, 9, 3))
    # Pooling has no parameters: check it under a convolution, whose gradients flow through it.
    check_gradients([Conv1D(3, 3), MaxPool1D(pool_size)], X, LENGTHS if ragged else None)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("ragged", [False, True])
def test_front_end_stacked_under_lstm_gradients(bidirectional, ragged):
    X = np.random.RandomState(4).standard_normal((4, 9, 2))
    layers = front_end_layers(3, 2) + front_end_layers(2, 2)
    layers += [LSTM(3, bidirectional), Readout("concat", bidirectional), Dense(2)]
    check_gradients(layers, X, LENGTHS if ragged else None)


def test_input_gradient_of_conv():
    # The first layer's input gradient is never needed in a network, so it is checked here,
    # on the core functions (deeper layers' input gradients are checked through the
    # parameters of the layers below them).
    rng = np.random.RandomState(5)
    X = rng.standard_normal((4, 9, 3))
    W, b = rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    R = rng.standard_normal((4, 9, 4))
    R[np.arange(9) >= LENGTHS[:, None]] = 0.0
    Y, cache = conv1d_forward(X, W, b, LENGTHS)
    dX = conv1d_backward(R, W, cache)[0]
    numeric = numerical_gradient(lambda: np.sum(conv1d_forward(X, W, b, LENGTHS)[0] * R), X)
    assert relative_error(dX, numeric) < 1e-6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ragged_batch_equals_each_sequence_alone(dtype):
    rng = np.random.RandomState(6)
    X = rng.standard_normal((4, 9, 2)).astype(dtype)
    X[np.arange(9) >= LENGTHS[:, None]] = 7.0  # padding with values that must not leak
    layers = front_end_layers(7, 3) + front_end_layers(3, 2)
    layers += [LSTM(3, True), Readout("concat", True), Dense(2)]
    net = Network(layers)
    params = net.init_params(2, rng, dtype)
    batch, _ = net.forward(params, X, LENGTHS)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for k, n in enumerate(LENGTHS):
        alone, _ = net.forward(params, X[k : k + 1, :n], None)
        np.testing.assert_allclose(batch[k], alone[0], rtol=rtol, atol=rtol)


def test_ragged_front_end_per_step_equals_alone():
    rng = np.random.RandomState(7)
    X = rng.standard_normal((4, 9, 2))
    net = Network(front_end_layers(5, 2))
    params = net.init_params(2, rng)
    out, cache = net.forward(params, X, LENGTHS)
    assert out.shape == (4, 5, 4)
    for k, n in enumerate(LENGTHS):
        alone, _ = net.forward(params, X[k : k + 1, :n], None)
        m = -(-n // 2)
        np.testing.assert_allclose(out[k, :m], alone[0], rtol=1e-12, atol=1e-12)
        assert np.all(out[k, m:] == 0.0)


@pytest.mark.parametrize("T", [1, 2, 3])
def test_sequences_shorter_than_the_kernel(T):
    rng = np.random.RandomState(8)
    X = rng.standard_normal((2, T, 1))
    layers = front_end_layers(7, 4) + [LSTM(2), Readout("last"), Dense(1)]
    check_gradients(layers, X, None)
    net = Network(layers)
    params = net.init_params(1, rng)
    out, _ = net.forward(params, X)
    assert out.shape == (2, 1) and np.all(np.isfinite(out))


@pytest.mark.parametrize(
    "layer",
    [Conv1D(3, 4), MaxPool1D(3)],
    ids=lambda layer: type(layer).__name__,
)
def test_each_layer_alone_ignores_padding(layer):
    rng = np.random.RandomState(9)
    X = rng.standard_normal((4, 9, 2)) - 1.0  # mostly negative: a padded zero would win a max
    X[np.arange(9) >= LENGTHS[:, None]] = 7.0  # padding with values that must not leak
    params = layer.init_params(2, rng, np.float64)
    out, out_lengths, _ = layer.forward(params, X, LENGTHS)
    for k, n in enumerate(LENGTHS):
        alone, alone_lengths, _ = layer.forward(params, X[k : k + 1, :n], None)
        m = alone.shape[1]
        assert out_lengths[k] == m
        np.testing.assert_allclose(out[k, :m], alone[0], rtol=1e-12, atol=1e-12)
        assert np.all(out[k, m:] == 0.0)


# ------------------------------------------------------------------- estimators
FRONT_END = dict(conv_filters=(6, 6), conv_kernel_sizes=(5, 3), conv_pool_size=2)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_estimators_fit_with_a_front_end(Estimator, quiet_convergence):
    rng = np.random.RandomState(10)
    X = rng.standard_normal((30, 40, 2))
    y = X[:, 10:20, 0].mean(axis=1)
    y = y if Estimator is LSTMRegressor else np.where(y > 0, "up", "down")
    model = Estimator(hidden_layer_sizes=(4,), max_iter=3, random_state=0, **FRONT_END)
    model.fit(X, y)
    assert [p.shape for p in model.coefs_[:4]] == [(5, 2, 6), (6,), (3, 6, 6), (6,)]
    assert model.patch_size_ == 1  # 40 steps pooled twice by 2 are 10 for the LSTM
    assert model.predict(X).shape == (30,)
    ragged = [x[: 10 + k] for k, x in enumerate(X)]
    predict = model.predict if Estimator is LSTMRegressor else model.predict_proba
    alone = np.concatenate([predict(x[None]) for x in ragged])
    # float32: a row's rounding depends on where it sits in the batch (see test_estimators_api)
    np.testing.assert_allclose(predict(ragged), alone, rtol=1e-5, atol=1e-6)


def test_sequences_shorter_than_a_kernel_fit_and_predict(quiet_convergence):
    X = np.random.RandomState(11).standard_normal((12, 2, 1))
    model = LSTMRegressor(conv_filters=4, conv_kernel_sizes=7, max_iter=2, random_state=0)
    assert model.fit(X, X[:, -1, 0]).predict(X[:3]).shape == (3,)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"conv_filters": (4, 0)}, "conv_filters must be"),
        ({"conv_filters": 4, "conv_kernel_sizes": (3, 5)}, "2 kernel sizes for 1 convolutions"),
        ({"conv_filters": (4,), "conv_kernel_sizes": ()}, "conv_kernel_sizes must be"),
        ({"conv_filters": 4, "return_sequences": True}, "conv_pool_size=4 shortens"),
        ({"conv_pool_size": 0}, "conv_pool_size"),
        ({"conv_filters": "wide"}, "conv_filters"),
    ],
)
def test_bad_front_end_parameters_get_clear_errors(params, message):
    X = np.zeros((6, 8, 1))
    y = np.zeros((6, 8)) if params.get("return_sequences") else np.zeros(6)
    with pytest.raises(ValueError, match=re.escape(message)):
        LSTMRegressor(**params).fit(X, y)


def test_per_step_targets_with_a_front_end_that_keeps_every_step(quiet_convergence):
    rng = np.random.RandomState(12)
    X = rng.standard_normal((20, 9, 1))
    model = LSTMRegressor(conv_filters=4, conv_pool_size=1, return_sequences=True, max_iter=2)
    assert model.fit(X, np.cumsum(X[:, :, 0], axis=1)).predict(X).shape == (20, 9)


def test_warm_start_refuses_a_changed_front_end(quiet_convergence):
    X = np.random.RandomState(13).standard_normal((10, 8, 1))
    model = LSTMRegressor(conv_filters=4, warm_start=True, max_iter=1).fit(X, X[:, 0, 0])
    with pytest.raises(ValueError, match="conv_filters"):
        model.set_params(conv_filters=8).fit(X, X[:, 0, 0])
