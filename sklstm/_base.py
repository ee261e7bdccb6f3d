"""What LSTMRegressor and LSTMClassifier share: parameters, validation, and the network.

The estimator describes the network (``_architecture.py`` lists its layers),
turns X and y into arrays the network reads, and hands the work on: to the training
loop (``_training.py``) to fit, and to the prediction runtime (``_runtime.py``) to
predict.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._architecture import Architecture, build_network, describe
from ._data import (
    check_sample_weight,
    is_ragged,
    pad_steps,
    real_steps,
    split_steps,
    step_counts,
    validate_sequence_targets,
    validate_sequences,
    validation_split,
)
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._preprocessing import (
    fit_standardization,
    kernel_input,
    network_input,
    resolve_patch_size,
)
from ._runtime import block_rows, predict_in_blocks
from ._training import History, TrainingLoop
from .core import take_sequences
from .core._pooling import POOLINGS

_ARCHITECTURE_CHANGED = (
    "hidden_layer_sizes, bidirectional, pooling, return_sequences, patch_size, standardize, "
    "dtype, conv_filters, conv_kernel_sizes, conv_pool_size, linear_steps, linear_alpha or "
    "random_kernels changed since the first fit; warm_start and partial_fit continue the same "
    "network. Set warm_start=False (or clone the estimator) to fit a new one."
)

# What the training loop records (History), and where the estimator keeps it.
_HISTORY_ATTRIBUTES = {
    "n_iter": "n_iter_", "t": "t_", "loss_curve": "loss_curve_", "best_loss": "best_loss_",
    "validation_scores": "validation_scores_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
}  # fmt: skip

# The parameters both estimators take, declared as scikit-learn validates them.
_PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "pooling": [StrOptions(set(POOLINGS))],
    "return_sequences": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "features_per_step": [Interval(Integral, 1, None, closed="left")],
    "newest_first": ["boolean"],
    "patch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "standardize": ["boolean"],
    "dtype": [StrOptions({"float32", "float64"}), Options(type, {np.float32, np.float64})],
    "solver": [StrOptions({"adam", "sgd"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "conv_filters": ["array-like", Interval(Integral, 1, None, closed="left")],
    "conv_kernel_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "conv_pool_size": [Interval(Integral, 1, None, closed="left")],
}


class BaseLSTM(BaseEstimator):
    """Base class of the LSTM estimators; use LSTMRegressor or LSTMClassifier."""

    _parameter_constraints: dict = _PARAMETER_CONSTRAINTS

    def __init__(self, **params):
        # Each estimator declares its parameters with their defaults in its own __init__
        # (where scikit-learn reads their names); here each is stored as given.
        for name, value in params.items():
            setattr(self, name, value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ----------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_columns), or list of array-like
            Sequences: a 3D array; a 2D array or DataFrame read as
            ``n_columns / features_per_step`` steps; or a list of
            ``(n_timesteps_i, n_features)`` arrays of different lengths.
        y : array-like
            One target per sequence, or with ``return_sequences=True`` one per
            step: ``(n_samples, n_timesteps[, n_outputs])`` or, for a list X,
            a list of per-sequence arrays.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss. Where the fit chooses from the
            data (the ridge's penalty, the random-kernel base, the LSTM's held-out
            weight), weights are read as counts, a weight of 2 being the sequence
            given twice; a penalty chosen from the data needs them to sum to at
            least 2.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def predict(self, X):
        """Predict targets for sequences X.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.

        Returns
        -------
        y_pred : ndarray, or list of ndarray for a list X with ``return_sequences=True``
            One prediction per sequence, or one per step with ``return_sequences=True``.
        """
        raw, batch, ragged = self._raw_predict(X)
        return self._split_steps(self._decode(raw), batch, ragged)

    def score(self, X, y, sample_weight=None):
        """Score of the model on X and y: R^2 for regression, accuracy for classification.

        With ``return_sequences=True``, every real step of every sequence counts
        as one prediction.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.
        y : array-like
            True targets, in the form :meth:`fit` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        score : float
            R^2 (regressor) or accuracy (classifier), weighted by ``sample_weight``.
        """
        raw, batch, _ = self._raw_predict(X)
        n_samples = len(batch.X)
        sw = None if sample_weight is None else check_sample_weight(sample_weight, n_samples)
        if not self._per_step:
            y = self._validate_y(y, n_samples)
            return self._score_metric(y, self._decode(raw), sw)
        y_real = validate_sequence_targets(y, batch, numeric=self._numeric_targets)
        if sw is not None:
            sw = np.repeat(sw, step_counts(batch))
        return self._score_metric(y_real, self._decode(real_steps(raw, batch)), sw)

    # ---------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight, incremental):
        # Whatever goes wrong (bad input found late, divergence, an error raised
        # by a callback), the estimator is left exactly as it was before the call.
        saved = copy.deepcopy(self.__dict__)
        try:
            first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
            if not first and describe(self) != self._architecture:
                raise ValueError(_ARCHITECTURE_CHANGED)
            batch = validate_sequences(self, X, reset=first)
            Y, W, sw = self._training_targets(y, batch, sample_weight, first)
            if first:
                # Kept as a plain dict (as is the optimiser's state), so that a fitted
                # model holds no sklstm type but the estimator: skops then needs to be
                # told to trust only that (sklstm.TRUSTED_TYPES).
                self._fitted_architecture = describe(self)._asdict()
                self.patch_size_ = resolve_patch_size(self._architecture, batch.X.shape[1])
                self._x_mean, self._x_scale = fit_standardization(batch, sw, self.standardize)
                self._fit_target_transform(Y, W)
            net_input = self._network_input(batch)
            dtype = net_input.X.dtype
            Y, W = self._scale_targets(Y).astype(dtype), W.astype(dtype)
            share = None
            if first:
                share = self._fit_linear_base(batch, net_input, Y, W)
                self._initialize(net_input.X.shape[2], Y.shape[-1])
            if share is None:
                share = self._linear_base(batch, net_input)
            # The network learns what the linear base leaves.
            Y = self._network_targets(Y, share).astype(dtype)
            self._train(net_input, Y, W, sw, incremental)
        except BaseException:
            # Ctrl-C inside the epoch loop is handled there (training stops, the
            # model is kept); one that arrives here came before any update.
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    @property
    def _architecture(self):
        """The architecture fixed at the first fit."""
        return Architecture(**self._fitted_architecture)

    @property
    def _per_step(self):
        """Whether the fitted network predicts at every step."""
        return self._fitted_architecture["return_sequences"]

    def _network(self):
        """The network the fitted architecture describes, as a list of layers."""
        return build_network(self._architecture, self.n_outputs_, self.dropout)

    def _network_input(self, batch):
        """The batch as the network reads it: standardized and grouped into patches."""
        dtype = self._fitted_architecture["dtype"]
        return network_input(batch, self._x_mean, self._x_scale, dtype, self.patch_size_)

    def _kernel_input(self, batch):
        """The batch as the random kernels read it: standardized, never patched."""
        dtype = self._fitted_architecture["dtype"]
        return kernel_input(batch, self._x_mean, self._x_scale, dtype)

    def _fit_linear_base(self, batch, net_input, Y, W):
        """Fix, at the first fit, a linear model whose errors the network learns.

        Returns the model's share of the training outputs when it differs from what
        :meth:`_linear_base` gives (held-out predictions), else None.
        """

    def _linear_base(self, batch, net_input):
        """The linear model's share of the network-scale output; none without one."""
        return 0.0

    def _network_targets(self, Y, share):
        """What the network is trained on, given the linear model's share of the outputs."""
        return Y - share

    def _fit_target_transform(self, Y, W):
        """Fix how targets are scaled for the network; only the regressor scales them."""

    def _after_training(self, held_out):
        """Look at the held-out ``(batch, Y, sw)`` (None without early stopping) after training."""

    # The share of the network's outputs in predictions (the regressor may drop it).
    _network_weight = 1.0
    # Whether sequences are held out (to weigh the network) even without early stopping.
    _holds_out = False

    def _scale_targets(self, Y):
        return Y

    def _training_targets(self, y, batch, sample_weight, first):
        """Encode y as float arrays and weights aligned with the padded batch.

        Returns ``Y (N, k)`` or ``(N, T, k)``, loss weights ``W (N,)`` or ``(N, T)``
        (zero at padded steps), and the per-sequence weights ``sw (N,)``.
        """
        N = len(batch.X)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        sw = check_sample_weight(sample_weight, N)
        if not self.return_sequences:
            Y = self._encode(self._validate_y(y, N), first)
            factor = self._target_weights(Y)
            return Y, sw if factor is None else sw * factor, sw
        y_real = validate_sequence_targets(y, batch, numeric=self._numeric_targets)
        Y_real = self._encode(self._validate_y(y_real, len(y_real), per_step=True), first)
        Y, real = pad_steps(Y_real, batch)
        W = sw[:, None] * real
        factor = self._target_weights(Y_real)
        if factor is not None:
            W[real] *= factor
        return Y, W, sw

    def _initialize(self, n_features, n_outputs):
        self.n_outputs_ = n_outputs
        self._random_state = check_random_state(self.random_state)
        self.coefs_ = self._network().init_params(
            n_features, self._random_state, self._fitted_architecture["dtype"]
        )
        self._publish(History(
            validation_scores=[] if self.early_stopping else None,
            best_validation_score=-np.inf if self.early_stopping else None,
        ))  # fmt: skip
        self._optimizer_state = None

    def _publish(self, history):
        """Keep what training recorded as the fitted attributes MLP users know."""
        for field, attribute in _HISTORY_ATTRIBUTES.items():
            setattr(self, attribute, getattr(history, field))

    def _make_optimizer(self, params, incremental):
        """A new optimiser, or for ``incremental`` the one that made the last update."""
        if self.solver == "adam":
            optimizer = AdamOptimizer(
                params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon,
                "adaptive" if self.learning_rate == "adaptive" else "constant",
            )  # fmt: skip
        else:
            optimizer = SGDOptimizer(
                params, self.learning_rate_init, self.learning_rate, self.momentum,
                self.nesterovs_momentum, self.power_t,
            )  # fmt: skip
        if incremental and self._optimizer_state is not None:
            vars(optimizer).update(self._optimizer_state)
        return optimizer

    def _train(self, batch, Y, W, sw, incremental):
        optimizer = self._make_optimizer(self.coefs_, incremental)
        # A validation score needs 2 held-out sequences (R^2 is undefined for one) and a
        # sequence left to train on; train_test_split holds out ceil(fraction * n).
        n = len(batch.X)
        n_val = int(np.ceil(self.validation_fraction * n))
        train_idx, validation_score, held_out = np.arange(n), None, None
        if (self.early_stopping or self._holds_out) and not incremental and 2 <= n_val < n:
            split = validation_split(
                n, n_val, self.validation_fraction, self._random_state, self._stratify_labels(Y)
            )
            # Held-out sequences that all weigh zero cannot score anything: train on all.
            if np.any(sw[split[1]] > 0):
                train_idx, val_idx = split
                held_out = (take_sequences(batch, val_idx), Y[val_idx], sw[val_idx])
        if held_out is not None and self.early_stopping:

            def validation_score(params):
                return self._score_batch(params, *held_out)

        n_train = len(train_idx)
        loop = TrainingLoop(
            self._network(), self._loss, optimizer, alpha=self.alpha,
            batch_size=min(32, n_train) if self.batch_size == "auto" else self.batch_size,
            shuffle=self.shuffle, max_grad_norm=self.max_grad_norm, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, verbose=self.verbose,
        )  # fmt: skip
        history = History(**{f: getattr(self, a) for f, a in _HISTORY_ATTRIBUTES.items()})
        self.coefs_, reason = loop.run(
            self.coefs_, (batch, Y, W, sw, train_idx), history, self._random_state,
            1 if incremental else self.max_iter, validation_score,
        )  # fmt: skip
        self._publish(history)
        # The optimiser's state (moments, step count, rate) as a dict of plain values.
        self._optimizer_state = vars(optimizer)
        self._after_training(held_out)
        if reason == "interrupted":
            warnings.warn(
                f"Training interrupted by user after {self.n_iter_} complete epochs.",
                ConvergenceWarning,
            )
        elif reason == "max_iter" and not incremental:
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    # ------------------------------------------------------------- prediction
    def _raw_predict(self, X):
        """Network outputs for X: ``(N, k)`` or ``(N, T, k)``, with the batch read from X."""
        check_is_fitted(self)
        batch = validate_sequences(self, X, reset=False)
        net_input = self._network_input(batch)
        weight = self._network_weight
        network = weight * self._forward(net_input, self.coefs_) if weight else 0.0
        return network + self._linear_base(batch, net_input), batch, is_ragged(X)

    def _predict_block_rows(self):
        """Sequences per prediction block: fixed by the architecture, never by the data."""
        return block_rows(self._network().state_units, self._fitted_architecture["dtype"])

    def _forward(self, batch, params):
        N, T, _ = batch.X.shape
        shape = (N, T, self.n_outputs_) if self._per_step else (N, self.n_outputs_)
        raw = predict_in_blocks(self._network(), params, batch, shape, self._predict_block_rows())
        if not np.all(np.isfinite(raw)):
            raise ValueError(
                "The network's outputs are not finite: the inputs are too large for the "
                "weights. Scale X (for example with StandardScaler in a Pipeline)."
            )
        return raw

    def _score_batch(self, params, batch, Y, sw):
        """Validation score on an encoded batch (R^2 or accuracy), per real step if needed."""
        return self._score_outputs(self._forward(batch, params), batch, Y, sw)

    def _score_outputs(self, raw, batch, Y, sw):
        """Score of network outputs ``raw`` against encoded targets ``Y``."""
        if self._per_step:
            raw, Y = real_steps(raw, batch), real_steps(Y, batch)
            sw = np.repeat(sw, step_counts(batch))
        return self._score_metric(self._decode(Y), self._decode(raw), sw)

    def _split_steps(self, pred, batch, ragged):
        """Per-step predictions of a list X back into a list of per-sequence arrays."""
        return split_steps(pred, batch) if self._per_step and ragged else pred
