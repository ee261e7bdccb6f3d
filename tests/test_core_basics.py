"""Dtypes, initialisation and input checks of the core."""

import weakref

import numpy as np
import pytest

from sklstm.core import (
    Workspace,
    init_lstm_params,
    log_softmax,
    lstm_backward,
    lstm_forward,
    sigmoid,
    softmax,
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_decide_dtype(dtype):
    rng = np.random.default_rng(0)
    Wx, Wh, b = init_lstm_params(2, 4, rng, dtype=dtype)
    X = rng.standard_normal((3, 5, 2))  # float64 input
    H, cache = lstm_forward(X, Wx, Wh, b)
    assert H.dtype == dtype
    grads = lstm_backward(np.ones_like(H), cache)
    assert all(g.dtype == dtype for g in grads)


def test_float32_agrees_with_float64():
    rng = np.random.default_rng(1)
    params = init_lstm_params(3, 8, rng)
    X = rng.standard_normal((4, 20, 3))
    H64, _ = lstm_forward(X, *params)
    H32, _ = lstm_forward(X, *(p.astype(np.float32) for p in params))
    np.testing.assert_allclose(H32, H64, atol=1e-5)


@pytest.mark.parametrize("make_rng", [np.random.default_rng, np.random.RandomState])
def test_init_is_reproducible(make_rng):
    a = init_lstm_params(3, 5, make_rng(7))
    b = init_lstm_params(3, 5, make_rng(7))
    c = init_lstm_params(3, 5, make_rng(8))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_init_scheme():
    Wx, Wh, b = init_lstm_params(3, 5, np.random.default_rng(0))
    limit = np.sqrt(6 / (3 + 20))
    assert np.all(np.abs(Wx) <= limit)
    for k in range(4):
        block = Wh[:, 5 * k : 5 * (k + 1)]
        np.testing.assert_allclose(block.T @ block, np.eye(5), atol=1e-12)
    np.testing.assert_array_equal(b, np.repeat([0.0, 1.0, 0.0, 0.0], 5))


def test_step_by_step_equals_batched():
    """Running one step at a time, carrying the state, gives the batched result."""
    rng = np.random.default_rng(2)
    Wx, Wh, b = init_lstm_params(2, 3, rng)
    X = rng.standard_normal((4, 6, 2))
    H, cache = lstm_forward(X, Wx, Wh, b)
    h = c = None
    for t in range(6):
        H_t, cache_t = lstm_forward(X[:, t : t + 1], Wx, Wh, b, h0=h, c0=c)
        h, c = H_t[:, 0], cache_t.cell_states()[:, 1]
        np.testing.assert_allclose(H_t[:, 0], H[:, t], rtol=0, atol=1e-14)


def test_stable_activations():
    with np.errstate(all="raise"):
        assert sigmoid(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]
        Z = np.array([[1e4, 0.0, -1e4]])
        assert np.all(np.isfinite(log_softmax(Z)))
        np.testing.assert_allclose(softmax(Z).sum(), 1.0)


@pytest.mark.parametrize(
    "shapes, message",
    [
        (((2, 3), (2, 8), (2, 8), (8,)), "3D"),
        (((2, 3, 2), (3, 8), (2, 8), (8,)), "Wx must have shape"),
        (((2, 3, 2), (2, 8), (2, 6), (8,)), "Wh must have shape"),
        (((2, 3, 2), (2, 8), (2, 8), (4,)), "b must have shape"),
    ],
)
def test_bad_shapes_are_rejected(shapes, message):
    X, Wx, Wh, b = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=message):
        lstm_forward(X, Wx, Wh, b)


@pytest.mark.parametrize("shape", [(4, 0, 2), (0, 5, 2)])
def test_empty_batches_give_zero_gradients(shape):
    # No steps or no sequences: nothing to learn from, and no division by an empty size.
    Wx, Wh, b = init_lstm_params(2, 3, np.random.default_rng(0))
    H, cache = lstm_forward(np.ones(shape), Wx, Wh, b)
    dX, dWx, dWh, db, dh0, dc0 = lstm_backward(np.ones_like(H), cache)
    assert H.shape == shape[:2] + (3,) and dX.shape == shape
    assert dWx.shape == Wx.shape and dWh.shape == Wh.shape and db.shape == b.shape
    assert not (dWx.any() or dWh.any() or db.any() or dh0.any() or dc0.any())


def test_workspace_reuses_and_grows_with_slack():
    ws = Workspace()
    a = ws.empty("x", (4, 10), np.float32)
    assert np.shares_memory(a, ws.empty("x", (2, 20), np.float32))  # same buffer, reshaped
    assert np.shares_memory(a, ws.empty("x", (3, 5), np.float32))  # smaller: a prefix of it
    grown = ws.empty("x", (4, 12), np.float32)  # larger: a new buffer, 1/8 to spare
    assert not np.shares_memory(a, grown)
    assert np.shares_memory(grown, ws.empty("x", (54,), np.float32))  # 48 + 6 fits
    assert ws.empty("x", (4, 10), np.float64).dtype == np.float64  # another dtype: replaced
    assert not ws.zeros("y", (3, 3), np.float32).any()
    assert ws.child("layer") is ws.child("layer") and ws.child("layer") is not ws


def test_workspace_repeats_a_request_and_frees_what_it_replaces():
    ws = Workspace()
    a = ws.empty("x", (4, 10), np.float32)
    assert ws.empty("x", (4, 10), np.float32) is a  # every full minibatch asks the same
    b = ws.empty("x", (2, 20), np.float32)
    assert b.shape == (2, 20) and np.shares_memory(a, b)
    ws.reuse("views", (a,), [a[:1]].copy)  # views of the buffer, kept
    buffer = weakref.ref(a.base)
    del a, b
    assert ws.empty("x", (100,), np.float32).shape == (100,)  # grows: a new buffer
    assert buffer() is None  # the old one is kept alive neither by the last request nor views


def test_workspace_reuse_keeps_a_value_for_the_same_arrays_only():
    ws = Workspace()
    a, b = ws.empty("a", (2,), np.float32), ws.empty("b", (3,), np.float32)
    first = ws.reuse("views", (a, b), lambda: [a[:1]])
    assert ws.reuse("views", (a, b), lambda: [b[:1]]) is first
    second = ws.reuse("views", (b, a), lambda: [b[:1]])
    assert second is not first and np.shares_memory(second[0], b)  # other arrays: made anew
    assert ws.reuse("views", (b, a), lambda: None) is second
    flags = ws.reuse("flags", (a, (True, False)), lambda: [0])
    assert ws.reuse("flags", (a, (True, False)), lambda: [1]) is flags  # others by equality
    assert ws.reuse("flags", (a, (False, False)), lambda: [1]) == [1]
