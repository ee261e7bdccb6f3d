"""A dense (fully connected) layer: the head that maps features to outputs."""

import numpy as np

from ._base import Layer

__all__ = ["Dense"]


class Dense(Layer):
    """``Y = X @ W + b``, applied to each vector, or to each step of a sequence.

    Parameters are ``W (n_in, n_outputs)``, drawn Glorot-uniform (Glorot & Bengio
    2010), and ``b (n_outputs,)``, zero.

    Parameters
    ----------
    n_outputs : int
        Units of the output.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Dense
    >>> layer = Dense(2)
    >>> W, b = layer.init_params(3, np.random.default_rng(0), np.float64)
    >>> layer.forward([W, b], np.ones((5, 3)), None)[0].shape
    (5, 2)
    """

    n_params = 2

    def __init__(self, n_outputs):
        self.n_outputs = n_outputs

    def init_params(self, n_in, random_state, dtype):
        """Draw ``W`` Glorot-uniform and set ``b`` to zero.

        Parameters
        ----------
        n_in : int
            Input features.
        random_state : numpy.random.RandomState or numpy.random.Generator
            Source of randomness.
        dtype : data-type
            Dtype of the parameters.

        Returns
        -------
        params : list of ndarray
            ``[W, b]``.
        """
        limit = np.sqrt(6.0 / (n_in + self.n_outputs))
        W = random_state.uniform(-limit, limit, (n_in, self.n_outputs))
        return [W.astype(dtype), np.zeros(self.n_outputs, dtype=dtype)]

    def n_out(self, n_in):
        """Return the units of the output.

        Parameters
        ----------
        n_in : int
            Input features (not used).

        Returns
        -------
        n_out : int
            ``n_outputs``.
        """
        return self.n_outputs

    def penalised(self):
        """``W``, not ``b``.

        Returns
        -------
        flags : tuple of bool
            One per parameter array.
        """
        return (True, False)

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """``X @ W + b`` over the last axis; see :class:`Layer`.

        Parameters
        ----------
        params : list of ndarray
            ``[W, b]``.
        X : ndarray, shape (n_samples, n_in) or (n_samples, n_timesteps, n_in)
            Input batch.
        lengths : ndarray of int or None
            Real steps per sequence (passed on).
        workspace : Workspace, default=None
            Not used.
        rng : numpy.random.RandomState, default=None
            Not used.
        keep_cache : bool, default=True
            Whether to keep ``X`` for :meth:`backward`.

        Returns
        -------
        Y : ndarray
            ``X`` with its last axis mapped to ``n_outputs``.
        lengths : ndarray of int or None
            As given.
        cache : ndarray or None
            ``X``.
        """
        W, b = params
        return X @ W + b, lengths, X if keep_cache else None

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """Compute the gradients of ``W``, ``b`` and ``X``; see :class:`Layer`.

        Parameters
        ----------
        params : list of ndarray
            ``[W, b]``.
        dY : ndarray
            Gradient with respect to the output.
        cache : ndarray
            ``X``.
        workspace : Workspace, default=None
            Not used.
        need_dX : bool, default=True
            Whether the gradient with respect to ``X`` is needed.

        Returns
        -------
        dX : ndarray or None
            Gradient with respect to ``X``.
        grads : list of ndarray
            ``[dW, db]``.
        """
        W = params[0]
        X = cache
        dY_rows = dY.reshape(-1, self.n_outputs)
        dW = X.reshape(-1, X.shape[-1]).T @ dY_rows
        db = dY_rows.sum(axis=0)
        return (dY @ W.T if need_dX else None), [dW, db]
