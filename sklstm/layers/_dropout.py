"""Inverted dropout over a layer's outputs, during training only."""

from ._base import Layer, implements

__all__ = ["Dropout"]


class Dropout(Layer):
    """Zero each value with probability ``rate`` in training; scale the rest by ``1 / (1 - rate)``.

    With no random source (prediction) the layer passes its input through
    (Srivastava et al. 2014, in the "inverted" form that needs no scaling at
    prediction).

    Parameters
    ----------
    rate : float
        Probability of zeroing each value, in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Dropout
    >>> rng = np.random.RandomState(0)
    >>> Y, _, mask = Dropout(0.5).forward([], np.ones((1, 4, 2)), None, rng=rng)
    >>> sorted(set(Y.ravel().tolist()))
    [0.0, 2.0]
    """

    def __init__(self, rate):
        self.rate = rate

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        if rng is None or self.rate <= 0:
            return X, lengths, None
        keep = 1.0 - self.rate
        mask = (rng.uniform(size=X.shape) < keep).astype(X.dtype) / keep
        return X * mask, lengths, mask

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        return (dY if cache is None else dY * cache), []
