"""Stacked and bidirectional LSTM layers, built from the single-layer functions.

A network's LSTM weights are a list of layers; a layer is a list of one
direction (unidirectional) or two (forward then backward); a direction is a
``(Wx, Wh, b)`` tuple. The backward direction reads each sequence from its own
last real step, so a padded batch gives, for every sequence, what that
sequence gives alone. A bidirectional layer outputs ``[H_forward, H_backward]``
along the last axis.
"""

from typing import NamedTuple

import numpy as np

from ._init import init_lstm_params
from ._lstm import lstm_backward, lstm_forward
from ._sequences import resolve_lengths, reverse_sequences
from ._workspace import FRESH

__all__ = ["StackCache", "init_lstm_stack", "lstm_stack_forward", "lstm_stack_backward"]


class StackCache(NamedTuple):
    """What :func:`lstm_stack_forward` keeps for :func:`lstm_stack_backward`.

    Parameters
    ----------
    layer_caches : list of list of LSTMCache
        One cache per direction of each layer.
    lengths : ndarray of int or None
        Real steps per sequence; None when none is padded.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_stack, lstm_stack_forward
    >>> layers = init_lstm_stack(1, [2, 2], np.random.default_rng(0))
    >>> _, cache = lstm_stack_forward(np.ones((3, 4, 1)), layers, lengths=np.array([4, 1, 2]))
    >>> len(cache.layer_caches), cache.lengths.tolist()
    (2, [4, 1, 2])
    """

    layer_caches: list
    lengths: np.ndarray | None


def init_lstm_stack(n_features, hidden_sizes, random_state, bidirectional=False, dtype=np.float64):
    """Draw the weights of stacked (and optionally bidirectional) LSTM layers.

    Parameters
    ----------
    n_features : int
        Size of each input step.
    hidden_sizes : sequence of int
        Units of each layer, from the input upwards.
    random_state : numpy.random.Generator or numpy.random.RandomState
        Source of randomness.
    bidirectional : bool, default=False
        Whether each layer also runs backward in time.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Dtype of the weights.

    Returns
    -------
    layers : list of list of tuple
        ``layers[k][d]`` is ``(Wx, Wh, b)`` of direction ``d`` of layer ``k``,
        drawn with :func:`init_lstm_params`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_stack
    >>> layers = init_lstm_stack(3, [8, 4], np.random.default_rng(0), bidirectional=True)
    >>> [layer[0][0].shape for layer in layers]
    [(3, 32), (16, 16)]
    """
    n_directions = 2 if bidirectional else 1
    layers = []
    n_in = n_features
    for n_hidden in hidden_sizes:
        layers.append(
            [init_lstm_params(n_in, n_hidden, random_state, dtype) for _ in range(n_directions)]
        )
        n_in = n_hidden * n_directions
    return layers


def lstm_stack_forward(X, layers, mask=None, lengths=None, keep_cache=True, workspace=None):
    """Run stacked, optionally bidirectional, LSTM layers.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Input sequences, right-padded.
    layers : list of list of tuple
        Weights as :func:`init_lstm_stack` returns them.
    mask : ndarray of bool, shape (n_samples, n_timesteps), default=None
        True at real steps.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence, an alternative to ``mask``.
    keep_cache : bool, default=True
        Whether to keep what :func:`lstm_stack_backward` needs (see
        :func:`lstm_forward`).
    workspace : Workspace, default=None
        Buffers to reuse from the last call, one part per layer and direction
        (see :func:`lstm_forward`); new arrays when None.

    Returns
    -------
    H : ndarray, shape (n_samples, n_timesteps, n_directions * n_hidden_last)
        Output of the top layer; zero at padded steps.
    cache : StackCache or None
        What :func:`lstm_stack_backward` needs; None when ``keep_cache`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_stack, lstm_stack_forward
    >>> layers = init_lstm_stack(3, [8, 4], np.random.default_rng(0), bidirectional=True)
    >>> H, cache = lstm_stack_forward(np.ones((2, 5, 3)), layers)
    >>> H.shape
    (2, 5, 8)
    """
    X = np.asarray(X)
    lengths = resolve_lengths(X.shape[0], X.shape[1], mask, lengths)
    ws = FRESH if workspace is None else workspace
    layer_caches = []
    inputs = X
    for k, layer in enumerate(layers):
        caches = []
        layer_input = inputs
        for direction, (Wx, Wh, b) in enumerate(layer):
            part = ws.child((k, direction))
            X_dir = layer_input
            if direction == 1:
                shape, dtype = layer_input.shape, layer_input.dtype
                X_dir = reverse_sequences(
                    layer_input, lengths, part.empty("reversed X", shape, dtype)
                )
            H_dir, cache = lstm_forward(
                X_dir, Wx, Wh, b, lengths=lengths, keep_cache=keep_cache, workspace=part
            )
            caches.append(cache)
            if len(layer) == 1:
                inputs = H_dir
            elif direction == 0:
                # Both directions' states side by side, the backward one in forward time.
                n_hidden = H_dir.shape[2]
                inputs = ws.empty(("H", k), H_dir.shape[:2] + (2 * n_hidden,), H_dir.dtype)
                inputs[:, :, :n_hidden] = H_dir
            else:
                reverse_sequences(H_dir, lengths, inputs[:, :, n_hidden:])
        layer_caches.append(caches)
    return inputs, StackCache(layer_caches, lengths) if keep_cache else None


def lstm_stack_backward(dH, cache, need_dX=True, workspace=None):
    """Backpropagate through stacked, optionally bidirectional, LSTM layers.

    Parameters
    ----------
    dH : ndarray, shape (n_samples, n_timesteps, n_directions * n_hidden_last)
        Gradient of the loss with respect to the output of
        :func:`lstm_stack_forward`. Values at padded steps are ignored.
    cache : StackCache
        The cache returned by :func:`lstm_stack_forward`.
    need_dX : bool, default=True
        Whether to compute the gradient with respect to the network's input.
    workspace : Workspace, default=None
        Buffers to reuse from the last call (see :func:`lstm_backward`); new
        arrays when None.

    Returns
    -------
    dX : ndarray, shape (n_samples, n_timesteps, n_features), or None
        Gradient with respect to ``X``; None when ``need_dX`` is False.
    grads : list of list of tuple
        ``grads[k][d]`` is ``(dWx, dWh, db)``, laid out as the weights are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_stack, lstm_stack_forward, lstm_stack_backward
    >>> layers = init_lstm_stack(3, [4], np.random.default_rng(0))
    >>> H, cache = lstm_stack_forward(np.ones((2, 5, 3)), layers)
    >>> dX, grads = lstm_stack_backward(np.ones_like(H), cache)
    >>> dX.shape, grads[0][0][0].shape
    ((2, 5, 3), (3, 16))
    """
    lengths = cache.lengths
    ws = FRESH if workspace is None else workspace
    grads = []
    for k in range(len(cache.layer_caches) - 1, -1, -1):
        caches = cache.layer_caches[k]
        want_dX = need_dX or k > 0
        splits = [dH] if len(caches) == 1 else np.split(dH, len(caches), axis=-1)
        d_inputs = None
        layer_grads = []
        for direction, (dH_dir, layer_cache) in enumerate(zip(splits, caches)):
            part = ws.child((k, direction))
            if direction == 1:
                dH_dir = reverse_sequences(
                    dH_dir, lengths, part.empty("reversed dH", dH_dir.shape, dH.dtype)
                )
            dX_dir, dWx, dWh, db, _, _ = lstm_backward(
                dH_dir, layer_cache, need_dX=want_dX, workspace=part
            )
            if want_dX:
                if direction == 1:
                    # The forward direction's dX is this call's own array: add in place.
                    shape, dtype = dX_dir.shape, dX_dir.dtype
                    d_inputs += reverse_sequences(
                        dX_dir, lengths, part.empty("reversed dX", shape, dtype)
                    )
                else:
                    d_inputs = dX_dir
            layer_grads.append((dWx, dWh, db))
        grads.append(layer_grads)
        dH = d_inputs
    grads.reverse()
    return dH, grads
