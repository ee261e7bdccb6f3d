"""The parts fitted in closed form beside the network: two ridge models.

Every part keeps one contract:

- ``fit(inputs, Y, W, held_out)`` fits it on the training batch (``inputs`` is
  :class:`sklstm._preprocessing.ModelInputs`, ``Y`` the scaled or one-hot targets, ``W`` the
  weights, read as counts) and returns each training sequence's output from the fit without
  it (leave-one-out, in closed form) when ``held_out``, else None;
- ``predict(inputs)`` gives its outputs ``(n_samples, n_outputs)`` in float64;
- ``to_onnx(emitter, inputs)`` emits the same computation as ONNX nodes;
- ``state`` holds the fitted part as plain arrays and numbers (skops then needs to trust no
  sklstm type but the estimators), and ``attributes()`` the estimator's fitted attributes.
"""

import numpy as np
from sklearn.linear_model import Ridge

from .._ridge import ridge_gcv
from ..core import RandomKernels, fit_random_kernels, last_window, log_softmax
from ..core import random_kernel_features as kernel_features

__all__ = ["KernelRidge", "LastStepsRidge"]

# linear_steps='auto' takes as many of the last steps as fit in this many values.
_LINEAR_VALUES = 1024
# Penalties tried on the standardized random-kernel features (the range of MiniRocket's
# RidgeClassifierCV and RidgeCV, 1e-3 .. 1e3, and further: 10,000 features may call for
# strong shrinkage).
KERNEL_ALPHAS = np.logspace(-3, 5, 33)
# Temperatures tried to read the classifier's ridge scores as log-odds.
_SCALES = np.logspace(-2, 3, 101)
# Sequences whose random-kernel features are computed at once when predicting.
_BLOCK = 256
# Values squared at once to sum the features' spread (8 MB in float64).
_STANDARDIZE_VALUES = 2**20


class LastStepsRidge:
    """A ridge regression on the last ``steps`` steps the network reads (LSTNet's linear
    "highway", Lai et al. 2018): a linear model extrapolates trends that an LSTM's bounded
    state cannot. ``steps`` and ``alpha`` may be 'auto' (steps filling 1,024 values; the
    penalty of least generalised cross-validation, :func:`sklstm._ridge.ridge_gcv`)."""

    name = "linear_steps"

    def __init__(self, steps="auto", alpha="auto", state=None):
        self.steps, self.alpha, self.state = steps, alpha, state

    @property
    def penalty_from_data(self):
        """Whether the fit chooses the penalty, reading the weights as counts."""
        return self.alpha == "auto"

    def fit(self, inputs, Y, W, held_out):
        """Fit the ridge; see the module's docstring for the contract."""
        T, D = inputs.network.X.shape[1:]
        # More steps than the training sequences have would read only padding.
        steps = max(1, min(T, _LINEAR_VALUES // D)) if self.steps == "auto" else min(T, self.steps)
        window = last_window(inputs.network.X, steps, inputs.network.lengths).astype(np.float64)
        k = Y.shape[1]
        predictions = None
        if self.alpha == "auto":
            coef, intercept, alpha, predictions = ridge_gcv(window, Y, W)
        else:
            alpha = float(self.alpha)
            ridge = Ridge(alpha=alpha).fit(window, Y, sample_weight=W)
            # Ridge drops the outputs axis of a one-column Y
            coef, intercept = ridge.coef_.reshape(k, -1).T, ridge.intercept_
            if held_out:
                predictions = ridge_gcv(window, Y, W, np.array([alpha]))[3]
        intercept = np.reshape(intercept, k)
        self.state = {"steps": steps, "alpha": alpha, "coef": coef, "intercept": intercept}
        return predictions

    def predict(self, inputs):
        """The ridge's outputs, in float64 whatever the network's dtype: a float32 product's
        rounding would depend on where a row sits in the batch."""
        window = last_window(inputs.network.X, self.state["steps"], inputs.network.lengths)
        return window.astype(np.float64) @ self.state["coef"] + self.state["intercept"]

    def to_onnx(self, e, inputs):
        """The ridge's outputs as ONNX nodes."""
        from .._onnx_graph import linear_base

        state = self.state
        return linear_base(e, inputs.network, state["steps"], state["coef"], state["intercept"])

    def attributes(self):
        """``linear_steps_`` and ``linear_alpha_``; 0 and None without the part."""
        state = self.state or {"steps": 0, "alpha": None}
        return {"linear_steps_": state["steps"], "linear_alpha_": state["alpha"]}


class KernelRidge:
    """A ridge model on MiniRocket's fixed random-kernel features (Dempster et al. 2021).

    The features (:func:`sklstm.core.random_kernel_features` of the standardized, unpatched
    sequences) are read standardized. For classes (``classes=True``) the ridge has one column
    of -1 and 1 a class (as ``RidgeClassifier`` reads classes), and its scores are read as
    log-odds: the penalty and a temperature are those of least cross-entropy of the
    leave-one-out scores. For targets, the penalty is that of least generalised
    cross-validation.
    """

    name = "random_kernels"
    penalty_from_data = True

    def __init__(self, n_features=0, classes=True, random_state=None, state=None):
        self.n_features, self.random_state, self.state = n_features, random_state, state
        self.classes = classes if state is None else state["classes"]

    def fit(self, inputs, Y, W, held_out):
        """Fit the kernels and the ridge; the held-out outputs are always returned."""
        X, lengths = inputs.kernel, inputs.lengths
        kernels = fit_random_kernels(X, lengths, self.n_features, self.random_state, W)
        features = kernel_features(X, lengths, kernels, X.dtype)
        mean, spread = _standardize(features, W)
        # The ridge centres the standardized features in place again (their mean is now
        # zero up to rounding): the features are held once.
        if self.classes:
            coef, intercept, alpha, out = ridge_gcv(
                features,
                2.0 * Y - 1.0,
                W,
                KERNEL_ALPHAS,
                lambda scores: _temperature(scores, Y, W)[1],
                overwrite_X=True,
            )
            scale = _temperature(out, Y, W)[0]
        else:
            coef, intercept, alpha, out = ridge_gcv(features, Y, W, KERNEL_ALPHAS, overwrite_X=True)
            scale = 1.0
        del features
        coef /= spread[:, None]
        intercept -= mean @ coef
        self.state = {
            "kernels": kernels._asdict(),
            "coef": coef,
            "intercept": intercept,
            "alpha": alpha,
            "scale": scale,
            "classes": self.classes,
        }
        return scale * out

    def predict(self, inputs):
        """Log-odds (classes) or scaled targets, block by block."""
        X, lengths = inputs.kernel, inputs.lengths
        state = self.state
        kernels = RandomKernels(**state["kernels"])
        scores = np.empty((len(X), len(state["intercept"])))
        for start in range(0, len(X), _BLOCK):
            rows = slice(start, start + _BLOCK)
            part = None if lengths is None else lengths[rows]
            features = kernel_features(X[rows], part, kernels, X.dtype)
            scores[rows] = features @ state["coef"] + state["intercept"]
        return state["scale"] * scores

    def to_onnx(self, e, inputs):
        """The same outputs as ONNX nodes."""
        from .._onnx_graph import random_kernel_base

        return random_kernel_base(e, self.state, inputs.dtype, inputs.standardized, inputs.lengths)

    def attributes(self):
        """``random_kernels_``, ``kernel_alpha_`` and (classes) ``kernel_scale_``."""
        state = self.state
        found = {
            "random_kernels_": 0 if state is None else len(state["coef"]),
            "kernel_alpha_": None if state is None else state["alpha"],
        }
        if self.classes:
            found["kernel_scale_"] = None if state is None else state["scale"]
        return found


def _standardize(features, W):
    """Standardize ``features`` in place (weighted mean 0, spread 1; a constant column keeps
    a spread of 1) and return the mean and spread removed. The spread is summed over
    blocks of columns, so that no squared copy of the features is made."""
    n = W.sum()
    mean = W @ features / n
    features -= mean
    spread = np.empty(features.shape[1])
    step = max(1, _STANDARDIZE_VALUES // max(len(features), 1))
    for start in range(0, features.shape[1], step):
        block = features[:, start : start + step]
        spread[start : start + step] = np.sqrt(W @ (block * block) / n)
    spread[spread == 0] = 1.0
    features /= spread
    return mean, spread


def _temperature(held_out, Y, W):
    """The temperature of least cross-entropy of ``held_out`` scores, and that loss."""
    losses = [-np.sum(W[:, None] * Y * log_softmax(c * held_out)) for c in _SCALES]
    best = int(np.argmin(losses))
    return float(_SCALES[best]), losses[best]
