"""Turn what users pass as X and y into padded arrays and lengths, with clear errors.

Accepted X:

* a 3D array ``(n_samples, n_timesteps, n_features)``;
* a 2D array or DataFrame ``(n_samples, n_columns)``, read as
  ``n_columns / features_per_step`` steps of ``features_per_step`` features
  (step-major: the first ``features_per_step`` columns are step 1, or with the estimator's
  ``newest_first=True`` the last step);
* a list of arrays ``(n_timesteps_i, n_features)`` (or ``(n_timesteps_i,)`` for
  one feature) of different lengths: padded here, and masked by the core.
"""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from .core import Sequences, pad_sequences, step_mask

__all__ = [
    "check_sample_weight",
    "is_ragged",
    "pad_steps",
    "real_steps",
    "split_steps",
    "step_counts",
    "validate_sequence_targets",
    "validate_sequences",
    "validation_split",
]


def is_ragged(X):
    """Whether X is a list of sequences rather than an array-like."""
    if not isinstance(X, list | tuple) or len(X) == 0:
        return False
    if any(np.ndim(x) == 2 for x in X):
        return True
    sizes = {np.shape(x)[0] if np.ndim(x) == 1 else None for x in X}
    return len(sizes) > 1 and None not in sizes


def _ndim(X):
    """Dimensions of an array or nested list; None for other array-likes (left to sklearn)."""
    if isinstance(X, list | tuple):
        return np.ndim(X)
    return getattr(X, "ndim", None)


def _check_sequence(x, k):
    if np.ndim(x) not in (1, 2):
        raise ValueError(
            f"Sequence {k} of X has {np.ndim(x)} dimensions; each sequence of a list must be "
            "(n_timesteps,) or (n_timesteps, n_features)."
        )
    try:
        x = check_array(x, ensure_2d=False, dtype=np.float64, input_name=f"X[{k}]")
    except ValueError as exc:
        raise ValueError(f"Sequence {k} of X is not a valid sequence: {exc}") from None
    return x[:, None] if x.ndim == 1 else x


def _pad(seqs):
    n_features = {s.shape[1] for s in seqs}
    if len(n_features) > 1:
        raise ValueError(
            f"The sequences of X have different numbers of features: {sorted(n_features)}. "
            "Every sequence must have the same number of features per step."
        )
    X, lengths = pad_sequences(seqs)
    return Sequences(X, None if np.all(lengths == lengths[0]) else lengths)


def validate_sequences(estimator, X, *, reset):
    """Validate X for ``estimator`` and return it as a padded batch.

    Sets (``reset=True``) or checks ``n_features_in_`` (and ``feature_names_in_``
    for DataFrames) the scikit-learn way: the number of columns of 2D input, or
    the number of features per step of 3D and list input. Also sets or checks
    ``_step_features``, the features per step the network reads.

    Parameters
    ----------
    estimator : BaseLSTM
    X : array-like or list of array-like
    reset : bool
        True in ``fit`` (and the first ``partial_fit``), False afterwards.

    Returns
    -------
    Sequences
    """
    ragged = is_ragged(X)
    ndim = None if ragged else _ndim(X)
    if ndim is not None and ndim > 3:
        raise ValueError(
            f"X has {ndim} dimensions; expected a 2D (n_samples, n_timesteps) or 3D "
            "(n_samples, n_timesteps, n_features) array, or a list of 2D sequences."
        )
    if ragged:
        seqs = [_check_sequence(x, k) for k, x in enumerate(X)]
        batch = _pad(seqs)
        n_features_in = batch.X.shape[2]
    elif ndim == 3:
        X = check_array(X, allow_nd=True, dtype=np.float64, input_name="X")
        if X.shape[1] == 0 or X.shape[2] == 0:
            raise ValueError(
                f"X has shape {X.shape}: a 3D X needs at least one timestep and one feature."
            )
        batch = Sequences(X, None)
        n_features_in = X.shape[2]
    else:
        X = validate_data(estimator, X, reset=reset, dtype=np.float64)
        n_columns = X.shape[1]
        step = estimator.features_per_step
        if n_columns % step:
            raise ValueError(
                f"X has {n_columns} columns, which is not a multiple of "
                f"features_per_step={step}; a 2D X is read as n_columns / features_per_step "
                "steps of features_per_step features."
            )
        X = X.reshape(len(X), n_columns // step, step)
        if estimator.newest_first:  # lag 1 first, as skforecast lays its rows out
            X = X[:, ::-1]
        return _set_or_check(estimator, Sequences(X, None), None, reset)
    return _set_or_check(estimator, batch, n_features_in, reset)


def _set_or_check(estimator, batch, n_features_in, reset):
    step_features = batch.X.shape[2]
    if reset:
        if n_features_in is not None:
            estimator.n_features_in_ = n_features_in
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        estimator._step_features = step_features
    elif step_features != estimator._step_features:
        raise ValueError(
            f"X has {step_features} features per step, but {type(estimator).__name__} "
            f"was fitted with {estimator._step_features} features per step."
        )
    return batch


def validate_sequence_targets(y, batch, *, numeric):
    """Check per-timestep targets against X and return them padded and flattened.

    Parameters
    ----------
    y : array-like (n_samples, n_timesteps[, n_outputs]) or list of per-sequence arrays
    batch : Sequences
    numeric : bool
        Whether targets must be numbers (regression) or may be any labels.

    Returns
    -------
    y_real : ndarray, shape (n_real_steps,) or (n_real_steps, n_outputs)
        Targets at the real steps, sequence after sequence.
    """
    N, T, _ = batch.X.shape
    lengths = np.full(N, T) if batch.lengths is None else batch.lengths
    dtype = np.float64 if numeric else None
    if isinstance(y, list | tuple) and len(y) and np.ndim(y[0]) >= 1 and batch.lengths is not None:
        if len(y) != N:
            raise ValueError(f"y has {len(y)} sequences but X has {N}.")
        parts = []
        for k, (yk, n) in enumerate(zip(y, lengths)):
            yk = np.asarray(yk, dtype=dtype)
            if yk.ndim not in (1, 2) or len(yk) != n:
                raise ValueError(
                    f"y[{k}] has shape {yk.shape}, but sequence {k} of X has {n} steps; "
                    "with return_sequences=True each y[k] needs one target per step."
                )
            parts.append(yk)
        y_real = np.concatenate(parts)
    else:
        y_arr = np.asarray(y, dtype=dtype)
        if y_arr.ndim not in (2, 3) or y_arr.shape[:2] != (N, T):
            raise ValueError(
                f"With return_sequences=True, y must have shape (n_samples, n_timesteps) "
                f"= {(N, T)} or (n_samples, n_timesteps, n_outputs), or be a list of "
                f"per-sequence arrays for ragged X; got shape {y_arr.shape}."
            )
        real = step_mask(lengths, T)
        y_real = y_arr[real]
    if numeric:
        y_real = check_array(y_real, ensure_2d=False, dtype=np.float64, input_name="y")
    return y_real


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a float64 array of ``n_samples`` finite, non-negative weights."""
    if sample_weight is None:
        return np.ones(n_samples)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {sw.shape}; expected (n_samples,) = ({n_samples},)."
        )
    if not np.all(np.isfinite(sw)) or np.any(sw < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if sw.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs weight > 0.")
    return sw


def step_counts(batch):
    """Real steps of each sequence of a padded batch."""
    N, T, _ = batch.X.shape
    return np.full(N, T) if batch.lengths is None else batch.lengths


def real_steps(A, batch):
    """Per-step values ``A (n_samples, n_timesteps, ...)`` at the real steps, sequence after
    sequence."""
    N, T = A.shape[:2]
    if batch.lengths is None:
        return A.reshape((N * T,) + A.shape[2:])
    return A[step_mask(batch.lengths, T)]


def pad_steps(values, batch):
    """Values of the real steps, sequence after sequence, back in a padded array.

    Returns the padded ``(n_samples, n_timesteps, n_values)`` array (zero at padded
    steps) and the mask of real steps.
    """
    N, T, _ = batch.X.shape
    real = step_mask(step_counts(batch), T)
    padded = np.zeros((N, T, values.shape[1]))
    padded[real] = values
    return padded, real


def split_steps(pred, batch):
    """Per-step predictions of a ragged batch as a list of per-sequence arrays."""
    return [pred[k, :n] for k, n in enumerate(step_counts(batch))]


def validation_split(n, n_val, fraction, random_state, labels=None):
    """Rows to train on and rows held out, stratified by ``labels`` where that is possible.

    ``n_val`` is the number of the ``n`` rows that ``train_test_split`` holds out for
    ``fraction``; ``labels`` gives the class of each row (None: not stratified).
    """
    if labels is not None:
        counts = np.unique(labels, return_counts=True)[1]
        if counts.min() < 2 or min(n_val, n - n_val) < len(counts):
            labels = None  # no stratified split exists: hold out at random
    return train_test_split(
        np.arange(n), test_size=fraction, random_state=random_state, stratify=labels
    )
