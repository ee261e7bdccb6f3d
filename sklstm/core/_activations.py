"""Activation functions that stay finite and silent for any finite input."""

import numpy as np

__all__ = ["sigmoid", "log_softmax", "softmax"]


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, stable for inputs of any size.

    ``exp(-x)`` overflows to ``inf`` for very negative ``x``, and ``1 / inf`` is
    exactly the right answer (0), so only the warning needs silencing.

    Parameters
    ----------
    x : array-like
        Values of any shape.

    Returns
    -------
    ndarray
        ``sigmoid(x)``, elementwise, in [0, 1].

    Examples
    --------
    >>> from sklstm.core import sigmoid
    >>> sigmoid([-1e4, 0.0, 1e4]).tolist()
    [0.0, 0.5, 1.0]
    """
    x = np.asarray(x)
    with np.errstate(over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def log_softmax(Z, axis=-1):
    """Logarithm of the softmax over ``axis``, computed without overflow.

    Parameters
    ----------
    Z : ndarray
        Scores (logits).
    axis : int, default=-1
        Axis over which the scores are normalised.

    Returns
    -------
    ndarray
        Log-probabilities, same shape as ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import log_softmax
    >>> np.round(np.exp(log_softmax(np.array([0.0, 1e4]))), 6).tolist()
    [0.0, 1.0]
    """
    shifted = Z - Z.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(Z, axis=-1):
    """Softmax over ``axis``, computed without overflow.

    Parameters
    ----------
    Z : ndarray
        Scores (logits).
    axis : int, default=-1
        Axis over which the scores are normalised.

    Returns
    -------
    ndarray
        Probabilities summing to 1 along ``axis``, same shape as ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import softmax
    >>> softmax(np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    with np.errstate(under="ignore"):
        return np.exp(log_softmax(Z, axis=axis))
