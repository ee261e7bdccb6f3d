"""One LSTM layer over a padded batch: forward pass and backpropagation through time.

The cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000)::

    z_t = x_t @ Wx + h_{t-1} @ Wh + b          gate blocks in the order i, f, g, o
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = tanh(z_g)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

How the work is arranged, and why (figures in ``PERF_NOTES.md``):

* Time-major buffers ``(n_timesteps, n_samples, .)``, so that each step reads and
  writes contiguous blocks.
* One product per step over the stacked row ``[h_{t-1}, x_t, 1]`` against the
  folded weights ``[Wh; Wx; b]``: the input projection and the bias ride along
  with the recurrent product. The stacked rows of all steps stay in one buffer,
  which later gives ``dWh``, ``dWx`` and ``db`` as a single product.
* One ``exp`` over all four gate blocks: the folded weights are pre-scaled by -1
  (sigmoid gates) and -2 (candidate), so ``1 / (1 + exp(.))`` yields the three
  sigmoids and ``sigmoid(2 z)``, from which ``tanh(z) = 2 sigmoid(2 z) - 1``.
  ``exp`` may overflow to ``inf`` for very negative pre-activations, which gives
  exactly 0 after the reciprocal, never NaN; the overflow (and harmless
  underflow) warnings are silenced.
* Sequences are sorted by decreasing length, so the sequences still running at
  step ``t`` are the first ``n_active[t]`` rows: padded steps cost nothing and
  change neither state nor gradients.
* The backward pass computes the derivative factors that do not depend on the
  recurrence a block of steps at a time (about 512 KB), just before its loop
  reads them, so that they are still in cache; the loop then only chains them.
"""

from typing import NamedTuple

import numpy as np

from ._sequences import resolve_lengths

__all__ = ["LSTMCache", "lstm_forward", "lstm_backward"]


class LSTMCache(NamedTuple):
    """What :func:`lstm_forward` keeps for :func:`lstm_backward`.

    Buffers are time-major and in sorted row order (see ``order``).

    Parameters
    ----------
    stacked : ndarray, shape (n_timesteps + 1, n_samples, n_hidden + n_features + 1)
        Row ``t`` holds ``[h_{t-1}, x_t, 1]``; ``stacked[t + 1, :, :n_hidden]`` is ``h_t``.
    cells : ndarray, shape (n_timesteps + 1, n_samples, n_hidden)
        ``cells[t + 1]`` is ``c_t``; ``cells[0]`` is ``c0``.
    tanh_cells : ndarray, shape (n_timesteps, n_samples, n_hidden)
        ``tanh(c_t)``.
    gates : ndarray, shape (n_timesteps, n_samples, 4 * n_hidden)
        Activated gates ``[i, f, g, o]`` at each step.
    Wx : ndarray
        The input weights of the forward pass.
    Wh : ndarray
        The recurrent weights of the forward pass.
    order : ndarray of int or None
        Row ``k`` of the buffers is sequence ``order[k]``; None when unsorted.
    n_active : ndarray of int or None
        Number of sequences still running at each step; None when none is padded.
    lengths : ndarray of int or None
        Real steps of each sequence in the caller's order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_params, lstm_forward
    >>> Wx, Wh, b = init_lstm_params(1, 2, np.random.default_rng(0))
    >>> _, cache = lstm_forward(np.ones((3, 4, 1)), Wx, Wh, b)
    >>> cache.gates.shape  # (n_timesteps, n_samples, 4 * n_hidden)
    (4, 3, 8)
    """

    stacked: np.ndarray
    cells: np.ndarray
    tanh_cells: np.ndarray
    gates: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    order: np.ndarray | None
    n_active: np.ndarray | None
    lengths: np.ndarray | None


def _gate_scale(n_hidden, dtype):
    """Per-column factors that turn a pre-activation into the argument of exp."""
    scale = np.full(4 * n_hidden, -1.0, dtype=dtype)
    scale[2 * n_hidden : 3 * n_hidden] = -2.0
    return scale


def _check_weights(n_features, Wx, Wh, b):
    if Wh.ndim != 2 or Wh.shape[1] != 4 * Wh.shape[0]:
        raise ValueError(f"Wh must have shape (n_hidden, 4*n_hidden); got {Wh.shape}.")
    n_hidden = Wh.shape[0]
    if Wx.shape != (n_features, 4 * n_hidden):
        raise ValueError(
            f"Wx must have shape (n_features, 4*n_hidden) = "
            f"{(n_features, 4 * n_hidden)}; got {Wx.shape}."
        )
    if b.shape != (4 * n_hidden,):
        raise ValueError(f"b must have shape (4*n_hidden,) = ({4 * n_hidden},).")
    if Wx.dtype not in (np.float32, np.float64):
        raise TypeError(f"weights must be float32 or float64; got {Wx.dtype}.")
    return n_hidden


def _time_major(A, order):
    """(n_samples, n_timesteps, ...) -> (n_timesteps, n_samples, ...) in sorted row order."""
    A = A.swapaxes(0, 1)
    return A if order is None else A[:, order]


def _batch_major(A, order):
    """Inverse of :func:`_time_major`, as a new contiguous array."""
    out = np.empty((A.shape[1], A.shape[0]) + A.shape[2:], dtype=A.dtype)
    if order is None:
        out[...] = A.swapaxes(0, 1)
    else:
        out[order] = A.swapaxes(0, 1)
    return out


def lstm_forward(X, Wx, Wh, b, h0=None, c0=None, mask=None, lengths=None, keep_cache=True):
    """Run one LSTM layer over a batch of sequences.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Input sequences, right-padded when their lengths differ.
    Wx : ndarray, shape (n_features, 4 * n_hidden)
        Input weights, gate blocks in the order i, f, g, o. Its dtype (float32
        or float64) is the dtype of the whole computation.
    Wh : ndarray, shape (n_hidden, 4 * n_hidden)
        Recurrent weights.
    b : ndarray, shape (4 * n_hidden,)
        Bias.
    h0, c0 : ndarray, shape (n_samples, n_hidden), default=None
        Initial hidden and cell states; zeros when None.
    mask : ndarray of bool, shape (n_samples, n_timesteps), default=None
        True at real steps; each row True then False.
    lengths : ndarray of int, shape (n_samples,), default=None
        Real steps per sequence, an alternative to ``mask``.
    keep_cache : bool, default=True
        Whether to keep what :func:`lstm_backward` needs. Prediction passes
        False: gates and cell states then live in one step's scratch buffers,
        which stay in cache, and only the hidden states are kept.

    Returns
    -------
    H : ndarray, shape (n_samples, n_timesteps, n_hidden)
        Hidden state at each step; zero at padded steps.
    cache : LSTMCache or None
        What :func:`lstm_backward` needs; None when ``keep_cache`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_params, lstm_forward
    >>> Wx, Wh, b = init_lstm_params(3, 5, np.random.default_rng(0))
    >>> H, cache = lstm_forward(np.ones((2, 4, 3)), Wx, Wh, b, lengths=np.array([4, 2]))
    >>> H.shape
    (2, 4, 5)
    >>> bool(np.all(H[1, 2:] == 0))
    True
    """
    Wx = np.asarray(Wx)
    dtype = Wx.dtype
    Wh, b = np.asarray(Wh, dtype=dtype), np.asarray(b, dtype=dtype)
    X = np.asarray(X, dtype=dtype)
    if X.ndim != 3:
        raise ValueError(f"X must be 3D (n_samples, n_timesteps, n_features); got {X.ndim}D.")
    N, T, D = X.shape
    H = _check_weights(D, Wx, Wh, b)
    lengths = resolve_lengths(N, T, mask, lengths)
    order = n_active = None
    if lengths is not None:
        order = np.argsort(-lengths, kind="stable")
        n_active = (lengths[:, None] > np.arange(T)).sum(axis=0)

    W = np.concatenate([Wh, Wx, b[None, :]]) * _gate_scale(H, dtype)
    stacked = np.zeros((T + 1, N, H + D + 1), dtype=dtype)
    stacked[:T, :, H : H + D] = _time_major(X, order)
    if n_active is not None:
        # Padding is never read by the recurrence, but it would enter the
        # weight-gradient product (as 0 * padding, NaN for NaN padding).
        padded = np.arange(N) >= n_active[:, None]
        stacked[:T][padded, H : H + D] = 0.0
    stacked[:, :, H + D] = 1.0
    # Without a cache, step t uses row 0 of gates and tanh_cells and rows t % 2,
    # (t + 1) % 2 of cells: one step's scratch, reused.
    kept = T if keep_cache else 1
    cells = np.zeros((kept + 1, N, H), dtype=dtype)
    if h0 is not None:
        stacked[0, :, :H] = _time_major(np.asarray(h0, dtype)[:, None], order)[0]
    if c0 is not None:
        cells[0] = _time_major(np.asarray(c0, dtype)[:, None], order)[0]
    tanh_cells = np.zeros((kept, N, H), dtype=dtype)
    gates = np.zeros((kept, N, 4 * H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)

    with np.errstate(over="ignore", under="ignore"):
        for t in range(T):
            n = N if n_active is None else n_active[t]
            slot, prev, now = (t, t, t + 1) if keep_cache else (0, t % 2, (t + 1) % 2)
            z = gates[slot, :n]
            np.matmul(stacked[t, :n], W, out=z)
            np.exp(z, out=z)
            z += 1.0
            np.reciprocal(z, out=z)
            i, f, g, o = z[:, :H], z[:, H : 2 * H], z[:, 2 * H : 3 * H], z[:, 3 * H :]
            g *= 2.0
            g -= 1.0
            c = cells[now, :n]
            np.multiply(f, cells[prev, :n], out=c)
            np.multiply(i, g, out=scratch[:n])
            c += scratch[:n]
            np.tanh(c, out=tanh_cells[slot, :n])
            np.multiply(o, tanh_cells[slot, :n], out=stacked[t + 1, :n, :H])

    H_out = _batch_major(stacked[1:, :, :H], order)
    if not keep_cache:
        return H_out, None
    cache = LSTMCache(stacked, cells, tanh_cells, gates, Wx, Wh, order, n_active, lengths)
    return H_out, cache


def _derivative_factors(cache, H, steps, K, Kc):
    """Factors of the gate gradients that do not depend on the recurrence, for ``steps``.

    Fills ``K`` (shape (len(steps), N, 4, H)) with ``dz_k = K[:, :, k] * dc`` for the
    i, f, g blocks and ``dz_o = K[:, :, 3] * dh``, and ``Kc`` with ``dc += Kc * dh``.
    """
    gates = cache.gates[steps].reshape(K.shape)
    i, f, g, o = (gates[:, :, k] for k in range(4))
    tc = cache.tanh_cells[steps]
    np.multiply(i * (1.0 - i), g, out=K[:, :, 0])
    np.multiply(f * (1.0 - f), cache.cells[steps], out=K[:, :, 1])
    np.multiply(1.0 - g * g, i, out=K[:, :, 2])
    np.multiply(o * (1.0 - o), tc, out=K[:, :, 3])
    np.multiply(o, 1.0 - tc * tc, out=Kc)


# Steps whose derivative factors are computed at once in the backward pass: a block that
# stays in cache while the loop reads it (PERF_NOTES: about 512 KB).
_FACTOR_BLOCK_BYTES = 512 * 1024


def lstm_backward(dH, cache, need_dX=True):
    """Backpropagate through time for one LSTM layer.

    Parameters
    ----------
    dH : ndarray, shape (n_samples, n_timesteps, n_hidden)
        Gradient of the loss with respect to the output ``H`` of
        :func:`lstm_forward`. Values at padded steps are ignored.
    cache : LSTMCache
        The cache returned by :func:`lstm_forward`.
    need_dX : bool, default=True
        Whether to compute the gradient with respect to the input; the first
        layer of a network does not need it.

    Returns
    -------
    dX : ndarray, shape (n_samples, n_timesteps, n_features), or None
        Gradient with respect to ``X``; None when ``need_dX`` is False; zero at padded steps.
    dWx : ndarray, shape (n_features, 4 * n_hidden)
        Gradient with respect to ``Wx``.
    dWh : ndarray, shape (n_hidden, 4 * n_hidden)
        Gradient with respect to ``Wh``.
    db : ndarray, shape (4 * n_hidden,)
        Gradient with respect to ``b``.
    dh0 : ndarray, shape (n_samples, n_hidden)
        Gradient with respect to the initial hidden state.
    dc0 : ndarray, shape (n_samples, n_hidden)
        Gradient with respect to the initial cell state.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import init_lstm_params, lstm_forward, lstm_backward
    >>> Wx, Wh, b = init_lstm_params(3, 5, np.random.default_rng(0))
    >>> H, cache = lstm_forward(np.ones((2, 4, 3)), Wx, Wh, b)
    >>> dX, dWx, dWh, db, dh0, dc0 = lstm_backward(np.ones_like(H), cache)
    >>> dWh.shape
    (5, 20)
    """
    stacked, cells, _, gates, Wx, Wh, order, n_active, _ = cache
    T, N, H4 = gates.shape
    H = H4 // 4
    dtype = gates.dtype
    dH_tm = _time_major(np.asarray(dH, dtype=dtype), order)
    if dH_tm.shape != (T, N, H):
        raise ValueError(f"dH must have shape {(N, T, H)}; got {np.shape(dH)}.")
    forget = gates[:, :, H : 2 * H]
    WhT = np.ascontiguousarray(Wh.T)
    block = max(1, _FACTOR_BLOCK_BYTES // (5 * N * H * gates.itemsize))
    K = np.empty((min(block, T), N, 4, H), dtype=dtype)
    Kc = np.empty((min(block, T), N, H), dtype=dtype)

    dZ = np.zeros((T, N, 4 * H), dtype=dtype)
    dZ4 = dZ.reshape(T, N, 4, H)
    dh = np.zeros((N, H), dtype=dtype)
    dc = np.zeros((N, H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)
    for stop in range(T, 0, -block):
        start = max(0, stop - block)
        K_b, Kc_b = K[: stop - start], Kc[: stop - start]
        _derivative_factors(cache, H, slice(start, stop), K_b, Kc_b)
        for t in range(stop - 1, start - 1, -1):
            n = N if n_active is None else n_active[t]
            if n == 0:
                continue
            k = t - start
            dh_t, dc_t = dh[:n], dc[:n]
            dh_t += dH_tm[t, :n]
            np.multiply(K_b[k, :n, 3], dh_t, out=dZ4[t, :n, 3])
            np.multiply(Kc_b[k, :n], dh_t, out=scratch[:n])
            dc_t += scratch[:n]
            np.multiply(K_b[k, :n, :3], dc_t[:, None, :], out=dZ4[t, :n, :3])
            dc_t *= forget[t, :n]
            np.matmul(dZ[t, :n], WhT, out=dh_t)

    dZ_flat = dZ.reshape(T * N, 4 * H)
    D = Wx.shape[0]
    dW = stacked[:T].reshape(T * N, H + D + 1).T @ dZ_flat
    dX = None
    if need_dX:
        dX = _batch_major((dZ_flat @ Wx.T).reshape(T, N, D), order)
    dh0 = _batch_major(dh[None], order)[:, 0]
    dc0 = _batch_major(dc[None], order)[:, 0]
    return dX, dW[H : H + D], dW[:H], dW[H + D], dh0, dc0
