"""Readouts: one vector per sequence from a padded batch of per-step states.

'last' takes each sequence's state at its last real step (for a bidirectional
layer, the forward half there and the backward half at step 0, where it has read
the whole sequence); 'mean' and 'max' reduce over the real steps; 'concat' puts
the three side by side (Howard & Ruder 2018, ULMFiT's concat pooling). Padded
steps never reach the result.
"""

import numpy as np

from ._sequences import last_steps, step_mask

__all__ = ["POOLINGS", "pool_forward", "pool_backward"]

POOLINGS = ("last", "mean", "max", "concat")
_CONCAT = ("last", "mean", "max")


def pool_forward(H, lengths, pooling, backward_half=False):
    """Read one vector per sequence.

    Parameters
    ----------
    H : ndarray, shape (n_samples, n_timesteps, n_units)
        Per-step states, zero at padded steps.
    lengths : ndarray of int, shape (n_samples,), or None
        Real steps per sequence; None when none is padded.
    pooling : {'last', 'mean', 'max', 'concat'}
        The readout.
    backward_half : bool, default=False
        Whether the second half of the units read the sequence backward
        (a bidirectional layer): 'last' then takes that half at step 0.

    Returns
    -------
    features : ndarray, shape (n_samples, n_units) or (n_samples, 3 * n_units)
        The readout; 'concat' gives last, mean and max side by side.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import pool_forward
    >>> H = np.array([[[0.0, 1.0], [2.0, 3.0], [0.0, 0.0]]])  # the third step is padding
    >>> pool_forward(H, np.array([2]), "concat").tolist()
    [[2.0, 3.0, 1.0, 2.0, 2.0, 3.0]]
    """
    if pooling == "concat":
        parts = [pool_forward(H, lengths, p, backward_half) for p in _CONCAT]
        return np.concatenate(parts, axis=1)
    N, T, U = H.shape
    if pooling == "last":
        out = last_steps(H, lengths)
        if backward_half:
            # The backward direction has read the whole sequence at step 0.
            h = U // 2
            out = np.concatenate([out[:, :h], H[:, 0, h:]], axis=1)
        return out
    if pooling == "mean":
        steps = T if lengths is None else lengths[:, None]
        return H.sum(axis=1) / steps  # padded steps of H are zero
    if lengths is not None:
        H = np.where(step_mask(lengths, T)[:, :, None], H, -np.inf)
    return H.max(axis=1)


def pool_backward(d_features, H, lengths, pooling, dH, backward_half=False):
    """Add the gradient a readout sends to the per-step states into ``dH``.

    Parameters
    ----------
    d_features : ndarray, shape as :func:`pool_forward` returns
        Gradient of the loss with respect to the readout.
    H : ndarray, shape (n_samples, n_timesteps, n_units)
        The states the readout read.
    lengths : ndarray of int, shape (n_samples,), or None
        Real steps per sequence.
    pooling : {'last', 'mean', 'max', 'concat'}
        The readout.
    dH : ndarray, shape (n_samples, n_timesteps, n_units)
        Added to in place; padded steps get nothing.
    backward_half : bool, default=False
        As in :func:`pool_forward`.

    Returns
    -------
    dH : ndarray
        The array given, with the gradient added.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import pool_backward
    >>> H = np.arange(6.0).reshape(1, 3, 2)
    >>> dH = pool_backward(np.ones((1, 2)), H, None, "mean", np.zeros_like(H))
    >>> dH[0, :, 0].round(3).tolist()
    [0.333, 0.333, 0.333]
    """
    if pooling == "concat":
        # Each readout adds its share: one array, not three.
        for part, d in zip(_CONCAT, np.split(d_features, len(_CONCAT), axis=1)):
            pool_backward(d, H, lengths, part, dH, backward_half)
        return dH
    N, T, U = H.shape
    if pooling == "last":
        # Each row's last real step: a slice when all are full length (no gather).
        last = (slice(None), -1) if lengths is None else (np.arange(N), lengths - 1)
        if backward_half:
            h = U // 2
            dH[last + (slice(None, h),)] += d_features[:, :h]
            dH[:, 0, h:] += d_features[:, h:]
        else:
            dH[last] += d_features
    elif pooling == "mean":
        steps = T if lengths is None else lengths[:, None]
        share = (d_features / steps)[:, None, :]
        if lengths is None:
            dH += share
        else:
            real = step_mask(lengths, T)[:, :, None]
            dH += np.where(real, share, 0.0)
    else:
        masked = H
        if lengths is not None:
            masked = np.where(step_mask(lengths, T)[:, :, None], H, -np.inf)
        argmax = masked.argmax(axis=1)  # (N, U)
        dH[np.arange(N)[:, None], argmax, np.arange(U)] += d_features
    return dH
