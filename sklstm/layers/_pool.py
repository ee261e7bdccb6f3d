"""Max pooling over time: sequences ``pool_size`` times shorter."""

from ..core import max_pool_backward, max_pool_forward
from ._base import Layer

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

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """Pool; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        X : ndarray, shape (n_samples, n_timesteps, n_channels)
            Input batch.
        lengths : ndarray of int or None
            Real steps per sequence.
        workspace : Workspace, default=None
            Not used.
        rng : numpy.random.RandomState, default=None
            Not used.
        keep_cache : bool, default=True
            Whether to keep what :meth:`backward` needs.

        Returns
        -------
        Y : ndarray, shape (n_samples, ceil(n_timesteps / pool_size), n_channels)
            Maxima, zero at padded steps.
        lengths : ndarray of int or None
            ``ceil(lengths / pool_size)``.
        cache : tuple or None
            What :meth:`backward` needs.
        """
        Y, out_lengths, cache = max_pool_forward(X, self.pool_size, lengths)
        return Y, out_lengths, cache if keep_cache else None

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """Send each maximum's gradient to its step; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        dY : ndarray
            Gradient with respect to the maxima.
        cache : tuple
            What :meth:`forward` kept.
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
        return max_pool_backward(dY, cache), []
