"""What the network reads: inputs standardized, clipped, and grouped into patches of steps."""

import warnings
from functools import cached_property

import numpy as np
from sklearn.preprocessing import StandardScaler

from ._data import step_counts
from .core import Sequences, join_steps, step_mask

__all__ = [
    "ModelInputs",
    "fit_standardization",
    "float_targets",
    "kernel_input",
    "resolve_patch_size",
    "standard_scale",
    "standardize_steps",
]

# patch_size='auto' groups steps so that the longest training sequence becomes at most
# this many steps (chosen in benchmarks/defaults_study.py).
_AUTO_PATCH_STEPS = 32
# Without standardize, warn when a feature's root-mean-square exceeds this.
_LARGE_INPUT = 100.0


def resolve_patch_size(arch, n_timesteps):
    """Steps read as one: ``patch_size`` with 'auto' resolved for the training data.

    'auto' makes the longest training sequence at most 32 steps by the time the LSTM
    reads it, after the convolutional front end's pooling.
    """
    patch_size = arch.patch_size
    if arch.return_sequences:
        if patch_size not in ("auto", 1):
            raise ValueError(
                f"patch_size={patch_size} cannot be used with return_sequences=True: "
                "per-step targets need the network to read one step at a time. Use "
                "patch_size=1 (or 'auto')."
            )
        return 1
    if patch_size == "auto":
        shrink = arch.conv_pool_size ** len(arch.conv_filters)
        return max(1, -(-n_timesteps // (_AUTO_PATCH_STEPS * shrink)))
    return patch_size


def standard_scale(values, sample_weight, name):
    """Weighted mean and scale of each column of ``values`` (StandardScaler's).

    Raises ValueError where a column's variance overflows float64 (values of about 1e154
    and beyond): StandardScaler would give it a scale of 1, leaving it unscaled.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is reported below
        scaler = StandardScaler().fit(values, sample_weight=sample_weight)
    if not np.all(np.isfinite(scaler.var_)):
        raise ValueError(
            f"{name} has values too large to standardize (largest magnitude "
            f"{np.max(np.abs(values)):.3g}): their variance overflows float64. Divide {name} "
            "by a constant (for example its largest magnitude) before fitting."
        )
    return scaler.mean_, scaler.scale_


def fit_standardization(batch, sw, standardize):
    """Mean and scale of each feature over the real steps, weighted; (None, None) if off.

    Without standardization, warns when a feature is far from [-1, 1].
    """
    N, T, D = batch.X.shape
    counts = step_counts(batch)
    if batch.lengths is None:
        X_real = batch.X.reshape(N * T, D)  # every step is real: no boolean gather
    else:
        X_real = batch.X[step_mask(counts, T)]
    if standardize:
        return standard_scale(X_real, np.repeat(sw, counts), "X")
    magnitude = np.sqrt(np.mean(X_real**2, axis=0)).max()
    if magnitude > _LARGE_INPUT:
        warnings.warn(
            f"X has a feature of root-mean-square {magnitude:.3g}. LSTM gates saturate "
            "on inputs far from [-1, 1], so training may stall. Scale X: set "
            "standardize=True (the default), or put a StandardScaler before the model "
            "in a Pipeline for 2D X.",
            UserWarning,
        )
    return None, None


def kernel_input(batch, mean, scale, dtype):
    """The sequences standardized, in ``dtype``, clipped; what the random kernels read."""
    return standardize_steps(batch.X, mean, scale, dtype)


def standardize_steps(X, mean, scale, dtype):
    """Steps ``X (..., n_features)`` standardized (unless ``mean`` is None), in ``dtype``,
    clipped: what the network reads before patches."""
    if mean is not None:
        X = (X - mean) / scale
    dtype = np.dtype(dtype)
    with np.errstate(over="ignore"):
        X = X.astype(dtype)  # a copy, clipped in place below
    # Past sqrt(max) a value saturates every gate anyway; clipping there keeps the
    # products (and the kernels' sums) finite (in float32, 1e39 is already inf) and
    # never adds inf to -inf.
    limit = np.sqrt(np.finfo(dtype).max)
    np.clip(X, -limit, limit, out=X)
    return X


class ModelInputs:
    """One batch as each part of the model reads it, each view made once.

    Parameters
    ----------
    batch : Sequences
        The padded batch, as given.
    mean, scale : ndarray or None
        Standardization of each feature (None: none).
    dtype : str
        The network's dtype.
    patch_size : int
        Steps the network reads as one.
    """

    def __init__(self, batch, mean, scale, dtype, patch_size):
        self.batch, self.mean, self.scale = batch, mean, scale
        self.dtype, self.patch_size = dtype, patch_size
        self.lengths = batch.lengths

    @cached_property
    def kernel(self):
        """Standardized, clipped steps in the network's dtype (:func:`kernel_input`)."""
        return kernel_input(self.batch, self.mean, self.scale, self.dtype)

    @cached_property
    def network(self):
        """The batch the network reads: :attr:`kernel`, grouped into patches."""
        return Sequences(*join_steps(self.kernel, self.patch_size, self.lengths))


def float_targets(Y, dtype):
    """Scaled targets in the network's ``dtype``, refused where they overflow it (a later
    call's y, scaled by the statistics fixed at the first fit, can exceed float32's range)."""
    with np.errstate(over="ignore"):
        cast = Y.astype(dtype)
    if not np.all(np.isfinite(cast)):
        raise ValueError(
            f"y, as the model scales it, has values up to {np.abs(Y).max():.3g}, beyond the "
            f"range of {np.dtype(dtype).name} ({np.finfo(dtype).max:.3g}) that the network "
            "computes in. Divide y by a constant (for example with "
            "TransformedTargetRegressor), or use dtype='float64'."
        )
    return cast
