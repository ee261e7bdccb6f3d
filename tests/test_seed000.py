"""Seed 000: a 1-unit LSTM worked by hand, every number printed in the notebook.

The notebook's gate rows are (a, i, f, o) with ``a`` the cell candidate; the core's
blocks are (i, f, g, o). Loss is 0.5 * sum_t (h_t - y_t)^2 with h_t itself the
output, so dL/dh_t = h_t - y_t.
"""

import warnings

import numpy as np
import pytest

from sklstm.core import lstm_backward, lstm_forward

# Notebook values, in its (a, i, f, o) row order.
W_NB = np.array([[0.45, 0.25], [0.95, 0.8], [0.7, 0.45], [0.6, 0.4]])
U_NB = np.array([0.15, 0.8, 0.1, 0.25])
B_NB = np.array([0.2, 0.65, 0.15, 0.1])
TO_CORE = [1, 2, 0, 3]  # notebook row of each core block i, f, g, o
X = np.array([[[1.0, 2.0], [0.5, 3.0]]])
Y = np.array([0.5, 1.25])

# Printed forward values, per step: a, i, f, o, state, out.
FORWARD = [
    [0.8177540779702877, 0.9608342772032357, 0.8519528019683106, 0.8175744761936437,
     0.7857261484365797, 0.5363133978820118],
    [0.8498040223194213, 0.9811839683254171, 0.8703019698552491, 0.8499333428022842,
     1.5176330976694041, 0.7719811057588907],
]  # fmt: skip
# Printed gate deltas (gradients of the pre-activations), per step: a, i, f, o.
DELTAS = [
    [-0.01702404472886597, -0.0016458818995508829, -0.0, 0.0017648023073026033],
    [-0.01938434750774075, -0.001115614070446023, -0.006306541742007648,
     -0.05537783112520711],
]  # fmt: skip
NEW_W = np.array(
    [[0.45267162, 0.25922011], [0.95022037, 0.80066386],
     [0.70031533, 0.45189196], [0.60259241, 0.41626039]]
)  # fmt: skip
NEW_U = np.array([0.15103961, 0.80005983, 0.10033823, 0.25296999])
NEW_B = np.array([0.20364084, 0.65027615, 0.15063065, 0.1053613])


def core_weights():
    return W_NB[TO_CORE].T.copy(), U_NB[TO_CORE][None, :].copy(), B_NB[TO_CORE].copy()


def to_notebook(block_values):
    """Core (i, f, g, o) order back to the notebook's (a, i, f, o)."""
    out = np.empty_like(block_values)
    out[..., TO_CORE] = block_values
    return out


def test_forward_values():
    Wx, Wh, b = core_weights()
    H, cache = lstm_forward(X, Wx, Wh, b)
    gates = to_notebook(cache.gate_values()[0])  # (T, 4) as a, i, f, o
    for t in range(2):
        a, i, f, o, state, out = FORWARD[t]
        np.testing.assert_allclose(gates[t], [a, i, f, o], rtol=0, atol=1e-12)
        np.testing.assert_allclose(cache.cell_states()[0, t + 1, 0], state, rtol=0, atol=1e-12)
        np.testing.assert_allclose(H[0, t, 0], out, rtol=0, atol=1e-12)


def test_gate_deltas():
    # Append four zero-valued input features whose weight rows are the identity:
    # the forward pass is unchanged and dX of those features is the gradient of
    # each gate's pre-activation, the notebook's deltas.
    Wx, Wh, b = core_weights()
    Wx_aug = np.vstack([Wx, np.eye(4)])
    X_aug = np.concatenate([X, np.zeros((1, 2, 4))], axis=2)
    H, cache = lstm_forward(X_aug, Wx_aug, Wh, b)
    dX = lstm_backward(H - Y[None, :, None], cache)[0]
    deltas = to_notebook(dX[0, :, 2:])
    np.testing.assert_allclose(deltas, DELTAS, rtol=0, atol=1e-12)


def test_one_sgd_step():
    Wx, Wh, b = core_weights()
    H, cache = lstm_forward(X, Wx, Wh, b)
    _, dWx, dWh, db, _, _ = lstm_backward(H - Y[None, :, None], cache)
    lr = 0.1
    new_W = to_notebook(Wx - lr * dWx).T
    new_U = to_notebook((Wh - lr * dWh)[0])
    new_b = to_notebook(b - lr * db)
    # The notebook prints 8 decimals: every printed digit must match.
    for got, printed in [(new_W, NEW_W), (new_U, NEW_U), (new_b, NEW_B)]:
        np.testing.assert_array_equal(np.round(got, 8), printed)


@pytest.mark.parametrize("x", [1e4, -1e4])
def test_saturated_gates_stay_finite(x):
    Wx, Wh, b = core_weights()
    # Overflow inside the core is handled there; anything invalid must not occur.
    with np.errstate(invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        H, cache = lstm_forward(np.full((1, 3, 2), x), Wx, Wh, b)
        grads = lstm_backward(np.ones_like(H), cache)
    assert np.all(np.isfinite(H))
    assert all(np.all(np.isfinite(g)) for g in grads)
