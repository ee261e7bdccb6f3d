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


def ridge_gcv(X, Y, sample_weight, alphas=ALPHAS):
    """Fit a weighted ridge regression with the penalty of lowest GCV.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Inputs.
    Y : ndarray, shape (n_samples, n_outputs)
        Targets; one penalty serves all outputs (their residual sums add up).
    sample_weight : ndarray, shape (n_samples,)
        Non-negative weights, read as counts.
    alphas : ndarray, default=ALPHAS
        Penalties to try.

    Returns
    -------
    coef : ndarray, shape (n_features, n_outputs)
        Weights.
    intercept : ndarray, shape (n_outputs,)
        Intercepts.
    alpha : float
        The chosen penalty.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    n = w.sum()
    x_mean = w @ X / n
    y_mean = w @ Y / n
    root_w = np.sqrt(w)[:, None]
    U, s, Vt = np.linalg.svd(root_w * (X - x_mean), full_matrices=False)
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
    alpha = float(alphas[best])
    coef = Vt.T @ ((s / (s * s + alpha))[:, None] * UtY)
    return coef, y_mean - x_mean @ coef, alpha
