"""Max pooling over time: sequences ``pool_size`` times shorter."""

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
