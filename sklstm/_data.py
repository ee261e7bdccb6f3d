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

import warnings

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from .core import Sequences, pad_sequences, step_mask

__all__ = [
    "MAX_WEIGHT",
    "MIN_WEIGHT_SUM",
    "check_count_weights",
    "check_sample_weight",
    "check_weights",
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


def _as_sequence_list(X):
    """A pandas Series or 1-D object array whose items are sequences, as a list; else X.

    NumPy cannot make one float array of items of different lengths ("setting an array
    element with a sequence"), so such a container is read as the list of its items.
    """
    if getattr(X, "ndim", None) != 1 or getattr(X, "dtype", None) != np.dtype(object):
        return X
    items = X.tolist()
    return items if items and all(np.ndim(x) >= 1 for x in items) else X


def _refuse_1d(X):
    n = len(X)
    if n == 0:
        raise ValueError(
            "X is empty: it holds no sequence. Pass at least one sequence: a 3D array "
            "(n_samples, n_timesteps, n_features), a 2D array (n_samples, n_timesteps) "
            "or a list of (n_timesteps, n_features) arrays."
        )
    raise ValueError(
        f"X is 1-D (shape ({n},)), but sklstm reads sequences: a 2D X holds one sequence "
        f"a row. Reshape your data: for one sequence of {n} steps pass X[None] (or [x], a "
        f"list of one sequence); for {n} sequences of one step, X[:, None]."
    )


def _check_columns(X):
    """Refuse a DataFrame's columns that do not hold numbers, naming them."""
    bad = []
    for name, dtype in getattr(X, "dtypes", {}).items():
        kind = getattr(dtype, "kind", "O")
        if kind in "biuf":
            continue
        try:  # object columns of numbers are fine
            if kind == "O":
                np.asarray(X[name], dtype=np.float64)
                continue
        except (TypeError, ValueError):
            pass
        bad.append(f"{name!r} ({dtype})")
    if bad:
        raise ValueError(
            f"X has columns that do not hold numbers: {', '.join(bad)}. sklstm reads numbers "
            "only: drop these columns, or encode them as numbers first (for example with a "
            "ColumnTransformer in a Pipeline)."
        )


def _as_numbers(check, name, *args, **kwargs):
    """``check(*args, **kwargs)``, with NumPy's conversion errors saying which argument."""
    try:
        return check(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if "could not convert" in text or "float()" in text or "DType" in type(exc).__name__:
            raise type(exc)(f"{name} must hold numbers: {text}") from None
        raise


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
            "Every sequence must have the same number of features per step, as "
            "(n_timesteps, n_features); sequences laid out (n_channels, n_timesteps), as in "
            "aeon or sktime, need transposing: [x.T for x in X]."
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
    X = _as_sequence_list(X)
    ragged = is_ragged(X)
    ndim = None if ragged else _ndim(X)
    if ndim == 1 or (isinstance(X, list | tuple) and len(X) == 0):
        _refuse_1d(X)
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
        X = _as_numbers(check_array, "X", X, allow_nd=True, dtype=np.float64, input_name="X")
        if X.shape[1] == 0 or X.shape[2] == 0:
            raise ValueError(
                f"X has shape {X.shape}: a 3D X needs at least one timestep and one feature."
            )
        if reset:
            _warn_if_channels_first(X.shape)
        batch = Sequences(X, None)
        n_features_in = X.shape[2]
    else:
        _check_columns(X)
        if not reset:
            _check_columns_fit(estimator, X)
        X = _as_numbers(validate_data, "X", estimator, X, reset=reset, dtype=np.float64)
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


# aeon and sktime lay sequences out (n_samples, n_channels, n_timesteps); read here as
# (n_samples, n_timesteps, n_features), such an X has a few steps of many "features".
_CHANNELS_FIRST_RATIO = 10
_CHANNELS_FIRST_MIN = 20


def _warn_if_channels_first(shape):
    _, T, D = shape
    if D >= _CHANNELS_FIRST_MIN and D >= _CHANNELS_FIRST_RATIO * T:
        warnings.warn(
            f"X has shape {shape}: read as {T} timesteps of {D} features each. If X is laid "
            "out (n_samples, n_channels, n_timesteps), as aeon and sktime do, pass "
            "X.transpose(0, 2, 1): sklstm reads (n_samples, n_timesteps, n_features).",
            UserWarning,
            stacklevel=7,
        )


def _check_columns_fit(estimator, X):
    """A 2D X whose column count does not match the fit: say how each layout is read."""
    expected = getattr(estimator, "n_features_in_", None)
    if _ndim(X) != 2 or expected is None:
        return
    n_columns = np.shape(X)[1]
    if n_columns == expected:
        return
    step = estimator.features_per_step
    if estimator._step_features == expected:  # fitted on 3D or list X
        raise ValueError(
            f"X has {n_columns} columns, but {type(estimator).__name__} was fitted on "
            f"sequences of {expected} features per step. A 2D X is read as rows of steps of "
            f"features_per_step={step} feature(s) each. Pass a 3D "
            f"array (n_samples, n_timesteps, {expected}) or a list of (n_timesteps, "
            f"{expected}) arrays."
        )


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
    y = _as_sequence_list(y)  # a Series or object array of per-sequence targets, as for X
    if isinstance(y, list | tuple) and len(y) and np.ndim(y[0]) >= 1 and batch.lengths is not None:
        if len(y) != N:
            raise ValueError(f"y has {len(y)} sequences but X has {N}.")
        parts = []
        for k, (yk, n) in enumerate(zip(y, lengths)):
            yk = _as_numbers(np.asarray, "y", yk, dtype=dtype)
            if yk.ndim not in (1, 2) or len(yk) != n:
                raise ValueError(
                    f"y[{k}] has shape {yk.shape}, but sequence {k} of X has {n} steps; "
                    "with return_sequences=True each y[k] needs one target per step."
                )
            if parts and yk.shape[1:] != parts[0].shape[1:]:
                raise ValueError(
                    f"y[{k}] has shape {yk.shape} but y[0] has {parts[0].shape}: every "
                    "sequence needs the same number of outputs per step, as (n_steps,) "
                    "or (n_steps, n_outputs) arrays."
                )
            parts.append(yk)
        y_real = np.concatenate(parts)
    else:
        y_arr = _as_numbers(np.asarray, "y", y, dtype=dtype)
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


# Weights are read as counts (a weight of 2 is a sequence given twice; sklstm._ridge).
# Past this a weight is no count: sums of squares overflow float64 in the ridges, and the
# scale of such weights says nothing that relative weights do not.
MAX_WEIGHT = 1e12
# The L2 penalty is divided by the weights' sum (as MLPRegressor's is): weights worth less
# than this many sequences would make it overwhelm the loss, or overflow.
MIN_WEIGHT_SUM = 1e-6


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a float64 array of ``n_samples`` finite, non-negative weights,
    none above :data:`MAX_WEIGHT`, with a positive sum."""
    if sample_weight is None:
        return np.ones(n_samples)
    sw = _as_numbers(np.asarray, "sample_weight", sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {sw.shape}; expected (n_samples,) = ({n_samples},)."
        )
    check_weights(sw, "sample_weight")
    total = sw.sum()
    if total <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs weight > 0.")
    if total < MIN_WEIGHT_SUM:
        raise ValueError(
            f"sample_weight sums to {total:.3g}: sklstm reads weights as counts (the L2 "
            "penalty alpha is divided by their sum, as in MLPRegressor), and weights worth "
            f"less than {MIN_WEIGHT_SUM:.0e} sequences leave nothing to fit. Scale them up "
            "(for example to a mean of 1)."
        )
    return sw


def check_weights(values, name):
    """Refuse weights (``sample_weight``, or ``class_weight``'s values) that are not finite,
    are negative, or are too large to read as counts; the message names ``name``."""
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    if values.size and values.max() > MAX_WEIGHT:
        raise ValueError(
            f"{name} has values up to {values.max():.3g}; sklstm reads weights as counts "
            f"and takes them up to {MAX_WEIGHT:.0e}. Divide them by a constant (for example "
            "to a mean of 1): the loss reads only their ratios."
        )


def check_count_weights(W, penalty_from_data, class_weight=None):
    """Refuse loss weights ``W`` that leave nothing to fit: all zero, or (where a ridge
    penalty is chosen from the data, by generalised cross-validation, which counts them)
    worth fewer than 2 sequences. The message names ``class_weight`` when one is set."""
    names = "sample_weight" if class_weight is None else "sample_weight and class_weight"
    total = W.sum()
    if total <= 0:
        raise ValueError(
            f"The weights from {names} are 0 for every sequence: at least one needs weight > 0."
        )
    if penalty_from_data and total < 2.0 and np.count_nonzero(W) > 1:
        raise ValueError(
            f"The weights from {names} add up to {total:.3g}: sklstm reads weights "
            "as counts (a weight of 2 is a sequence given twice), and a ridge penalty chosen "
            "from the data (LSTMRegressor's linear_alpha='auto', or the random-kernel base) "
            "needs at least 2 sequences' worth. Scale the weights up (for example to a mean "
            "of 1), or fix linear_alpha and set random_kernels=0."
        )


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
