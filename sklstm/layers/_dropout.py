"""Inverted dropout over a layer's outputs, during training only."""

from ._base import Layer

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

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """Apply a random mask when ``rng`` is given; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        X : ndarray
            Input batch.
        lengths : ndarray of int or None
            Real steps per sequence (passed on).
        workspace : Workspace, default=None
            Not used.
        rng : numpy.random.RandomState, default=None
            Source of the mask; None passes ``X`` through.
        keep_cache : bool, default=True
            Not used: the mask is the cache.

        Returns
        -------
        Y : ndarray
            ``X`` times the mask.
        lengths : ndarray of int or None
            As given.
        mask : ndarray or None
            The scaled mask; None when nothing was dropped.
        """
        if rng is None or self.rate <= 0:
            return X, lengths, None
        keep = 1.0 - self.rate
        mask = (rng.uniform(size=X.shape) < keep).astype(X.dtype) / keep
        return X * mask, lengths, mask

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """The gradient through the same mask; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        dY : ndarray
            Gradient with respect to the output.
        cache : ndarray or None
            The mask.
        workspace : Workspace, default=None
            Not used.
        need_dX : bool, default=True
            Not used.

        Returns
        -------
        dX : ndarray
            Gradient with respect to ``X``.
        grads : list
            Empty.
        """
        return (dY if cache is None else dY * cache), []
