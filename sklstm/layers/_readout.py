"""A readout: one vector per sequence from the per-step states below it."""

from typing import NamedTuple

import numpy as np

from ..core import pool_backward, pool_forward
from ..core._workspace import FRESH
from ._base import Layer

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

    def n_out(self, n_in):
        """Return the features of the readout: three times ``n_in`` for 'concat'.

        Parameters
        ----------
        n_in : int
            Units of each step's state.

        Returns
        -------
        n_out : int
            Features of the pooled vector.
        """
        return 3 * n_in if self.pooling == "concat" else n_in

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """Pool each sequence; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        X : ndarray, shape (n_samples, n_timesteps, n_in)
            States, zero at padded steps.
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
        features : ndarray, shape (n_samples, n_out)
            One vector per sequence.
        lengths : None
            The output has no steps.
        cache : ReadoutCache or None
            The states and their lengths.
        """
        features = pool_forward(X, lengths, self.pooling, self.backward_half)
        return features, None, ReadoutCache(X, lengths) if keep_cache else None

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """Send the readout's gradient back to the states it read; see :class:`Layer`.

        Parameters
        ----------
        params : list
            Empty.
        dY : ndarray, shape (n_samples, n_out)
            Gradient with respect to the pooled vectors.
        cache : ReadoutCache
            What :meth:`forward` kept.
        workspace : Workspace, default=None
            Holds the gradient's buffer between calls.
        need_dX : bool, default=True
            Not used: the gradient is the layer's only work.

        Returns
        -------
        dX : ndarray, shape (n_samples, n_timesteps, n_in)
            Gradient with respect to the states; zero at padded steps.
        grads : list
            Empty.
        """
        H = cache.H
        ws = FRESH if workspace is None else workspace
        dH = ws.zeros("dH", H.shape, H.dtype)
        pool_backward(dY, H, cache.lengths, self.pooling, dH, self.backward_half)
        return dH, []
