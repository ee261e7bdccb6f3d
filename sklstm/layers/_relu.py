"""The rectifier, ``max(x, 0)``, applied to every value."""

import numpy as np

from ._base import Layer

__all__ = ["ReLU"]


class ReLU(Layer):
    """``Y = max(X, 0)``; zero stays zero, so padded steps stay padded.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import ReLU
    >>> ReLU().forward([], np.array([[-1.0, 2.0]]), None)[0].tolist()
    [[0.0, 2.0]]
    """

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """Rectify; see :class:`Layer`.

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
            Not used.
        keep_cache : bool, default=True
            Whether to keep what :meth:`backward` needs.

        Returns
        -------
        Y : ndarray
            ``max(X, 0)``.
        lengths : ndarray of int or None
            As given.
        cache : ndarray or None
            Where ``X`` was positive.
        """
        Y = np.maximum(X, 0.0, dtype=X.dtype)
        return Y, lengths, (Y > 0) if keep_cache else None

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """Pass the gradient where the input was positive; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        dY : ndarray
            Gradient with respect to the output.
        cache : ndarray
            Where ``X`` was positive.
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
        return dY * cache, []
