"""Helpers for padded batches of variable-length sequences.

A batch is right-padded: sequence ``n`` holds real steps ``0 .. lengths[n] - 1``
and padding after them. The core works on lengths; a boolean mask is accepted
and turned into lengths here.
"""

from typing import NamedTuple

import numpy as np


class Sequences(NamedTuple):
    """A padded batch of sequences and the real steps of each.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Sequences, right-padded.
    lengths : ndarray of int, shape (n_samples,), or None
        Real steps per sequence; None when none is padded.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import Sequences
    >>> Sequences(np.zeros((2, 3, 1)), np.array([3, 1])).lengths.tolist()
    [3, 1]
    """

    X: np.ndarray
    lengths: np.ndarray | None


def pad_sequences(sequences, dtype=np.float64):
    """Right-pad sequences of different lengths into one batch.

    Parameters
    ----------
    sequences : list of ndarray, each of shape (n_timesteps_i, n_features)
        The sequences, all with the same number of features.
    dtype : data-type, default=numpy.float64
        Dtype of the batch.

    Returns
    -------
    X : ndarray, shape (n_samples, max_timesteps, n_features)
        The sequences, zeros after each one's end.
    lengths : ndarray of int64, shape (n_samples,)
        Real steps of each sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import pad_sequences
    >>> X, lengths = pad_sequences([np.ones((2, 1)), np.ones((1, 1))])
    >>> X[:, :, 0].tolist(), lengths.tolist()
    ([[1.0, 1.0], [1.0, 0.0]], [2, 1])
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    X = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]), dtype=dtype)
    for k, s in enumerate(sequences):
        X[k, : len(s)] = s
    return X, lengths


def step_mask(lengths, n_timesteps):
    """Boolean ``(n_samples, n_timesteps)`` array, True at the real steps.

    Parameters
    ----------
    lengths : ndarray of int, shape (n_samples,)
        Real steps per sequence.
    n_timesteps : int
        Steps of the padded batch.

    Returns
    -------
    mask : ndarray of bool, shape (n_samples, n_timesteps)
        ``mask[n, t]`` is ``t < lengths[n]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import step_mask
    >>> step_mask(np.array([2, 3]), 3).tolist()
    [[True, True, False], [True, True, True]]
    """
    return np.arange(n_timesteps) < np.asarray(lengths)[:, None]


def take_sequences(batch, idx):
    """Take rows ``idx`` of a padded batch, cut to the longest of them.

    Parameters
    ----------
    batch : Sequences
        Padded batch.
    idx : ndarray of int or slice
        Rows to take.

    Returns
    -------
    part : Sequences
        Those rows; their padding beyond the longest of them is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import Sequences, take_sequences
    >>> batch = Sequences(np.zeros((3, 5, 1)), np.array([5, 2, 3]))
    >>> part = take_sequences(batch, np.array([1, 2]))
    >>> part.X.shape, part.lengths.tolist()
    ((2, 3, 1), [2, 3])
    """
    if batch.lengths is None:
        return Sequences(batch.X[idx], None)
    lengths = batch.lengths[idx]
    return Sequences(batch.X[idx, : lengths.max()], lengths)


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
        if not np.array_equal(mask, step_mask(lengths, n_timesteps)):
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


def reverse_sequences(A, lengths=None, out=None):
    """Reverse each sequence in time over its own real steps.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, ...)
        Padded batch.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None means all are full length.
    out : ndarray, same shape as ``A``, default=None
        Where to write the result (not ``A`` itself); a new array when None.

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
        reversed_ = A[:, ::-1]
    else:
        steps = np.arange(A.shape[1])
        index = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
        index = index.reshape(index.shape + (1,) * (A.ndim - 2))
        reversed_ = np.take_along_axis(A, index, axis=1)
    if out is None:
        return reversed_.copy() if lengths is None else reversed_
    out[...] = reversed_
    return out


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


def join_steps(A, size, lengths=None):
    """Read every ``size`` consecutive steps of each sequence as one step.

    A long sequence read in groups of steps ("patches", as in PatchTST,
    Nie et al. 2023) gives the LSTM fewer, richer steps: gradients travel
    ``size`` times fewer steps back in time, and each step costs about the
    same. Groups end at each sequence's last real step, so the most recent
    steps stay together; when the length is not a multiple of ``size``, the
    first group is completed with copies of the first step.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, n_features)
        Padded batch.
    size : int
        Steps per group; 1 returns ``A`` and ``lengths`` unchanged.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None means all are full length.

    Returns
    -------
    joined : ndarray, shape (n_samples, n_groups, size * n_features)
        Group ``j`` of sequence ``n`` holds its steps one after another.
    group_lengths : ndarray of int64, shape (n_samples,), or None
        Real groups per sequence: ``ceil(lengths / size)``; None when all
        sequences have ``n_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import join_steps
    >>> A = np.arange(1.0, 6.0).reshape(1, 5, 1)
    >>> joined, _ = join_steps(A, 2)
    >>> joined.tolist()
    [[[1.0, 1.0], [2.0, 3.0], [4.0, 5.0]]]
    """
    if size == 1:
        return A, lengths
    N, T, D = A.shape
    L = np.full(N, T, dtype=np.int64) if lengths is None else np.asarray(lengths, np.int64)
    groups = -(-L // size)  # ceil
    n_groups = int(groups.max())
    front = groups * size - L  # copies of the first step before the real ones
    j = np.arange(n_groups * size)
    source = np.clip(j - front[:, None], 0, np.maximum(L - 1, 0)[:, None])
    joined = np.take_along_axis(A, source[:, :, None], axis=1)
    joined = joined.reshape(N, n_groups, size * D)
    return joined, None if np.all(groups == n_groups) else groups


def last_window(A, size, lengths=None):
    """Each sequence's last ``size`` real steps, flattened into one row.

    Steps before a short sequence's first step are zeros, so the most recent
    step always sits in the last ``n_features`` columns.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, n_features)
        Padded batch.
    size : int
        Steps per window.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None means all are full length.

    Returns
    -------
    window : ndarray, shape (n_samples, size * n_features)
        Row ``n`` holds steps ``lengths[n] - size`` to ``lengths[n] - 1`` of
        sequence ``n``, one after another.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import last_window
    >>> A = np.arange(1.0, 7.0).reshape(2, 3, 1)
    >>> last_window(A, 2, np.array([3, 1])).tolist()
    [[2.0, 3.0], [0.0, 4.0]]
    """
    N, T, D = A.shape
    L = np.full(N, T, dtype=np.int64) if lengths is None else np.asarray(lengths, np.int64)
    steps = L[:, None] - size + np.arange(size)  # (N, size), negative before the start
    window = np.take_along_axis(A, np.clip(steps, 0, T - 1)[:, :, None], axis=1)
    window[steps < 0] = 0.0
    return window.reshape(N, size * D)


def are_sliding_windows(A, lengths=None):
    """Whether most rows are windows of one series, each one step after the row before.

    True when at least half of the consecutive rows overlap that way, in either step
    order (newest last, or newest first as skforecast writes lags): what a reduction of
    forecasting to regression makes. Such rows share most of their values with their
    neighbours, so a row held out at random is not new data.

    Parameters
    ----------
    A : ndarray, shape (n_samples, n_timesteps, n_features)
        Padded batch.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; ragged sequences (any padded) are never windows.

    Returns
    -------
    windows : bool
        Whether the rows are sliding windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import are_sliding_windows
    >>> series = np.arange(10.0)
    >>> windows = np.stack([series[t : t + 4] for t in range(6)])[:, :, None]
    >>> are_sliding_windows(windows), are_sliding_windows(windows[:, ::-1])
    (True, True)
    >>> are_sliding_windows(np.random.RandomState(0).normal(size=(6, 4, 1)))
    False
    """
    N, T, _ = A.shape
    if N < 2 or T < 2 or (lengths is not None and np.any(lengths < T)):
        return False
    newest_last = np.all(A[1:, :-1] == A[:-1, 1:], axis=(1, 2))
    newest_first = np.all(A[1:, 1:] == A[:-1, :-1], axis=(1, 2))
    return bool(max(newest_last.mean(), newest_first.mean()) >= 0.5)
