"""Backpropagation through time against central finite differences (float64)."""

import numpy as np
import pytest

from sklstm.core import (
    init_lstm_params,
    init_lstm_stack,
    lstm_backward,
    lstm_forward,
    lstm_stack_backward,
    lstm_stack_forward,
)

EPS = 1e-6


def numerical_gradient(loss, array):
    """Central differences of ``loss()`` with respect to each entry of ``array``."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        saved = array[idx]
        array[idx] = saved + EPS
        plus = loss()
        array[idx] = saved - EPS
        minus = loss()
        array[idx] = saved
        grad[idx] = (plus - minus) / (2 * EPS)
    return grad


def relative_error(analytic, numeric):
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    if scale == 0:  # both exactly zero: they agree
        return 0.0
    return np.linalg.norm(analytic - numeric) / scale


def random_case(rng, n=3, t=6, d=2, h=3):
    X = rng.standard_normal((n, t, d))
    Wx, Wh, b = init_lstm_params(d, h, rng)
    # Move away from the initial scheme so that every gate matters.
    b += 0.3 * rng.standard_normal(b.shape)
    return X, Wx, Wh, b


def check_layer_gradients(rng, lengths, n=3, t=6, d=2, h=3):
    """Every gradient of one layer (X, weights, initial states) against finite differences."""
    X, Wx, Wh, b = random_case(rng, n, t, d, h)
    h0 = 0.5 * rng.standard_normal((n, h))
    c0 = 0.5 * rng.standard_normal((n, h))
    R = rng.standard_normal((n, t, h))

    def loss():
        H, _ = lstm_forward(X, Wx, Wh, b, h0=h0, c0=c0, lengths=lengths)
        return np.sum(H * R)

    H, cache = lstm_forward(X, Wx, Wh, b, h0=h0, c0=c0, lengths=lengths)
    dX, dWx, dWh, db, dh0, dc0 = lstm_backward(R, cache)
    for name, analytic, array in [
        ("X", dX, X), ("Wx", dWx, Wx), ("Wh", dWh, Wh), ("b", db, b),
        ("h0", dh0, h0), ("c0", dc0, c0),
    ]:  # fmt: skip
        err = relative_error(analytic, numerical_gradient(loss, array))
        assert err < 1e-6, f"{name}: relative error {err:.2e}"
    return H, dX, dh0, dc0


@pytest.mark.parametrize("lengths", [None, np.array([6, 2, 4])])
def test_single_layer_gradients(lengths):
    H, dX, _, _ = check_layer_gradients(np.random.default_rng(0), lengths)
    if lengths is not None:
        padded = np.arange(6) >= lengths[:, None]
        assert np.all(dX[padded] == 0)
        assert np.all(H[padded] == 0)


def test_mask_equals_lengths():
    rng = np.random.default_rng(1)
    X, Wx, Wh, b = random_case(rng)
    lengths = np.array([6, 2, 4])
    mask = np.arange(6) < lengths[:, None]
    H1, c1 = lstm_forward(X, Wx, Wh, b, mask=mask)
    H2, c2 = lstm_forward(X, Wx, Wh, b, lengths=lengths)
    np.testing.assert_array_equal(H1, H2)
    R = rng.standard_normal(H1.shape)
    for g1, g2 in zip(lstm_backward(R, c1), lstm_backward(R, c2)):
        np.testing.assert_array_equal(g1, g2)


@pytest.mark.parametrize(
    "hidden_sizes, bidirectional",
    [([3, 2], False), ([3], True), ([2, 3], True)],
)
def test_stack_gradients(hidden_sizes, bidirectional):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 5, 2))
    lengths = np.array([5, 3, 1])
    layers = init_lstm_stack(2, hidden_sizes, rng, bidirectional=bidirectional)
    for layer in layers:
        for _, _, b in layer:
            b += 0.3 * rng.standard_normal(b.shape)
    H, cache = lstm_stack_forward(X, layers, lengths=lengths)
    R = rng.standard_normal(H.shape)

    def loss():
        return np.sum(lstm_stack_forward(X, layers, lengths=lengths)[0] * R)

    dX, grads = lstm_stack_backward(R, cache)
    checks = [("X", dX, X)]
    for k, layer in enumerate(layers):
        for d, params in enumerate(layer):
            for name, g, p in zip(("Wx", "Wh", "b"), grads[k][d], params):
                checks.append((f"layer {k} direction {d} {name}", g, p))
    for name, analytic, array in checks:
        err = relative_error(analytic, numerical_gradient(loss, array))
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


def test_stack_without_input_gradient():
    rng = np.random.default_rng(3)
    layers = init_lstm_stack(2, [3], rng, bidirectional=True)
    H, cache = lstm_stack_forward(rng.standard_normal((2, 4, 2)), layers)
    dX, grads = lstm_stack_backward(np.ones_like(H), cache, need_dX=False)
    assert dX is None
    full_dX, full_grads = lstm_stack_backward(np.ones_like(H), cache)
    for g, f in zip(grads[0], full_grads[0]):
        for a, b in zip(g, f):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("block_steps", [1, 2, 4])
@pytest.mark.parametrize("lengths", [None, np.array([6, 0, 2, 4, 1, 6])])
def test_gradients_across_backward_blocks(monkeypatch, block_steps, lengths):
    # The backward pass carries the cell gradient from one block of steps to the next, and
    # sequences end inside blocks; force blocks of a few steps.
    import sklstm.core._lstm as lstm_module

    n, h = 6, 3
    monkeypatch.setattr(lstm_module, "_FACTOR_BLOCK_BYTES", block_steps * 6 * h * n * 8)
    _, _, dh0, dc0 = check_layer_gradients(np.random.default_rng(1), lengths, n=n, h=h)
    if lengths is not None:
        # A sequence of no steps passes its initial state through untouched.
        assert np.all(dh0[1] == 0) and np.all(dc0[1] == 0)
