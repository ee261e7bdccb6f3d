"""Helpers for padded batches of variable-length sequences.

A batch is right-padded: sequence ``n`` holds real steps ``0 .. lengths[n] - 1``
and padding after them. The core works on lengths; a boolean mask is accepted
and turned into lengths here.
"""

import numpy as np


def resolve_lengths(n_samples, n_timesteps, mask=None, lengths=None):
    """Return the length of each sequence, or None when none is padded.

    Parameters
    ----------
    n_samples, n_timesteps : int
        Shape of the padded batch.
    mask : array-like of bool, shape (n_samples, n_timesteps), default=None
        True at real steps. Each row must be True then False (right padding).
    lengths : array-like of int, shape (n_samples,), default=None
        Number of real steps of each sequence. Give ``mask`` or ``lengths``.

    Returns
    -------
    lengths : ndarray of int64, shape (n_samples,), or None
        None when every sequence has all ``n_timesteps`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import resolve_lengths
    >>> resolve_lengths(2, 3, mask=np.array([[True, True, False], [True, True, True]]))
    array([2, 3])
    """
    if mask is not None and lengths is not None:
        raise ValueError("Give either mask or lengths, not both.")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (n_samples, n_timesteps):
            raise ValueError(
                f"mask has shape {mask.shape}; expected (n_samples, n_timesteps) "
                f"= {(n_samples, n_timesteps)}."
            )
        lengths = mask.sum(axis=1)
        if not np.array_equal(mask, np.arange(n_timesteps) < lengths[:, None]):
            raise ValueError(
                "mask must be True at the first real steps of each sequence and "
                "False after them (right padding); a sequence with gaps or left "
                "padding is not supported: move its real steps to the front."
            )
    if lengths is None:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (n_samples,) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"lengths must be integers of shape (n_samples,) = ({n_samples},); "
            f"got dtype {lengths.dtype} and shape {lengths.shape}."
        )
    if lengths.size and (lengths.min() < 0 or lengths.max() > n_timesteps):
        raise ValueError(f"lengths must lie between 0 and n_timesteps={n_timesteps}.")
    lengths = lengths.astype(np.int64)
    if np.all(lengths == n_timesteps):
        return None
    return lengths


def reverse_sequences(A, lengths=None):
    """Reverse each sequence in time over its own real steps.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, ...)
        Padded batch.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None means all are full length.

    Returns
    -------
    reversed : ndarray, same shape as ``A``
        Step ``t < lengths[n]`` of sequence ``n`` holds its step
        ``lengths[n] - 1 - t``; padded steps stay where they are. The function
        is its own inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import reverse_sequences
    >>> A = np.arange(8.0).reshape(2, 4, 1)
    >>> reverse_sequences(A, np.array([4, 2]))[:, :, 0].tolist()
    [[3.0, 2.0, 1.0, 0.0], [5.0, 4.0, 6.0, 7.0]]
    """
    if lengths is None:
        return A[:, ::-1].copy()
    steps = np.arange(A.shape[1])
    index = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    index = index.reshape(index.shape + (1,) * (A.ndim - 2))
    return np.take_along_axis(A, index, axis=1)


def last_steps(A, lengths=None):
    """Return each sequence's value at its own last real step.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, n_units)
        Padded batch of per-step values.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None means all are full length.

    Returns
    -------
    last : ndarray, shape (n_samples, n_units)
        ``A[n, lengths[n] - 1]`` for each sequence ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import last_steps
    >>> A = np.arange(6.0).reshape(2, 3, 1)
    >>> last_steps(A, np.array([3, 1]))[:, 0].tolist()
    [2.0, 3.0]
    """
    if lengths is None:
        return A[:, -1]
    return A[np.arange(A.shape[0]), np.maximum(lengths - 1, 0)]
