"""An LSTM network: stacked (bidirectional) layers, a readout, dropout and a dense head.

Parameters live in one flat list, in this order: for each layer, for each
direction, ``Wx, Wh, b``; then the head's ``W_out (n_units, n_outputs)`` and
``b_out (n_outputs,)``. The network itself holds only its shape, never
weights or state, so one network object can serve many threads.
"""

from typing import NamedTuple

import numpy as np

from .core import init_lstm_stack, last_steps, lstm_stack_backward, lstm_stack_forward
from .core._workspace import FRESH

__all__ = ["LSTMNetwork"]

POOLINGS = ("last", "mean", "max", "concat")
_CONCAT = ("last", "mean", "max")


class NetworkCache(NamedTuple):
    layer_caches: list
    dropout_masks: list
    top: np.ndarray
    features: np.ndarray
    lengths: np.ndarray | None


class LSTMNetwork:
    """Shape of an LSTM network and its forward and backward passes.

    Parameters
    ----------
    hidden_sizes : tuple of int
        Units of each stacked LSTM layer.
    n_outputs : int
        Units of the dense head.
    bidirectional : bool
        Whether each layer also reads the sequences backward.
    pooling : {'concat', 'last', 'mean', 'max'}
        How one vector per sequence is read from the top layer: its state at
        the last real step (for a bidirectional layer, the forward half there
        and the backward half at the first step, where it has read the whole
        sequence), the mean or maximum over all real steps, or 'concat', the
        three side by side (Howard & Ruder 2018, ULMFiT's concat pooling).
    return_sequences : bool
        Whether the head is applied at every step (one output per step)
        instead of to the pooled vector.
    dropout : float
        Probability of zeroing each unit of each LSTM layer's output during
        training (inverted dropout).
    """

    def __init__(
        self, hidden_sizes, n_outputs, bidirectional=False, pooling="last",
        return_sequences=False, dropout=0.0,
    ):  # fmt: skip
        self.hidden_sizes = tuple(hidden_sizes)
        self.n_outputs = n_outputs
        self.n_directions = 2 if bidirectional else 1
        self.pooling = pooling
        self.return_sequences = return_sequences
        self.dropout = dropout

    @property
    def n_units(self):
        """Size of the vector the head reads."""
        units = self.hidden_sizes[-1] * self.n_directions
        if self.pooling == "concat" and not self.return_sequences:
            return units * len(_CONCAT)
        return units

    def init_params(self, n_features, random_state, dtype=np.float64):
        """Draw initial weights: the core's scheme for the LSTM, Glorot-uniform for the head."""
        layers = init_lstm_stack(
            n_features, self.hidden_sizes, random_state, self.n_directions == 2, dtype
        )
        params = [p for layer in layers for direction in layer for p in direction]
        limit = np.sqrt(6.0 / (self.n_units + self.n_outputs))
        W_out = random_state.uniform(-limit, limit, (self.n_units, self.n_outputs))
        return params + [W_out.astype(dtype), np.zeros(self.n_outputs, dtype=dtype)]

    def weight_matrices(self, params):
        """The parameters that L2 regularisation penalises (every matrix, no bias)."""
        return [p for p in params if p.ndim == 2]

    def _layers(self, params):
        per_layer = 3 * self.n_directions
        return [
            [tuple(params[k + 3 * d : k + 3 * d + 3]) for d in range(self.n_directions)]
            for k in range(0, per_layer * len(self.hidden_sizes), per_layer)
        ]

    def forward(self, params, X, lengths=None, dropout_rng=None, keep_cache=True, workspace=None):
        """Compute the network's output.

        Parameters
        ----------
        params : list of ndarray
        X : ndarray, shape (n_samples, n_timesteps, n_features)
        lengths : ndarray of int, shape (n_samples,), default=None
        dropout_rng : numpy.random.RandomState, default=None
            Source of dropout masks; None (prediction) applies no dropout.
        keep_cache : bool, default=True
            Whether to keep what :meth:`backward` needs; prediction passes False.
        workspace : Workspace, default=None
            Buffers reused from the last call (training passes one for all its
            minibatches); see :class:`sklstm.core.Workspace`.

        Returns
        -------
        out : ndarray, shape (n_samples, n_outputs) or (n_samples, n_timesteps, n_outputs)
        cache : NetworkCache or None
        """
        H = X
        ws = FRESH if workspace is None else workspace
        layer_caches, masks = [], []
        for k, layer in enumerate(self._layers(params)):
            H, cache = lstm_stack_forward(
                H, [layer], lengths=lengths, keep_cache=keep_cache, workspace=ws.child(k)
            )
            layer_caches.append(cache)
            mask = None
            if dropout_rng is not None and self.dropout > 0:
                keep = 1.0 - self.dropout
                mask = (dropout_rng.uniform(size=H.shape) < keep).astype(H.dtype) / keep
                H = H * mask
            masks.append(mask)
        features = H if self.return_sequences else self._pool(H, lengths)
        W_out, b_out = params[-2], params[-1]
        out = features @ W_out + b_out
        if not keep_cache:
            return out, None
        return out, NetworkCache(layer_caches, masks, H, features, lengths)

    def backward(self, params, d_out, cache, workspace=None):
        """Gradients of the loss with respect to ``params``, in the same order.

        Parameters
        ----------
        params : list of ndarray
        d_out : ndarray
            Gradient of the loss with respect to ``out``.
        cache : NetworkCache
        workspace : Workspace, default=None
            Buffers reused from the last call; see :meth:`forward`.

        Returns
        -------
        grads : list of ndarray
        """
        W_out = params[-2]
        features = cache.features
        k = features.shape[-1]
        dW_out = features.reshape(-1, k).T @ d_out.reshape(-1, self.n_outputs)
        db_out = d_out.reshape(-1, self.n_outputs).sum(axis=0)
        d_features = d_out @ W_out.T
        ws = FRESH if workspace is None else workspace
        dH = d_features if self.return_sequences else self._pool_backward(d_features, cache, ws)
        grads = []
        for k in range(len(cache.layer_caches) - 1, -1, -1):
            if cache.dropout_masks[k] is not None:
                dH = dH * cache.dropout_masks[k]
            dH, layer_grads = lstm_stack_backward(
                dH, cache.layer_caches[k], need_dX=k > 0, workspace=ws.child(k)
            )
            grads[:0] = [g for direction in layer_grads[0] for g in direction]
        return grads + [dW_out, db_out]

    def _pool(self, H, lengths):
        if self.pooling == "concat":
            return np.concatenate([self._pool_one(m, H, lengths) for m in _CONCAT], axis=1)
        return self._pool_one(self.pooling, H, lengths)

    def _pool_backward(self, d_features, cache, workspace):
        # Each readout adds its share: one array, not three.
        dH = workspace.zeros("d_top", cache.top.shape, cache.top.dtype)
        if self.pooling != "concat":
            self._pool_backward_one(self.pooling, d_features, cache, dH)
            return dH
        parts = np.split(d_features, len(_CONCAT), axis=1)
        for pooling, d in zip(_CONCAT, parts):
            self._pool_backward_one(pooling, d, cache, dH)
        return dH

    def _pool_one(self, pooling, H, lengths):
        N, T, U = H.shape
        if pooling == "last":
            out = last_steps(H, lengths)
            if self.n_directions == 2:
                # The backward direction has read the whole sequence at step 0.
                h = U // 2
                out = np.concatenate([out[:, :h], H[:, 0, h:]], axis=1)
            return out
        if pooling == "mean":
            steps = T if lengths is None else lengths[:, None]
            return H.sum(axis=1) / steps  # padded steps of H are zero
        if lengths is not None:
            H = np.where((np.arange(T) < lengths[:, None])[:, :, None], H, -np.inf)
        return H.max(axis=1)

    def _pool_backward_one(self, pooling, d_features, cache, dH):
        """Add the gradient that one readout sends to the top layer's states into ``dH``."""
        H, lengths = cache.top, cache.lengths
        N, T, U = H.shape
        if pooling == "last":
            # Each row's last real step: a slice when all are full length (no gather).
            last = (slice(None), -1) if lengths is None else (np.arange(N), lengths - 1)
            if self.n_directions == 2:
                h = U // 2
                dH[last + (slice(None, h),)] += d_features[:, :h]
                dH[:, 0, h:] += d_features[:, h:]
            else:
                dH[last] += d_features
        elif pooling == "mean":
            steps = T if lengths is None else lengths[:, None]
            share = (d_features / steps)[:, None, :]
            if lengths is None:
                dH += share
            else:
                real = (np.arange(T) < lengths[:, None])[:, :, None]
                dH += np.where(real, share, 0.0)
        else:
            masked = H
            if lengths is not None:
                masked = np.where((np.arange(T) < lengths[:, None])[:, :, None], H, -np.inf)
            argmax = masked.argmax(axis=1)  # (N, U)
            dH[np.arange(N)[:, None], argmax, np.arange(U)] += d_features
