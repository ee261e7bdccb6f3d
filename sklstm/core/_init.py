"""Initial weights for an LSTM layer."""

import numpy as np

__all__ = ["init_lstm_params"]


def _orthogonal(n, random_state, dtype):
    """A random orthogonal (n, n) matrix, uniform over the orthogonal group."""
    q, r = np.linalg.qr(random_state.standard_normal((n, n)))
    # Fixing the signs of R's diagonal makes the distribution uniform (Mezzadri 2007).
    return (q * np.sign(np.diag(r))).astype(dtype)


def init_lstm_params(n_features, n_hidden, random_state, dtype=np.float64):
    """Draw the weights of one LSTM layer.

    The scheme is the one Keras uses by default for its LSTM layer:

    * ``Wx``: Glorot-uniform (Glorot & Bengio 2010), uniform on
      ``[-a, a]`` with ``a = sqrt(6 / (n_features + 4 * n_hidden))``;
    * ``Wh``: each gate block an independent random orthogonal matrix
      (Saxe et al. 2014), which keeps the recurrence well conditioned;
    * ``b``: zero, except the forget-gate block set to 1 so that the cell
      remembers from the start (Gers et al. 2000; Jozefowicz et al. 2015).

    Parameters
    ----------
    n_features : int
        Size of each input step.
    n_hidden : int
        Number of LSTM units.
    random_state : numpy.random.Generator or numpy.random.RandomState
        Source of randomness; the same seed gives the same weights.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Dtype of the weights, hence of every computation with them.

    Returns
    -------
    Wx : ndarray, shape (n_features, 4 * n_hidden)
        Input weights, gate blocks in the order i, f, g, o.
    Wh : ndarray, shape (n_hidden, 4 * n_hidden)
        Recurrent weights.
    b : ndarray, shape (4 * n_hidden,)
        Bias.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_params
    >>> Wx, Wh, b = init_lstm_params(2, 3, np.random.default_rng(0))
    >>> Wx.shape, Wh.shape, b.tolist()[3:6]
    ((2, 12), (3, 12), [1.0, 1.0, 1.0])
    """
    limit = np.sqrt(6.0 / (n_features + 4 * n_hidden))
    Wx = random_state.uniform(-limit, limit, size=(n_features, 4 * n_hidden)).astype(dtype)
    Wh = np.concatenate([_orthogonal(n_hidden, random_state, dtype) for _ in range(4)], axis=1)
    b = np.zeros(4 * n_hidden, dtype=dtype)
    b[n_hidden : 2 * n_hidden] = 1.0
    return Wx, Wh, b
