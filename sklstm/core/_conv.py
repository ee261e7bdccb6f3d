"""A convolutional front end: 1D convolution, layer normalisation and max pooling over time.

Each is a pair of pure functions over padded batches ``(n_samples, n_timesteps, channels)``
with the real steps of each sequence in ``lengths`` (None when none is padded). Steps past a
sequence's end read as zeros, as the zero padding of a sequence alone does, and every output
is zero at padded steps, so a padded batch gives, sequence by sequence, exactly what each
sequence gives alone.
"""

import numpy as np

from ._sequences import step_mask

__all__ = [
    "conv1d_backward",
    "conv1d_forward",
    "init_conv1d_params",
    "max_pool_backward",
    "max_pool_forward",
]


def init_conv1d_params(kernel_size, n_in, n_filters, random_state, dtype=np.float64):
    """Draw a convolution's kernel (He-uniform, for the ReLU that follows) and a zero bias.

    Parameters
    ----------
    kernel_size : int
        Steps each filter reads.
    n_in : int
        Channels of each input step.
    n_filters : int
        Output channels.
    random_state : numpy.random.RandomState or numpy.random.Generator
        Source of randomness.
    dtype : data-type, default=numpy.float64
        Dtype of the parameters.

    Returns
    -------
    W : ndarray, shape (kernel_size, n_in, n_filters)
        Uniform on ``[-a, a]``, ``a = sqrt(6 / (kernel_size * n_in))`` (He et al. 2015).
    b : ndarray, shape (n_filters,)
        Zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_conv1d_params
    >>> W, b = init_conv1d_params(7, 1, 32, np.random.default_rng(0))
    >>> W.shape, b.shape
    ((7, 1, 32), (32,))
    """
    limit = np.sqrt(6.0 / (kernel_size * n_in))
    W = random_state.uniform(-limit, limit, (kernel_size, n_in, n_filters))
    return W.astype(dtype), np.zeros(n_filters, dtype=dtype)


def _windows(X, kernel_size, lengths, left=None):
    """Each step's window of ``kernel_size`` steps, ``left`` of them before it (by default
    centred, 'same'), as one row.

    Returns ``(N * T, kernel_size * C)``; steps outside a sequence read as zeros.
    """
    N, T, C = X.shape
    if left is None:
        left = (kernel_size - 1) // 2
    padded = np.zeros((N, T + kernel_size - 1, C), dtype=X.dtype)
    padded[:, left : left + T] = X
    if lengths is not None:
        padded[:, left : left + T][~step_mask(lengths, T)] = 0.0
    s0, s1, s2 = padded.strides
    view = np.lib.stride_tricks.as_strided(
        padded, (N, T, kernel_size, C), (s0, s1, s1, s2), writeable=False
    )
    return view.reshape(N * T, kernel_size * C)  # a copy: one row per step


def conv1d_forward(X, W, b, lengths=None):
    """Convolve each sequence with every filter ('same' padding, stride 1).

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_in)
        Padded batch.
    W : ndarray, shape (kernel_size, n_in, n_filters)
        Kernels; ``W[k]`` weighs the step ``k - (kernel_size - 1) // 2`` away.
    b : ndarray, shape (n_filters,)
        Bias.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence; None when none is padded.

    Returns
    -------
    Y : ndarray, shape (n_samples, n_timesteps, n_filters)
        ``Y[n, t] = b + sum_k X[n, t + k - left] @ W[k]``, zero at padded steps.
    cache : tuple
        What :func:`conv1d_backward` needs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import conv1d_forward
    >>> X = np.arange(1.0, 5.0).reshape(1, 4, 1)
    >>> W = np.ones((3, 1, 1))  # a moving sum of three steps
    >>> conv1d_forward(X, W, np.zeros(1))[0][0, :, 0].tolist()
    [3.0, 6.0, 9.0, 7.0]
    """
    N, T, _ = X.shape
    K, C, F = W.shape
    cols = _windows(X, K, lengths)
    Y = (cols @ W.reshape(K * C, F)).reshape(N, T, F)
    Y += b
    if lengths is not None:
        Y[~step_mask(lengths, T)] = 0.0
    return Y, (cols, X.shape, lengths)


def conv1d_backward(dY, W, cache, need_dX=True):
    """Backpropagate through :func:`conv1d_forward`.

    Parameters
    ----------
    dY : ndarray, shape (n_samples, n_timesteps, n_filters)
        Gradient with respect to ``Y``; values at padded steps are ignored.
    W : ndarray, shape (kernel_size, n_in, n_filters)
        The kernels.
    cache : tuple
        What :func:`conv1d_forward` returned.
    need_dX : bool, default=True
        Whether to compute the gradient with respect to ``X``.

    Returns
    -------
    dX : ndarray, shape (n_samples, n_timesteps, n_in), or None
        Gradient with respect to ``X``, zero at padded steps.
    dW : ndarray, shape (kernel_size, n_in, n_filters)
        Gradient with respect to ``W``.
    db : ndarray, shape (n_filters,)
        Gradient with respect to ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import conv1d_backward, conv1d_forward
    >>> X, W = np.ones((2, 5, 3)), np.ones((3, 3, 4))
    >>> Y, cache = conv1d_forward(X, W, np.zeros(4))
    >>> [g.shape for g in conv1d_backward(np.ones_like(Y), W, cache)]
    [(2, 5, 3), (3, 3, 4), (4,)]
    """
    cols, (N, T, C), lengths = cache
    K, _, F = W.shape
    if lengths is not None:
        dY = np.where(step_mask(lengths, T)[:, :, None], dY, 0.0).astype(dY.dtype, copy=False)
    d_rows = dY.reshape(N * T, F)
    dW = (cols.T @ d_rows).reshape(K, C, F)
    db = d_rows.sum(axis=0)
    if not need_dX:
        return None, dW, db
    # dX[u] = sum_k dY[u - k + left] @ W[k].T: a convolution of dY with the kernel flipped
    # in time (K - 1 - left steps before each), as one product of windows, like the forward.
    left = (K - 1) // 2
    flipped = np.transpose(W[::-1], (0, 2, 1)).reshape(K * F, C)
    dX = (_windows(dY, K, None, K - 1 - left) @ flipped).reshape(N, T, C)
    if lengths is not None:
        dX[~step_mask(lengths, T)] = 0.0
    return dX, dW, db


def pooled_lengths(lengths, pool_size):
    """Real steps after pooling by ``pool_size``: ``ceil(lengths / pool_size)``."""
    return None if lengths is None else -(-lengths // pool_size)


def max_pool_forward(X, pool_size, lengths=None):
    """The maximum of each run of ``pool_size`` steps (stride ``pool_size``).

    Runs start at each sequence's first step; a last, shorter run takes the maximum of
    the real steps it has.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_channels)
        Padded batch.
    pool_size : int
        Steps per run.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence.

    Returns
    -------
    Y : ndarray, shape (n_samples, ceil(n_timesteps / pool_size), n_channels)
        Maxima, zero at padded steps.
    lengths : ndarray of int or None
        Real steps of ``Y``: ``ceil(lengths / pool_size)``.
    cache : tuple
        What :func:`max_pool_backward` needs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import max_pool_forward
    >>> X = np.array([1.0, 5.0, 2.0, 4.0, 3.0]).reshape(1, 5, 1)
    >>> max_pool_forward(X, 2)[0][0, :, 0].tolist()
    [5.0, 4.0, 3.0]
    """
    N, T, C = X.shape
    T_out = -(-T // pool_size)
    if lengths is None and T == T_out * pool_size:
        runs = X.reshape(N, T_out, pool_size, C)  # a view: nothing to mask
    else:
        padded = np.full((N, T_out * pool_size, C), -np.inf, dtype=X.dtype)
        padded[:, :T] = X
        if lengths is not None:
            padded[:, :T][~step_mask(lengths, T)] = -np.inf
        runs = padded.reshape(N, T_out, pool_size, C)
    # The first maximum of each run, one offset at a time: a few whole-array passes, about
    # 6x faster than argmax over the short, strided run axis (benchmarks/README.md).
    index = np.uint8 if pool_size < 256 else np.intp
    Y = runs[:, :, 0].copy()
    argmax = np.zeros((N, T_out, C), dtype=index)
    for j in range(1, pool_size):
        candidate = runs[:, :, j]
        better = candidate > Y
        np.maximum(Y, candidate, out=Y)
        # argmax becomes j where better (j exceeds every earlier offset): arithmetic, as
        # np.where with a scalar, copyto(where=) and masked assignment were 4-5x slower.
        argmax += better * (index(j) - argmax)
    out_lengths = pooled_lengths(lengths, pool_size)
    if out_lengths is not None:
        Y[~step_mask(out_lengths, T_out)] = 0.0
    return Y, out_lengths, (argmax, X.shape, pool_size, lengths)


def max_pool_backward(dY, cache):
    """Send each maximum's gradient back to the step it came from.

    Parameters
    ----------
    dY : ndarray, shape (n_samples, n_pooled_steps, n_channels)
        Gradient with respect to the maxima; values at padded steps are ignored.
    cache : tuple
        What :func:`max_pool_forward` returned.

    Returns
    -------
    dX : ndarray, shape (n_samples, n_timesteps, n_channels)
        Gradient with respect to ``X``, zero at padded steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import max_pool_backward, max_pool_forward
    >>> X = np.array([1.0, 5.0, 2.0, 4.0]).reshape(1, 4, 1)
    >>> Y, _, cache = max_pool_forward(X, 2)
    >>> max_pool_backward(np.ones_like(Y), cache)[0, :, 0].tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    argmax, (N, T, C), pool_size, lengths = cache
    T_out = argmax.shape[1]
    runs = np.empty((N, T_out, pool_size, C), dtype=dY.dtype)  # every offset is written
    for j in range(pool_size):
        np.multiply(dY, argmax == j, out=runs[:, :, j])
    dX = runs.reshape(N, T_out * pool_size, C)[:, :T]
    if lengths is not None:
        # A run past a sequence's end holds only padded steps, whose argmax is one of
        # them: its gradient lands on a padded step and is dropped here.
        dX[~step_mask(lengths, T)] = 0.0
    return dX
