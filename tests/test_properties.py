"""Property-based checks of the core over random shapes, lengths, dtypes and input scales."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sklstm.core import init_lstm_stack, lstm_stack_backward, lstm_stack_forward


@st.composite
def cases(draw):
    n = draw(st.integers(1, 5))
    T = draw(st.integers(1, 12))
    D = draw(st.integers(1, 4))
    H = draw(st.integers(1, 6))
    lengths = np.array(draw(st.lists(st.integers(1, T), min_size=n, max_size=n)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e6]))
    bidirectional = draw(st.booleans())
    n_layers = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    return n, T, D, H, lengths, dtype, scale, bidirectional, n_layers, seed


@settings(max_examples=60, deadline=None)
@given(cases())
def test_finite_input_gives_finite_output_and_padding_is_invisible(case):
    n, T, D, H, lengths, dtype, scale, bidirectional, n_layers, seed = case
    rng = np.random.default_rng(seed)
    layers = init_lstm_stack(D, [H] * n_layers, rng, bidirectional, dtype)
    X = (scale * rng.standard_normal((n, T, D))).astype(dtype)
    X[np.arange(T) >= lengths[:, None]] = 1e30  # padding: large, never read
    Hout, cache = lstm_stack_forward(X, layers, lengths=lengths)
    R = rng.standard_normal(Hout.shape).astype(dtype)
    dX, grads = lstm_stack_backward(R, cache)
    assert np.all(np.isfinite(Hout)) and np.all(np.isfinite(dX))
    assert all(np.all(np.isfinite(g)) for layer in grads for d in layer for g in d)
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (1e-4, 1e-5)
    for k in range(n):
        m = lengths[k]
        alone, cache_alone = lstm_stack_forward(X[k : k + 1, :m], layers)
        np.testing.assert_allclose(Hout[k, :m], alone[0], rtol=rtol, atol=atol)
        dX_alone, _ = lstm_stack_backward(R[k : k + 1, :m], cache_alone)
        np.testing.assert_allclose(dX[k, :m], dX_alone[0], rtol=rtol, atol=atol)
