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

# Weights are counts here: weights normalised to sum to 1 would leave GCV no degrees of
# freedom for any penalty, and every fit would silently take the strongest.
_TOO_FEW = (
    "sample_weight sums to {:.3g}: sklstm reads sample weights as counts (a weight of 2 is a "
    "sequence given twice), and a ridge penalty chosen from the data (LSTMRegressor's "
    "linear_alpha='auto', or the random-kernel base of either estimator) needs at least 2 "
    "sequences' worth. Scale the weights up (for example to a mean of 1), or fix "
    "linear_alpha and set random_kernels=0."
)


def ridge_gcv(X, Y, sample_weight, alphas=ALPHAS, held_out_loss=None):
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
    root_w = np.sqrt(w)[:, None]
    Xw = root_w * (X - x_mean)
    U, s, V = _decompose(Xw)
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
    XV = (X - x_mean) @ V
    if held_out_loss is not None:
        losses = [held_out_loss(_held_out(XV, U, s, UtY, Y, y_mean, w, n, a)) for a in alphas]
        best = int(np.argmin(losses))
    alpha = float(alphas[best])
    coef = V @ ((s / (s * s + alpha))[:, None] * UtY)
    held_out = _held_out(XV, U, s, UtY, Y, y_mean, w, n, alpha)
    return coef, y_mean - x_mean @ coef, alpha, held_out


def _held_out(XV, U, s, UtY, Y, y_mean, w, n, alpha):
    """Leave-one-copy-out predictions in closed form: each residual over ``1 - h``, with
    ``h`` one copy's leverage: the weight-scaled hat matrix's diagonal over ``w_i``, plus
    the intercept's ``1 / n``."""
    fitted = XV @ ((s / (s * s + alpha))[:, None] * UtY) + y_mean
    leverage = (U * U) @ (s * s / (s * s + alpha))
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(w > 0, leverage / w + 1.0 / n, 0.0)
    return Y - (Y - fitted) / np.maximum(1.0 - leverage, 1e-12)[:, None]


def _decompose(Xw):
    """Thin SVD ``Xw = U diag(s) V.T`` as ``(U, s, V)``, without the directions of zero
    singular value (so that a penalty of 0 gives least squares of least norm); through the
    smaller Gram matrix when there are many more features than samples."""
    n_samples, n_features = Xw.shape
    if n_features <= 2 * n_samples:
        U, s, Vt = np.linalg.svd(Xw, full_matrices=False)
        keep = s > (s.max(initial=0.0) * max(Xw.shape) * np.finfo(np.float64).eps)
        if keep.all():  # as they are: a copy would change how BLAS rounds the products
            return U, s, Vt.T
        return U[:, keep], s[keep], Vt[keep].T
    eigenvalues, U = np.linalg.eigh(Xw @ Xw.T)
    keep = eigenvalues > eigenvalues.max() * n_features * np.finfo(np.float64).eps
    U, s = U[:, keep], np.sqrt(eigenvalues[keep])
    return U, s, (Xw.T @ U) / s
