"""One LSTM layer over a padded batch: forward pass and backpropagation through time.

The cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000)::

    z_t = x_t @ Wx + h_{t-1} @ Wh + b          gate blocks in the order i, f, g, o
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = tanh(z_g)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

How the work is arranged, and why (figures in ``PERF_NOTES.md`` and ``benchmarks/README.md``):

* Step-major, feature-major buffers ``(n_timesteps, n_features, n_samples)``: at each step a
  gate block is a contiguous ``(n_hidden, n_samples)`` slab, so every elementwise call runs
  one flat loop (on a batch-major row the four gates interleave, and NumPy loops row by row).
* One product per step over the stacked column ``[h_{t-1}; x_t; 1]`` against the folded
  weights ``[Wh; Wx; b]``: the input projection and the bias ride along with the
  recurrent product. The stacked columns of all steps stay in one buffer, which later gives
  ``dWh``, ``dWx`` and ``db`` together.
* Inside, the gate blocks run in the order o, i, f, g, followed by ``c_{t-1}``: the three
  sigmoids form one block (one ``exp`` over it, its weights pre-scaled by -1, then ``+1``
  and a reciprocal; ``exp`` may overflow to ``inf``, which gives exactly 0, never NaN, so
  the overflow warnings are silenced), and ``[i, f] * [g, c_{t-1}]`` is one multiply. The
  backward pass arranges its factors the same way, so that each step is two multiplies, an
  add (and an add of the output's gradient, at steps that have one) and one product.
* Sequences are sorted by decreasing length, so the sequences still running at
  step ``t`` are the first ``n_active[t]`` columns: padded steps cost nothing and
  change neither state nor gradients.
* The backward pass works through the steps a block at a time (about 512 KB of derivative
  factors): it computes the factors that do not depend on the recurrence just before its
  loop reads them, while they are in cache (factor by factor, each over the whole block in
  one call), and it turns the block's gate gradients into
  weight gradients with batched products (a few steps per call), so that no gradient is
  stored for every step.
"""

from itertools import chain, cycle, islice, repeat
from operator import getitem
from typing import NamedTuple

import numpy as np

from ._sequences import resolve_lengths, step_mask
from ._workspace import FRESH

__all__ = ["LSTMCache", "lstm_forward", "lstm_backward"]


class LSTMCache(NamedTuple):
    """What :func:`lstm_forward` keeps for :func:`lstm_backward`.

    Buffers are step-major and feature-major, with columns in sorted order (see ``order``);
    :meth:`gate_values` and :meth:`cell_states` read them back in the caller's layout.

    Parameters
    ----------
    stacked : ndarray, shape (n_timesteps + 1, n_hidden + n_features + 1, n_samples)
        Step ``t`` holds the columns ``[h_{t-1}; x_t; 1]``; ``stacked[t + 1, :n_hidden]``
        is ``h_t``.
    gates : ndarray, shape (n_timesteps + 1, 5 * n_hidden, n_samples)
        Step ``t`` holds the activated gates in the order o, i, f, g, then ``c_{t-1}``;
        ``gates[n_timesteps]`` holds only the last cell state.
    tanh_cells : ndarray, shape (n_timesteps, n_hidden, n_samples)
        ``tanh(c_t)``.
    weights : ndarray, shape (4 * n_hidden, n_hidden + n_features + 1)
        The folded weights ``[Wh; Wx; b]`` of the forward pass, transposed, gate blocks
        in the internal order o, i, f, g, the sigmoid blocks' rows negated.
    order : ndarray of int or None
        Column ``k`` of the buffers is sequence ``order[k]``; None when unsorted.
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
    >>> cache.gate_values().shape  # (n_samples, n_timesteps, 4 * n_hidden)
    (3, 4, 8)
    """

    stacked: np.ndarray
    gates: np.ndarray
    tanh_cells: np.ndarray
    weights: np.ndarray
    order: np.ndarray | None
    n_active: np.ndarray | None
    lengths: np.ndarray | None

    def gate_values(self):
        """Activated gates ``[i, f, g, o]`` of each step.

        Returns
        -------
        gates : ndarray, shape (n_samples, n_timesteps, 4 * n_hidden)
        """
        T, H = self.tanh_cells.shape[:2]
        N = self.gates.shape[2]
        blocks = self.gates[:T, : 4 * H].reshape(T, 4, H, N)
        ifgo = blocks[:, _PUBLIC_BLOCKS].reshape(T, 4 * H, N)
        return _batch_major(ifgo, self.order)

    def cell_states(self):
        """Cell states: the initial state, then the state after each step.

        Returns
        -------
        cells : ndarray, shape (n_samples, n_timesteps + 1, n_hidden)
        """
        H = self.tanh_cells.shape[1]
        return _batch_major(self.gates[:, 4 * H :], self.order)


# Position in the public order i, f, g, o of each internal gate block o, i, f, g.
_INTERNAL_BLOCKS = np.array([3, 0, 1, 2])
# Internal position of each public gate block i, f, g, o.
_PUBLIC_BLOCKS = np.argsort(_INTERNAL_BLOCKS)
# Sign of each internal block in the folded weights: -1 for the sigmoids, which exp(-z) reads.
_BLOCK_SIGNS = {
    np.dtype(t): np.array([-1, -1, -1, 1], dtype=t)[:, None, None] for t in (np.float32, np.float64)
}
# The same signs in the public order i, f, g, o (for the weight gradients).
_PUBLIC_SIGNS = {dtype: signs[_PUBLIC_BLOCKS] for dtype, signs in _BLOCK_SIGNS.items()}
# 1 as a 0-d array: adding one costs half what adding a Python float does.
_ONES = {np.dtype(t): np.ones((), dtype=t) for t in (np.float32, np.float64)}


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


def _step_major(A, order):
    """(n_samples, n_timesteps, k) -> (n_timesteps, k, n_samples), sorted columns.

    A view when unsorted: callers write it into a step-major buffer, which is the one copy.
    """
    A = A.transpose(1, 2, 0)
    return A if order is None else A[:, :, order]


def _fold_weights(Wx, Wh, b):
    """The weights as the step loop reads them, shape (4 * n_hidden, n_hidden + n_features + 1).

    ``[Wh; Wx; b]`` transposed, gate blocks in the internal order, the sigmoid blocks
    negated (their ``exp`` reads ``-z``). C-ordered: the per-step product is 7-11 % slower
    on a transposed view at hidden 128-256. One gather of whole blocks and one multiply by
    the signs: 0.8x the time of reordering, transposing and negating in turn at hidden 16.
    """
    H = Wh.shape[0]
    folded = np.concatenate([Wh, Wx, b[None, :]])
    rows = folded.shape[0]
    blocks = folded.reshape(rows, 4, H).transpose(1, 2, 0)[_INTERNAL_BLOCKS]
    W = np.empty((4, H, rows), dtype=folded.dtype)
    np.multiply(blocks, _BLOCK_SIGNS[folded.dtype], out=W)
    return W.reshape(4 * H, rows)


def _cut(slabs, cols):
    """Each of ``slabs`` indexed by its entry of ``cols`` (``slabs`` unchanged when None).

    The loops take their per-step views from iterators over arrays, which make them in C:
    a third of the time of indexing inside the loop, which at small sizes took a fifth of
    a step. ``cols`` then cuts them to the sequences still running.
    """
    return slabs if cols is None else map(getitem, slabs, cols)


def _batch_major(A, order, out=None):
    """Inverse of :func:`_step_major`, into ``out`` or a new contiguous array."""
    if out is None:
        out = np.empty((A.shape[2], A.shape[0], A.shape[1]), dtype=A.dtype)
    if order is None:
        out[...] = A.transpose(2, 0, 1)
    else:
        out[order] = A.transpose(2, 0, 1)
    return out


def lstm_forward(
    X, Wx, Wh, b, h0=None, c0=None, mask=None, lengths=None, keep_cache=True, workspace=None
):
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
        False: gates and cell states then live in two alternating slots, which
        stay in cache, and only the hidden states are kept.
    workspace : Workspace, default=None
        Where to keep the large arrays (``H`` and the cache) so that the next call
        with this workspace reuses their memory, and overwrites them; new arrays
        when None.

    Returns
    -------
    H : ndarray, shape (n_samples, n_timesteps, n_hidden)
        Hidden state at each step; zero at padded steps. When no sequence is padded,
        a read-only view of the states the pass kept (no copy); copy it to change it.
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
        n_active = step_mask(lengths, T).sum(axis=0)

    W = _fold_weights(Wx, Wh, b)
    ragged = n_active is not None
    ws = FRESH if workspace is None else workspace
    alloc = ws.zeros if ragged else ws.empty  # padded columns are read, never written
    stacked = alloc("stacked", (T + 1, H + D + 1, N), dtype)
    stacked[:T, H : H + D] = _step_major(X, order)
    if ragged:
        # Padding is never read by the recurrence, but it would enter the
        # weight-gradient product (as 0 * padding, NaN for NaN padding).
        padded = np.arange(N) >= n_active[:, None]
        stacked[:T, H : H + D][np.broadcast_to(padded[:, None, :], (T, D, N))] = 0.0
    else:
        stacked[0, :H] = 0.0
    stacked[T, H:] = 0.0
    stacked[:, H + D] = 1.0
    # Without a cache, steps alternate between two slots of gates and one of tanh_cells.
    kept = T if keep_cache else 1
    gates = alloc("gates", (kept + 1, 5 * H, N), dtype)
    gates[0, 4 * H :] = 0.0
    if h0 is not None:
        stacked[0, :H] = _step_major(np.asarray(h0, dtype)[:, None], order)[0]
    if c0 is not None:
        gates[0, 4 * H :] = _step_major(np.asarray(c0, dtype)[:, None], order)[0]
    tanh_cells = alloc("tanh_cells", (kept, H, N), dtype)
    products = ws.empty("products", (2 * H, N), dtype)
    # Each step's views, from iterators over the buffers (see _cut).
    cols = None if n_active is None else [(..., slice(None, n)) for n in n_active.tolist()]

    def slots(A, ahead=0):
        """Slot ``t + ahead`` of each step ``t``; without a cache, slots 0, 1, 0, ..."""
        if keep_cache:
            return _cut(A[ahead : T + ahead], cols)
        return _cut(islice(cycle((A[ahead], A[1 - ahead])), T), cols)

    def step_views():
        return zip(
            _cut(stacked[:T], cols),  # [h_{t-1}; x_t; 1]
            slots(gates[:, : 4 * H]),  # z
            slots(gates[:, : 3 * H]),  # o, i, f
            slots(gates[:, 3 * H : 4 * H]),  # g
            slots(gates[:, H : 3 * H]),  # i, f
            slots(gates[:, 3 * H :]),  # g, c_{t-1}
            slots(gates[:, :H]),  # o
            slots(gates[:, 4 * H :], ahead=1),  # c_t
            slots(tanh_cells) if keep_cache else _cut(repeat(tanh_cells[0], T), cols),
            _cut(stacked[1:, :H], cols),  # h_t
            *(_cut(repeat(P, T), cols) for P in (products, products[:H], products[H:])),
        )

    if ragged or T > _KEPT_VIEWS_MAX_STEPS:
        views = step_views()
    else:
        # The next minibatch of the same shape gets the same buffers from the workspace,
        # hence the same views: keep them, as a list.
        key = (stacked, gates, tanh_cells, products)
        views = ws.reuse(("step views", keep_cache), key, lambda: list(step_views()))
    one = _ONES[dtype]

    with np.errstate(over="ignore", under="ignore"):
        for inputs, z, sig, cand, i_f, g_c, o, cell, tanh_cell, h, prod, ig, fc in views:
            np.matmul(W, inputs, out=z)
            np.exp(sig, out=sig)
            np.add(sig, one, out=sig)
            np.divide(one, sig, out=sig)  # 1/x: 0.6x the time of np.reciprocal here
            np.tanh(cand, out=cand)
            np.multiply(i_f, g_c, out=prod)  # [i*g, f*c_prev]
            np.add(ig, fc, out=cell)
            np.tanh(cell, out=tanh_cell)
            np.multiply(o, tanh_cell, out=h)

    if order is None:
        # A view of the states already kept in ``stacked``, read-only so that nothing
        # written to it reaches the backward pass.
        H_out = stacked[1:, :H].transpose(2, 0, 1)
        H_out.flags.writeable = False
    else:
        H_out = _batch_major(stacked[1:, :H], order, ws.empty("H", (N, T, H), dtype))
    if not keep_cache:
        return H_out, None
    cache = LSTMCache(stacked, gates, tanh_cells, W, order, n_active, lengths)
    return H_out, cache


def fold_lstm_weights(Wx, Wh, b):
    """An LSTM layer's weights as :func:`lstm_step` (and the step loop) read them.

    Parameters
    ----------
    Wx, Wh, b : ndarray
        Input weights, recurrent weights and bias (see :func:`lstm_forward`).

    Returns
    -------
    W : ndarray, shape (4 * n_hidden, n_hidden + n_features + 1)
        ``[Wh; Wx; b]`` transposed, the gate blocks in the step loop's order, the
        sigmoid gates' rows negated.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import fold_lstm_weights, init_lstm_params
    >>> fold_lstm_weights(*init_lstm_params(3, 5, np.random.default_rng(0))).shape
    (20, 9)
    """
    Wx = np.asarray(Wx)
    return _fold_weights(Wx, np.asarray(Wh, Wx.dtype), np.asarray(b, Wx.dtype))


def lstm_step(W, x, h, c):
    """One step of an LSTM layer for a batch, from carried states.

    The operations of each step of :func:`lstm_forward`, in the same order: a stream of
    steps fed one at a time gives the states the whole sequence gives (up to how BLAS
    rounds a product of another width).

    Parameters
    ----------
    W : ndarray, shape (4 * n_hidden, n_hidden + n_features + 1)
        Weights from :func:`fold_lstm_weights`; their dtype is the computation's.
    x : ndarray, shape (n_features, n_samples)
        The step's inputs, one column a sequence.
    h, c : ndarray, shape (n_hidden, n_samples)
        Hidden and cell states after the previous step (zeros before the first).

    Returns
    -------
    h, c : ndarray, shape (n_hidden, n_samples)
        The states after this step (new arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import fold_lstm_weights, init_lstm_params, lstm_forward, lstm_step
    >>> Wx, Wh, b = init_lstm_params(3, 5, np.random.default_rng(0))
    >>> X = np.random.default_rng(1).normal(size=(2, 4, 3))
    >>> W, h, c = fold_lstm_weights(Wx, Wh, b), np.zeros((5, 2)), np.zeros((5, 2))
    >>> for t in range(4):
    ...     h, c = lstm_step(W, X[:, t].T, h, c)
    >>> bool(np.allclose(h.T, lstm_forward(X, Wx, Wh, b)[0][:, -1], rtol=0, atol=1e-15))
    True
    """
    dtype = W.dtype
    n_hidden, n = h.shape
    inputs = np.empty((W.shape[1], n), dtype)
    inputs[:n_hidden] = h
    inputs[n_hidden:-1] = x
    inputs[-1] = 1.0
    z = np.matmul(W, inputs)
    one = _ONES[dtype]
    with np.errstate(over="ignore", under="ignore"):
        sig = z[: 3 * n_hidden]
        np.exp(sig, out=sig)
        np.add(sig, one, out=sig)
        np.divide(one, sig, out=sig)
        cand = np.tanh(z[3 * n_hidden :])
        o, i, f = z[:n_hidden], z[n_hidden : 2 * n_hidden], z[2 * n_hidden : 3 * n_hidden]
        cell = np.add(np.multiply(i, cand), np.multiply(f, c))
        return np.multiply(o, np.tanh(cell)), cell


def _derivative_factors(gates, tanh_cells, steps, K, G):
    """Factors of the gate gradients that do not depend on the recurrence, for ``steps``.

    Fills ``K`` (shape (6, len(steps), n_hidden, n_samples)) so that, at each step ``k``,
    ``K[0:2, k] * dh`` gives ``[dc_from_h, dz_o]`` and, with ``dc`` the whole cell gradient,
    ``K[2:6, k] * dc`` gives ``[dz_i, dz_f, dz_g, dc_prev]``. ``G`` (shape (5, len(steps),
    n_hidden, n_samples)) receives a copy of the gates.

    The sigmoid gates' factors are negated, as their rows of the folded weights are: the
    gradients are then those of the folded weights' pre-activations, so the backward pass
    multiplies by the forward pass's weights as they are (negation is exact).
    """
    _, L, H, N = K.shape
    # Factor-major K, and the gates copied gate-major: every call below then runs one flat
    # loop over the block. On step-major views, NumPy loops step by step, 2-3x slower
    # at small sizes; the copy costs less than that.
    np.copyto(G, gates[steps].reshape(L, 5, H, N).swapaxes(0, 1))
    o, i, f, g, _ = G
    tc = tanh_cells[steps]
    # o, i, f lie side by side in G and in K[1:4], and so do g, c_prev (G[3:5]) and
    # their factors' rows (K[2:4]).
    sig, sig_slope = G[:3], K[1:4]
    np.multiply(sig, sig, out=sig_slope)
    np.subtract(sig_slope, sig, out=sig_slope)  # -sigmoid' = s^2 - s
    K[1] *= tc  # dz_o per dh
    K[2:4] *= G[3:5]  # [dz_i, dz_f] per dc
    one = _ONES[K.dtype]
    for row, squared, scale in ((0, tc, o), (4, g, i)):
        np.multiply(squared, squared, out=K[row])
        np.subtract(one, K[row], out=K[row])  # tanh' = 1 - tanh^2
        K[row] *= scale  # dc per dh: o tanh'(c);  dz_g per dc: i tanh'(z_g)
    K[5] = f  # dc_prev per dc: f


# Longest sequences whose step views a workspace keeps for the next call (the forward and
# backward lists together take about 2.7 KB a step: at most 0.7 MB a layer and direction).
_KEPT_VIEWS_MAX_STEPS = 256

# Steps whose derivative factors are computed at once in the backward pass: a block that
# stays in cache while the loop reads it (PERF_NOTES: about 512 KB).
_FACTOR_BLOCK_BYTES = 512 * 1024
_PRODUCT_BLOCK_BYTES = 256 * 1024


def lstm_backward(dH, cache, need_dX=True, workspace=None):
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
    workspace : Workspace, default=None
        Where to keep the large arrays (``dX`` and the working buffers) so that the
        next call with this workspace reuses their memory, and overwrites them; new
        arrays when None. The weight gradients are always new arrays.

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
    stacked, gates, tanh_cells, W, order, n_active, _ = cache
    T, H, N = tanh_cells.shape
    D = W.shape[1] - H - 1
    dtype = gates.dtype
    if np.shape(dH) != (N, T, H):
        raise ValueError(f"dH must have shape {(N, T, H)}; got {np.shape(dH)}.")
    dH = np.asarray(dH, dtype=dtype)
    has_dH = dH.any(axis=0).any(axis=1).tolist()  # pooling 'last' feeds one step only
    # A view when unsorted (each step reads its strided slab once); a sorted copy otherwise.
    ws = FRESH if workspace is None else workspace
    dH_steps = dH.transpose(1, 2, 0)
    if order is not None:
        dH_steps = np.take(
            dH_steps, order, axis=2, out=ws.empty("dH", (T, H, N), dtype), mode="clip"
        )  # "clip": order is valid, and the default mode would copy through a buffer
    # The folded weights' recurrent and input columns, transposed: the sigmoid blocks are
    # negated here as in the gradients dZ (see _derivative_factors). C-ordered, as forward.
    Wh_int = np.ascontiguousarray(W[:, :H].T)
    Wx_int = np.ascontiguousarray(W[:, H : H + D].T) if need_dX else None
    n_at = [N] * T if n_active is None else n_active.tolist()  # Python ints slice faster

    step_bytes = max(1, 6 * H * N * gates.itemsize)
    block = max(1, min(T, _FACTOR_BLOCK_BYTES // step_bytes))  # at least 1, even for empty batches
    K = ws.empty("K", (6, block, H, N), dtype)
    # dZ[k] holds [dc_from_h, dz_o, dz_i, dz_f, dz_g, dc_prev] of step start + k. Each entry
    # is written before it is read, except at padded columns, which must read zero.
    dZ = (ws.empty if n_active is None else ws.zeros)("dZ", (block, 6, H, N), dtype)
    # The gates' gate-major copy (see _derivative_factors) is read before each block's loop,
    # which then writes every entry of dZ that is read: with nothing padded, the copy uses
    # dZ's memory; otherwise dZ's zeros must stay, and the copy has its own.
    if n_active is None:
        G = dZ.reshape(-1)[: 5 * block * H * N].reshape(5, block, H, N)
    else:
        G = ws.empty("G", (5, block, H, N), dtype)
    dZ_rows = dZ.reshape(block, 6 * H, N)
    # Views over the block, whose per-step slabs the loop iterates over: K[:2] multiplies dh
    # and K[2:] dc (see _derivative_factors); dZ's rows 1-4 are the gate gradients.
    K_h, K_c, dZ_h, dZ_c = K[:2].swapaxes(0, 1), K[2:].swapaxes(0, 1), dZ[:, :2], dZ[:, 2:]
    dc_h, dc_prev, dZ_gates = dZ[:, 0], dZ[:, 5], dZ_rows[:, H : 5 * H]
    dW = np.zeros((4 * H, H + D + 1), dtype=dtype)
    # Per-step weight gradients are formed a few steps at a time (at most about 256 KB, or
    # one step), then summed: their buffer does not grow with the block when N is small.
    per_step = max(1, 4 * H * (H + D + 1) * gates.itemsize)
    group = max(1, min(block, _PRODUCT_BLOCK_BYTES // per_step))
    step_dWs = ws.empty("step_dW", (group, 4 * H, H + D + 1), dtype)
    dX_steps = ws.empty("dX_steps", (T, D, N), dtype) if need_dX else None
    dh = ws.zeros("dh", (H, N), dtype)
    dc = ws.empty("dc", (H, N), dtype)
    dc_next = ws.zeros("dc_next", (H, N), dtype)  # dc_prev of the step after the block
    for stop in range(T, 0, -block):
        start = max(0, stop - block)
        L = stop - start
        _derivative_factors(gates, tanh_cells, slice(start, stop), K[:, :L], G[:, :L])
        # Columns from n_active[t] on stay zero in dZ, dc_next and dh: going back in time, a
        # sequence's column is first written at its last real step (rows are sorted by
        # decreasing length). So padded steps add nothing to the weight gradients, and a
        # sequence's backward pass starts from zero gradients.
        back = slice(L - 1, None, -1)  # the block's steps, last first
        cols = None
        if n_active is not None:
            cols = [(..., slice(None, n)) for n in reversed(n_at[start:stop])]

        incoming = has_dH[start:stop][::-1]

        def step_views():
            return zip(
                n_at[start:stop][::-1],
                incoming,
                *(_cut(A[back], cols) for A in (dH_steps[start:stop], K_h, dZ_h, dc_h, K_c, dZ_c)),
                _cut(chain((dc_next,), dc_prev[1:L][::-1]), cols),  # the next step's dc_prev
                _cut(dZ_gates[back], cols),
                *(_cut(repeat(A, L), cols) for A in (dh, dc)),
            )

        if n_active is not None or T > _KEPT_VIEWS_MAX_STEPS:
            views = step_views()
        else:  # as in the forward pass: the same buffers as last time, the same views
            key = (dH, K, dZ, dh, dc, dc_next, tuple(incoming))
            views = ws.reuse(("step views", start, stop), key, lambda: list(step_views()))
        for n, add_dH, dH_t, K_h_t, dZ_h_t, dc_h_t, K_c_t, dZ_c_t, later, dz, dh_t, dc_t in views:
            if n == 0:
                continue
            if add_dH:
                dh_t += dH_t
            np.multiply(K_h_t, dh_t, out=dZ_h_t)
            np.add(later, dc_h_t, out=dc_t)
            np.multiply(K_c_t, dc_t, out=dZ_c_t)
            np.matmul(Wh_int, dz, out=dh_t)
        dZ_block = dZ_gates[:L]
        # One product per step, batched (no copies, unlike a tensordot over (step, sample)).
        for lo in range(0, L, group):
            hi = min(L, lo + group)
            S_T = stacked[start + lo : start + hi].transpose(0, 2, 1)
            products = np.matmul(dZ_block[lo:hi], S_T, out=step_dWs[: hi - lo])
            dW += products[0] if hi - lo == 1 else products.sum(axis=0)
        if need_dX:
            dX_block = np.tensordot(Wx_int, dZ_block, axes=([1], [1]))
            dX_steps[start:stop] = dX_block.transpose(1, 0, 2)
        dc_next[...] = dc_prev[0]

    # dW is the gradient of the folded weights: undo the sigmoid blocks' sign and order
    # (one gather of whole blocks times the signs), then transpose.
    R = H + D + 1
    public = np.empty((4, H, R), dtype=dtype)
    np.multiply(dW.reshape(4, H, R)[_PUBLIC_BLOCKS], _PUBLIC_SIGNS[dtype], out=public)
    dW_pub = public.reshape(4 * H, R).T.copy()
    dX = (
        None
        if dX_steps is None
        else _batch_major(dX_steps, order, ws.empty("dX", (N, T, D), dtype))
    )
    # New arrays (dh and dc_next live in the workspace).
    dh0 = _batch_major(dh[None], order)[:, 0]
    dc0 = _batch_major(dc_next[None], order)[:, 0]  # dc_prev of step 0
    return dX, dW_pub[H : H + D], dW_pub[:H], dW_pub[H + D], dh0, dc0
