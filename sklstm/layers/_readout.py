"""A readout: one vector per sequence from the per-step states below it."""

from typing import NamedTuple

import numpy as np

from ..core import pool_backward, pool_forward
from ..core._workspace import FRESH
from ._base import Layer, implements

__all__ = ["Readout"]


class ReadoutCache(NamedTuple):
    """The states a readout read, and their real steps."""

    H: np.ndarray
    lengths: np.ndarray | None


class Readout(Layer):
    """Pool each sequence's states into one vector; see :func:`sklstm.core.pool_forward`.

    Parameters
    ----------
    pooling : {'last', 'mean', 'max', 'concat'}
        The readout; 'concat' gives last, mean and max side by side.
    backward_half : bool, default=False
        Whether the second half of the units below read the sequence backward
        (a bidirectional layer), so that 'last' takes them at step 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Readout
    >>> H = np.arange(6.0).reshape(1, 3, 2)
    >>> Readout("max").forward([], H, np.array([2]))[0].tolist()
    [[2.0, 3.0]]
    """

    def __init__(self, pooling, backward_half=False):
        self.pooling = pooling
        self.backward_half = backward_half

    @implements
    def n_out(self, n_in):
        """Return the features of the readout: three times ``n_in`` for 'concat'."""
        return 3 * n_in if self.pooling == "concat" else n_in

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        features = pool_forward(X, lengths, self.pooling, self.backward_half)
        return features, None, ReadoutCache(X, lengths) if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        H = cache.H
        ws = FRESH if workspace is None else workspace
        dH = ws.zeros("dH", H.shape, H.dtype)
        pool_backward(dY, H, cache.lengths, self.pooling, dH, self.backward_half)
        return dH, []

    @implements
    def to_onnx(self, e, batch, params):
        """Emit the pooled states, one vector per sequence."""
        batch.x, batch.layout = _pooled(e, batch, self.pooling), "NC"


def _pooled(e, batch, pooling):
    if pooling == "concat":
        return e.op("Concat", *(_pooled(e, batch, p) for p in ("last", "mean", "max")), axis=1)
    if pooling == "last":
        return batch.last  # the LSTM below left it
    batch.to("TNC")
    if pooling == "max":
        return e.reduce("ReduceMax", batch.masked(-np.inf), 0)
    if batch.lengths is None:
        return e.reduce("ReduceMean", batch.x, 0)
    total = e.reduce("ReduceSum", batch.masked(0.0), 0)
    counts = e.op("Unsqueeze", e.op("Cast", batch.lengths, to=e.FLOAT), e.const([1], np.int64))
    return e.op("Div", total, counts)
