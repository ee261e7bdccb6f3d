"""A padded batch of ragged sequences gives what each sequence gives alone."""

import numpy as np
import pytest

from sklstm.core import (
    init_lstm_stack,
    last_steps,
    lstm_stack_backward,
    lstm_stack_forward,
    resolve_lengths,
    reverse_sequences,
)

LENGTHS = np.array([7, 1, 4, 7, 2])


def ragged_batch(rng, d=3, padding=np.nan):
    T = LENGTHS.max()
    X = np.full((len(LENGTHS), T, d), padding)
    seqs = [rng.standard_normal((n, d)) for n in LENGTHS]
    for k, s in enumerate(seqs):
        X[k, : len(s)] = s
    return X, seqs


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("hidden_sizes", [[4], [4, 3]])
def test_padded_batch_equals_each_sequence_alone(bidirectional, hidden_sizes):
    rng = np.random.default_rng(0)
    # NaN padding proves that padded steps are never read.
    X, seqs = ragged_batch(rng, padding=np.nan)
    layers = init_lstm_stack(3, hidden_sizes, rng, bidirectional=bidirectional)
    H, cache = lstm_stack_forward(X, layers, lengths=LENGTHS)
    R = rng.standard_normal(H.shape)
    dX, grads = lstm_stack_backward(R, cache)
    assert np.all(np.isfinite(H)) and np.all(np.isfinite(dX))

    summed = [[np.zeros_like(p) for p in direction] for layer in grads for direction in layer]
    for k, s in enumerate(seqs):
        n = len(s)
        H_alone, cache_alone = lstm_stack_forward(s[None], layers)
        np.testing.assert_allclose(H[k, :n], H_alone[0], rtol=0, atol=1e-12)
        assert np.all(H[k, n:] == 0)
        dX_alone, grads_alone = lstm_stack_backward(R[k : k + 1, :n], cache_alone)
        np.testing.assert_allclose(dX[k, :n], dX_alone[0], rtol=0, atol=1e-12)
        assert np.all(dX[k, n:] == 0)
        flat = [direction for layer in grads_alone for direction in layer]
        for acc, direction in zip(summed, flat):
            for a, g in zip(acc, direction):
                a += g
    flat = [direction for layer in grads for direction in layer]
    for acc, direction in zip(summed, flat):
        for a, g in zip(acc, direction):
            np.testing.assert_allclose(g, a, rtol=0, atol=1e-12)


def test_reverse_sequences_keeps_padding_and_inverts():
    A = np.arange(2 * 4).reshape(2, 4, 1).astype(float)
    lengths = np.array([4, 2])
    R = reverse_sequences(A, lengths)
    np.testing.assert_array_equal(R[:, :, 0], [[3, 2, 1, 0], [5, 4, 6, 7]])
    np.testing.assert_array_equal(reverse_sequences(R, lengths), A)


def test_last_steps():
    A = np.arange(2 * 3).reshape(2, 3, 1)
    np.testing.assert_array_equal(last_steps(A, np.array([3, 1]))[:, 0], [2, 3])
    np.testing.assert_array_equal(last_steps(A)[:, 0], [2, 5])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mask": np.array([[True, False, True]])}, "right padding"),
        ({"mask": np.ones((2, 3), bool)}, "shape"),
        ({"lengths": np.array([4])}, "between 0"),
        ({"lengths": np.array([1.5])}, "integers"),
        ({"mask": np.ones((1, 3), bool), "lengths": np.array([3])}, "not both"),
    ],
)
def test_bad_masks_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resolve_lengths(1, 3, **kwargs)


def test_full_lengths_mean_no_padding():
    assert resolve_lengths(2, 3, lengths=np.array([3, 3])) is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_forward_without_cache_gives_the_same_outputs(bidirectional, dtype):
    # Prediction's lean pass (one step of scratch) does the same arithmetic as training's.
    rng = np.random.default_rng(5)
    X, _ = ragged_batch(rng)
    layers = init_lstm_stack(3, [5, 4], rng, bidirectional=bidirectional, dtype=dtype)
    kept, cache = lstm_stack_forward(X.astype(dtype), layers, lengths=LENGTHS)
    lean, none = lstm_stack_forward(X.astype(dtype), layers, lengths=LENGTHS, keep_cache=False)
    assert cache is not None and none is None
    np.testing.assert_array_equal(lean, kept)
    assert lean.dtype == dtype and np.all(np.isfinite(lean))
