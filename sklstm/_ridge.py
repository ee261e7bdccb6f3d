"""Weighted ridge regression with its penalty chosen by generalised cross-validation.

The regressor's linear base is a ridge regression whose penalty, with
``linear_alpha='auto'``, is chosen from the training data. The criterion is generalised
cross-validation (Golub, Heath & Wahba 1979), written with sample weights as counts:

    GCV(alpha) = (sum_i w_i r_i^2 / n) / (1 - df / n)^2,   n = sum_i w_i,
    df = 1 + sum_i w_i h_ii (the intercept, and the weighted hat matrix's trace),

where ``r_i`` are the residuals of the fit with penalty ``alpha``. A sequence of weight 2
and the same sequence given twice have the same weighted means, the same fit, the same
weighted residual sum and the same trace, so they choose the same penalty: the property
``check_sample_weight_equivalence_on_dense_data`` asks for. (Leave-one-out, what
``RidgeCV`` computes by default, lacks it: a repeated row's twin stays in every fold.)

One singular value decomposition of the centred, weight-scaled inputs gives the residual
sum and the trace for every penalty of the grid in closed form.
"""

import numpy as np

__all__ = ["ALPHAS", "ridge_gcv"]

# Penalties tried, on standardized inputs and targets: from almost none to strong shrinkage.
ALPHAS = np.logspace(-3, 4, 36)
# Values of an n_samples x n_samples array (the Gram matrix, U) read at once (8 MB): what
# those steps add to the ridge's memory.
_BLOCK_VALUES = 2**20

# Weights are counts here: weights normalised to sum to 1 would leave GCV no degrees of
# freedom for any penalty, and every fit would silently take the strongest.
_TOO_FEW = (
    "sample_weight sums to {:.3g}: sklstm reads sample weights as counts (a weight of 2 is a "
    "sequence given twice), and a ridge penalty chosen from the data (LSTMRegressor's "
    "linear_alpha='auto', or the random-kernel base of either estimator) needs at least 2 "
    "sequences' worth. Scale the weights up (for example to a mean of 1), or fix "
    "linear_alpha and set random_kernels=0."
)


def ridge_gcv(X, Y, sample_weight, alphas=ALPHAS, held_out_loss=None, overwrite_X=False):
    """Fit a weighted ridge regression with the penalty of lowest GCV.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Inputs.
    Y : ndarray, shape (n_samples, n_outputs)
        Targets; one penalty serves all outputs (their residual sums add up).
    sample_weight : ndarray, shape (n_samples,)
        Non-negative weights, read as counts; with two or more positive, their sum must
        be at least 2 (else ``ValueError``).
    alphas : ndarray, default=ALPHAS
        Penalties to try.
    held_out_loss : callable or None, default=None
        If given, the penalty is instead the one whose held-out predictions (see below)
        make ``held_out_loss(held_out)`` lowest.
    overwrite_X : bool, default=False
        Centre ``X`` (float64) in place rather than in a copy: with many features the
        inputs are then held once (the decomposition adds ``n_samples x n_samples`` values
        below ``n_features / 2`` samples). ``X`` is left centred.

    Returns
    -------
    coef : ndarray, shape (n_features, n_outputs)
        Weights.
    intercept : ndarray, shape (n_outputs,)
        Intercepts.
    alpha : float
        The chosen penalty.
    held_out : ndarray, shape (n_samples, n_outputs)
        Each sample's prediction by the fit with one unit of its weight left out (a
        weight of 2 read as two copies, one left out), or, for a weight of zero, by the
        fit: what the model gives a sample it has not seen, the same for a weight of 2
        and a repeated sample.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    n = w.sum()
    if n < 2.0 and np.count_nonzero(w) > 1:
        raise ValueError(_TOO_FEW.format(n))
    x_mean = w @ X / n
    y_mean = w @ Y / n
    if overwrite_X:
        X -= x_mean
        Xc = X
    else:
        Xc = X - x_mean
    root_w = np.sqrt(w)[:, None]
    U, s, XV, coef_of = _decompose(Xc, root_w)
    Yw = root_w * (Y - y_mean)
    UtY = U.T @ Yw  # (rank, n_outputs)
    outside = max(float(np.sum(Yw * Yw) - np.sum(UtY * UtY)), 0.0)  # beyond U's span
    s2 = (s * s)[:, None]
    shrink = s2 / (s2 + alphas)  # (rank, n_alphas): each direction's share kept
    kept = np.sum(UtY * UtY, axis=1)[:, None]
    residual = outside + np.sum(kept * (1.0 - shrink) ** 2, axis=0)
    df = 1.0 + shrink.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gcv = np.where(df < n, residual / n / (1.0 - df / n) ** 2, np.inf)
    best = int(np.argmin(gcv))  # all infinite (fewer sequences than directions): the strongest
    if not np.isfinite(gcv[best]):
        best = len(alphas) - 1
    if held_out_loss is not None:
        losses = [held_out_loss(_held_out(XV, U, s, UtY, Y, y_mean, w, n, a)) for a in alphas]
        best = int(np.argmin(losses))
    alpha = float(alphas[best])
    coef = coef_of((s / (s * s + alpha))[:, None] * UtY)
    held_out = _held_out(XV, U, s, UtY, Y, y_mean, w, n, alpha)
    return coef, y_mean - x_mean @ coef, alpha, held_out


def _held_out(XV, U, s, UtY, Y, y_mean, w, n, alpha):
    """Leave-one-copy-out predictions in closed form: each residual over ``1 - h``, with
    ``h`` one copy's leverage: the weight-scaled hat matrix's diagonal over ``w_i``, plus
    the intercept's ``1 / n``."""
    fitted = XV @ ((s / (s * s + alpha))[:, None] * UtY) + y_mean
    kept = s * s / (s * s + alpha)
    leverage = np.empty(len(U))
    step = max(1, _BLOCK_VALUES // max(U.shape[1], 1))  # no squared copy of U at once
    for start in range(0, len(U), step):
        block = U[start : start + step]
        leverage[start : start + step] = (block * block) @ kept
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(w > 0, leverage / w + 1.0 / n, 0.0)
    return Y - (Y - fitted) / np.maximum(1.0 - leverage, 1e-12)[:, None]


def _decompose(Xc, root_w):
    """Thin SVD of the weight-scaled inputs ``Xw = root_w * Xc = U diag(s) V.T``, without the
    directions of zero singular value (so that a penalty of 0 gives least squares of least
    norm), as ``(U, s, Xc @ V, b -> V @ b)``.

    With many more features than samples it goes through the samples' Gram matrix and never
    forms ``Xw`` or ``V`` (each as large as ``Xc``); it holds two ``n_samples x n_samples``
    arrays at a time (and LAPACK's workspace while it decomposes). With ``K = Xc @ Xc.T``
    and ``G = diag(root_w) K diag(root_w)`` (``Xw``'s Gram matrix, ``U diag(s^2) U.T``),
    ``Xc @ V = K diag(root_w) U / s``, whose rows of positive weight are ``G U`` over
    ``root_w`` (``G``'s entries are ``K``'s times the two roots, so dividing one back out
    is exact to rounding, short of underflow, however small the weight), and
    ``V @ b = Xc.T (root_w * U (b / s))``.
    """
    n_samples, n_features = Xc.shape
    if n_features <= 2 * n_samples:
        Xw = root_w * Xc
        U, s, Vt = np.linalg.svd(Xw, full_matrices=False)
        keep = s > (s.max(initial=0.0) * max(Xw.shape) * np.finfo(np.float64).eps)
        del Xw
        if keep.all():  # as they are: a copy would change how BLAS rounds the products
            V = Vt.T
        else:
            U, s, V = U[:, keep], s[keep], Vt[keep].T
        return U, s, Xc @ V, V.__matmul__
    gram = Xc @ Xc.T  # K for now
    unweighted = np.flatnonzero(root_w[:, 0] == 0)
    K_unweighted = gram[unweighted] * root_w.T  # rows of K diag(root_w) G cannot give
    gram *= root_w
    gram *= root_w.T
    eigenvalues, U = np.linalg.eigh(gram)
    # Ascending: the kept directions are the last ones, a view of U rather than a copy.
    tiny = eigenvalues[-1] * n_features * np.finfo(np.float64).eps
    first = int(np.searchsorted(eigenvalues, tiny, "right"))
    U, s = U[:, first:], np.sqrt(eigenvalues[first:])
    # G U, block of rows by block of rows, into G's own first columns (a block reads
    # only its own rows of G), so that it needs no third n_samples x n_samples array.
    rank = U.shape[1]
    step = max(1, _BLOCK_VALUES // max(n_samples, 1))
    for start in range(0, n_samples, step):
        rows = slice(start, start + step)
        gram[rows, :rank] = gram[rows] @ U
    XV = gram[:, :rank]
    np.divide(XV, root_w, out=XV, where=root_w > 0)
    XV[unweighted] = K_unweighted @ U
    XV /= s

    def coef_of(b):
        return Xc.T @ (root_w * (U @ (b / s[:, None])))

    return U, s, XV, coef_of
