"""The network's readouts, dropout and head against finite differences (float64)."""

import numpy as np
import pytest

from sklstm.core import Workspace
from sklstm.layers import LSTM, Dense, Dropout, Readout
from sklstm.network import Network
from tests.test_core_gradients import numerical_gradient, relative_error


def lstm_network(hidden, n_outputs, bidirectional=False, pooling="last", return_sequences=False,
                dropout=0.0):  # fmt: skip
    """The layers the estimators list: LSTM (and dropout) layers, a readout, a dense head."""
    layers = []
    for n_hidden in hidden:
        layers += [LSTM(n_hidden, bidirectional)] + ([Dropout(dropout)] if dropout else [])
    if not return_sequences:
        layers.append(Readout(pooling, backward_half=bidirectional))
    return Network(layers + [Dense(n_outputs)])


def top(cache):
    """The top LSTM layer's states, as the readout read them."""
    return cache[-2].H


def features(cache):
    """The vectors the head read."""
    return cache[-1]


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_network_gradients(pooling, bidirectional, return_sequences):
    rng = np.random.RandomState(0)
    net = lstm_network((3, 2), 2, bidirectional, pooling, return_sequences, dropout=0.3)
    params = net.init_params(2, rng)
    X = rng.standard_normal((3, 5, 2))
    lengths = np.array([5, 2, 4])
    seed = 7

    def run():
        return net.forward(params, X, lengths, dropout_rng=np.random.RandomState(seed))

    out, cache = run()
    R = rng.standard_normal(out.shape)
    grads = net.backward(params, R, cache)

    def loss():
        return np.sum(run()[0] * R)

    for k, (g, p) in enumerate(zip(grads, params)):
        err = relative_error(g, numerical_gradient(loss, p))
        assert err < 1e-6, f"parameter {k}: relative error {err:.2e}"


def test_bidirectional_last_reads_both_ends():
    rng = np.random.RandomState(1)
    net = lstm_network((3,), 1, bidirectional=True, pooling="last")
    params = net.init_params(1, rng)
    X = rng.standard_normal((1, 6, 1))
    _, cache = net.forward(params, X, np.array([4]))
    H = top(cache)
    np.testing.assert_array_equal(features(cache)[0, :3], H[0, 3, :3])
    np.testing.assert_array_equal(features(cache)[0, 3:], H[0, 0, 3:])


def test_concat_pooling_is_last_mean_max_side_by_side():
    rng = np.random.RandomState(2)
    X = rng.standard_normal((3, 6, 2))
    lengths = np.array([6, 3, 5])
    concat = lstm_network((4,), 1, pooling="concat")
    params = concat.init_params(2, rng)
    _, cache = concat.forward(params, X, lengths)
    assert features(cache).shape == (3, 12) and params[-2].shape == (12, 1)
    for k, pooling in enumerate(["last", "mean", "max"]):
        single = lstm_network((4,), 1, pooling=pooling)
        _, single_cache = single.forward(params[:3] + [params[-2][4 * k : 4 * k + 4], params[-1]],
                                         X, lengths)  # fmt: skip
        np.testing.assert_array_equal(features(cache)[:, 4 * k : 4 * k + 4], features(single_cache))


@pytest.mark.parametrize("pooling", ["last", "concat"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_workspace_gives_what_fresh_arrays_give(pooling, bidirectional):
    # Minibatches of changing size and raggedness, each run through one workspace as
    # training runs them: every output and gradient equals a run on fresh arrays, so no
    # value left in a reused buffer (padding, an earlier longer batch) reaches a result.
    rng = np.random.RandomState(3)
    net = lstm_network((4, 3), 2, bidirectional, pooling)
    params = [p.astype(np.float32) for p in net.init_params(2, rng)]
    batches = [
        (rng.standard_normal((5, 7, 2)) * 3, None),
        (rng.standard_normal((6, 9, 2)), np.array([9, 1, 4, 9, 6, 2])),
        (rng.standard_normal((3, 4, 2)), None),
        (rng.standard_normal((3, 4, 2)), None),  # the same shape again: kept step views
        (rng.standard_normal((6, 9, 2)), np.array([3, 9, 5, 1, 9, 7])),
    ]
    workspace = Workspace()
    shared = []
    for X, lengths in batches:
        X = X.astype(np.float32)
        out, cache = net.forward(params, X, lengths)
        R = rng.standard_normal(out.shape).astype(np.float32)
        grads = net.backward(params, R, cache)
        out_ws, cache_ws = net.forward(params, X, lengths, workspace=workspace)
        grads_ws = net.backward(params, R, cache_ws, workspace)
        np.testing.assert_array_equal(out_ws, out)
        for g_ws, g in zip(grads_ws, grads):
            np.testing.assert_array_equal(g_ws, g)
        shared.append(top(cache_ws))
    # The workspace did reuse its memory: the last batch's states sit where the second's did.
    assert np.shares_memory(shared[1], shared[4])
