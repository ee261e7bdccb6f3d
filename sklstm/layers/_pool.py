"""Max pooling over time: sequences ``pool_size`` times shorter."""

import numpy as np

from ..core import max_pool_backward, max_pool_forward
from ._base import Layer, implements

__all__ = ["MaxPool1D"]


class MaxPool1D(Layer):
    """The maximum of each run of ``pool_size`` steps; see :func:`sklstm.core.max_pool_forward`.

    Parameters
    ----------
    pool_size : int
        Steps per run (and stride).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import MaxPool1D
    >>> X = np.arange(10.0).reshape(1, 5, 2)
    >>> Y, lengths, _ = MaxPool1D(2).forward([], X, np.array([5]))
    >>> Y.shape, lengths.tolist()
    ((1, 3, 2), [3])
    """

    def __init__(self, pool_size):
        self.pool_size = pool_size

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        Y, out_lengths, cache = max_pool_forward(X, self.pool_size, lengths)
        return Y, out_lengths, cache if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        return max_pool_backward(dY, cache), []

    @implements
    def to_onnx(self, e, batch, params):
        """Emit ONNX's MaxPool over runs of ``pool_size`` steps, the last padded with -inf."""
        size = self.pool_size
        batch.to("NCT")
        x = batch.masked(-np.inf)
        n_steps, k = batch.n_steps(), e.const(size, np.int64)
        extra = e.op("Mod", e.op("Sub", k, e.op("Mod", n_steps, k)), k)
        extra = e.op("Unsqueeze", extra, e.const([0], np.int64))
        pads = e.op("Concat", e.const([0, 0, 0, 0, 0], np.int64), extra, axis=0)
        x = e.op("Pad", x, pads, e.const(-np.inf, np.float32))
        batch.x = e.op("MaxPool", x, kernel_shape=[size], strides=[size])
        if batch.lengths is not None:
            batch.lengths = e.ceil_div(batch.lengths, size)
            batch.x = batch.masked(0.0)
