"""The random-kernel base: a ridge on fixed random-kernel features, fitted before the network.

Fitted in closed form (``random_kernels=...`` of both estimators). The features are
:func:`sklstm.core.random_kernel_features` of the standardized sequences, which the ridge
reads standardized. The classifier's ridge has one column of -1 and 1 a class (as
``RidgeClassifier`` reads classes), and its scores enter the softmax as log-odds: the penalty
and a temperature are those of least cross-entropy of the leave-one-out scores
(:func:`sklstm._ridge.ridge_gcv` gives them for every penalty in closed form). The
regressor's ridge has the scaled targets and the penalty of least generalised
cross-validation. Either way the held-out outputs are what the network is trained beside, so
that it learns what the base gets wrong on sequences it has not seen.
"""

from typing import NamedTuple

import numpy as np

from ._ridge import ridge_gcv
from .core import RandomKernels, fit_random_kernels, log_softmax, random_kernel_features

__all__ = [
    "KernelBase",
    "features_wanted",
    "fit_kernel_base",
    "kernel_base_output",
    "network_weight",
]

# random_kernels='auto': the base's features, and the training sequences' length from which
# it is on (benchmarks/defaults_study.py): on every long development set it lifts the
# classifier's accuracy (PigCVP 0.27 to 0.96); on the short ones it adds nothing
# (Chinatown, 24 steps, 0.924 either way) or costs (digits, 8 steps, 0.988 to 0.983).
# The regressor takes the same rule unchanged (Tecator's RMSE 2.74 to 0.86), but for a
# series' sliding windows (see LSTMRegressor).
AUTO_FEATURES = 10_000
AUTO_STEPS = 100
# Penalties tried on standardized features (the range of MiniRocket's RidgeClassifierCV and
# RidgeCV, 1e-3 .. 1e3, and further: 10,000 features may call for strong shrinkage).
ALPHAS = np.logspace(-3, 5, 33)
# Temperatures tried to read the ridge's scores as log-odds.
SCALES = np.logspace(-2, 3, 101)
# Shares of the network's log-odds tried beside the base.
NETWORK_WEIGHTS = np.linspace(0.0, 1.0, 21)
# Sequences whose features are computed at once when predicting.
_BLOCK = 256


class KernelBase(NamedTuple):
    """A fitted base, as plain arrays and numbers (so that skops needs no sklstm type).

    Parameters
    ----------
    kernels : dict
        :class:`sklstm.core.RandomKernels` as a dict.
    coef : ndarray, shape (n_features, n_outputs)
        Ridge weights on the raw features.
    intercept : ndarray, shape (n_outputs,)
        Ridge intercepts.
    alpha : float
        The ridge's penalty.
    scale : float
        The output is ``scale * scores``: the classifier's temperature, 1 for the
        regressor.
    """

    kernels: dict
    coef: np.ndarray
    intercept: np.ndarray
    alpha: float
    scale: float


def features_wanted(setting, n_timesteps, return_sequences):
    """The base's features for ``random_kernels=setting``: 'auto' resolved for training
    sequences of up to ``n_timesteps`` steps; 0 for none."""
    if setting == "auto":
        return AUTO_FEATURES if n_timesteps >= AUTO_STEPS and not return_sequences else 0
    if setting and return_sequences:
        raise ValueError(
            f"random_kernels={setting} gives one output per sequence, so it cannot be used "
            "with return_sequences=True. Use random_kernels=0 (or 'auto')."
        )
    return setting


def _temperature(held_out, Y, W):
    """The temperature of least cross-entropy of ``held_out`` scores, and that loss."""
    losses = [-np.sum(W[:, None] * Y * log_softmax(c * held_out)) for c in SCALES]
    best = int(np.argmin(losses))
    return float(SCALES[best]), losses[best]


def fit_kernel_base(X, lengths, Y, W, n_features, random_state, classes=True):
    """Fit the base on standardized sequences and their targets.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Standardized sequences, right-padded, in the network's dtype.
    lengths : ndarray of int or None
        Real steps per sequence.
    Y : ndarray, shape (n_samples, n_outputs)
        One-hot classes, or (``classes=False``) numeric targets.
    W : ndarray, shape (n_samples,)
        Sample (and class) weights, read as counts.
    n_features : int
        Random-kernel features wanted.
    random_state : numpy.random.RandomState
        Draws the kernels' biases and channel subsets.
    classes : bool, default=True
        Whether ``Y`` is one-hot classes (outputs are log-odds) or targets.

    Returns
    -------
    base : KernelBase
        The fitted base.
    n_features : int
        Features made (a multiple of 84).
    held_out : ndarray, shape (n_samples, n_outputs)
        Each training sequence's output from the fit without it.
    """
    kernels = fit_random_kernels(X, lengths, n_features, random_state, W)
    features = random_kernel_features(X, lengths, kernels, X.dtype)
    n = W.sum()
    mean = W @ features / n
    spread = np.sqrt(W @ (features - mean) ** 2 / n)
    spread[spread == 0] = 1.0
    if classes:
        coef, intercept, alpha, held_out = ridge_gcv(
            features / spread, 2.0 * Y - 1.0, W, ALPHAS,
            lambda scores: _temperature(scores, Y, W)[1],
        )  # fmt: skip
        scale = _temperature(held_out, Y, W)[0]
    else:
        coef, intercept, alpha, held_out = ridge_gcv(features / spread, Y, W, ALPHAS)
        scale = 1.0
    base = KernelBase(kernels._asdict(), coef / spread[:, None], intercept, alpha, scale)
    return base, features.shape[1], scale * held_out


def kernel_base_output(base, X, lengths):
    """The base's outputs ``(n_samples, n_outputs)`` for standardized sequences ``X``:
    log-odds for the classifier, scaled targets for the regressor."""
    kernels = RandomKernels(**base.kernels)
    scores = np.empty((len(X), len(base.intercept)))
    for start in range(0, len(X), _BLOCK):
        rows = slice(start, start + _BLOCK)
        part = None if lengths is None else lengths[rows]
        features = random_kernel_features(X[rows], part, kernels, X.dtype)
        scores[rows] = features @ base.coef + base.intercept
    return base.scale * scores


def network_weight(base, network, Y, sample_weight):
    """The share of the network's log-odds, in [0, 1], of least cross-entropy beside the
    base's, on held-out sequences: on data where the base alone is best, a network that
    learned the training sequences' noise is dropped.

    Parameters
    ----------
    base, network : ndarray, shape (n_samples, n_classes)
        Log-odds of the base and of the network.
    Y : ndarray, shape (n_samples, n_classes)
        One-hot targets.
    sample_weight : ndarray, shape (n_samples,)
        Weights.

    Returns
    -------
    weight : float
        One of ``NETWORK_WEIGHTS``.
    """
    w = sample_weight[:, None]
    losses = [-np.sum(w * Y * log_softmax(base + c * network)) for c in NETWORK_WEIGHTS]
    return float(NETWORK_WEIGHTS[int(np.argmin(losses))])
