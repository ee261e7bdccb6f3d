"""What LSTMRegressor and LSTMClassifier share: parameters, validation, and the network.

The estimator describes the network (``_architecture.py`` lists its layers),
turns X and y into arrays the network reads, and hands the work on: to the training
loop (``_training.py``) to fit, and to the prediction runtime (``_runtime.py``) to
predict.
"""

import copy
import warnings

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._architecture import Architecture, build_network, describe
from ._composite import Composite, NetworkPart, describe_blend
from ._data import (
    check_count_weights,
    check_sample_weight,
    is_ragged,
    pad_steps,
    real_steps,
    split_steps,
    step_counts,
    validate_sequence_targets,
    validate_sequences,
)
from ._held_out import HeldOutScore, TrainingData
from ._optimizers import make_optimizer
from ._parameters import PARAMETER_CONSTRAINTS
from ._preprocessing import ModelInputs, fit_standardization, float_targets, resolve_patch_size
from ._runtime import ONE_BLAS_THREAD, block_rows, predict_in_blocks
from ._training import History, TrainingLoop
from .core import take_sequences

_ARCHITECTURE_CHANGED = (
    "hidden_layer_sizes, bidirectional, pooling, return_sequences, patch_size, standardize, "
    "dtype, conv_filters, conv_kernel_sizes, conv_pool_size, linear_steps, linear_alpha or "
    "random_kernels changed since the first fit; warm_start and partial_fit continue the same "
    "network. Set warm_start=False (or clone the estimator) to fit a new one."
)

# What the training loop records (History), and where the estimator keeps it.
# Beside closed-form parts, the network's training stops when no epoch has given it weight
# on the held-out sequences and its loss there has not fallen for this many epochs.
_DROP_AFTER = 5
# A training loss this many times its lowest has blown up (finite, but useless).
_BLOWN_UP = 1000.0
_HISTORY_ATTRIBUTES = {
    "n_iter": "n_iter_",
    "t": "t_",
    "loss_curve": "loss_curve_",
    "best_loss": "best_loss_",
    "validation_scores": "validation_scores_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
}


def _store_parameters(estimator, params):
    """Store each parameter as given. Each estimator declares its parameters with their
    defaults in its own ``__init__`` (where scikit-learn reads their names) and passes its
    ``locals()`` here."""
    for name, value in params.items():
        if name != "self":
            setattr(estimator, name, value)


class BaseLSTM(BaseEstimator):
    """Base class of the LSTM estimators; use LSTMRegressor or LSTMClassifier."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

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
            Weight of each sequence in the loss: finite, non-negative, at most
            1e12. Weights are read as counts, a weight of 2 being the sequence
            given twice (the L2 penalty is divided by their sum, which must be at
            least 1e-6); a penalty chosen from the data (the ridge's, the
            random-kernel base's) needs them to sum to at least 2.

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
    def _fit(self, X, y, sample_weight, incremental, classes=None):
        # The fit works on a copy of the estimator's state and swaps it in whole at the end:
        # whatever goes wrong (bad input found late, divergence, an error raised by a
        # callback), the estimator is left exactly as it was, and threads predicting
        # meanwhile see the previous model until then.
        work = copy.copy(self)
        work.__dict__ = copy.deepcopy(self.__dict__)
        if work._fit_state(X, y, sample_weight, incremental, classes):
            self.__dict__ = work.__dict__
        return self

    def _fit_state(self, X, y, sample_weight, incremental, classes):
        """Fit this (working) estimator; False when nothing changed (interrupted before
        any update), so that the caller keeps its state as it was."""
        first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
        if not first and describe(self) != self._architecture:
            raise ValueError(_ARCHITECTURE_CHANGED)
        batch = validate_sequences(self, X, reset=first)
        Y, W, sw = self._training_targets(y, batch, sample_weight, first, classes)
        if first:
            # Kept as a plain dict (as is the optimiser's state), so that a fitted model
            # holds no sklstm type but the estimator: skops then needs to be told to trust
            # only that (sklstm.TRUSTED_TYPES).
            self._fitted_architecture = describe(self)._asdict()
            self.patch_size_ = resolve_patch_size(self._architecture, batch.X.shape[1])
            self._x_mean, self._x_scale = fit_standardization(batch, sw, self.standardize)
            self._fit_target_transform(Y, W)
        inputs = self._inputs(batch)
        dtype = inputs.network.X.dtype
        Y, W = float_targets(self._scale_targets(Y), dtype), W.astype(dtype)
        data = TrainingData(batch, incremental)
        if first:
            composite = Composite.plan(
                self._link,
                batch,
                return_sequences=self.return_sequences,
                random_state=check_random_state(self.random_state),
                **self._base_settings(),
            )
            check_count_weights(W, composite.penalty_from_data, getattr(self, "class_weight", None))
            base = composite.fit_bases(inputs, Y, W)
            self._composite, self.blend_weights_ = composite.state, composite.weights
            vars(self).update(composite.attributes())
            self._initialize(inputs.network.X.shape[2], Y.shape[-1])
        else:
            check_count_weights(W, False, getattr(self, "class_weight", None))
            composite = self._composite_model()
            base = data.base(getattr(self, "_held_out", None), composite, inputs)
        return self._train(inputs.network, Y, W, sw, composite, base, data)

    @property
    def _architecture(self):
        """The architecture fixed at the first fit."""
        return Architecture(**self._fitted_architecture)

    @property
    def _per_step(self):
        """Whether the fitted network predicts at every step."""
        return self._fitted_architecture["return_sequences"]

    @property
    def network_weight_(self):
        """The LSTM's weight in the predictions, ``blend_weights_["lstm"]``."""
        return self.blend_weights_["lstm"]

    def _network(self):
        """The network the fitted architecture describes, as a list of layers."""
        return build_network(self._architecture, self.n_outputs_, self.dropout)

    def _inputs(self, batch):
        """The batch as the model's parts read it (standardized; patched for the network)."""
        dtype = self._fitted_architecture["dtype"]
        return ModelInputs(batch, self._x_mean, self._x_scale, dtype, self.patch_size_)

    def _composite_model(self):
        """The fitted composite: the closed-form parts and the blend's weights."""
        return Composite.from_state(self._composite, self.blend_weights_)

    def _network_part(self, params):
        """The network with ``params``, as a part of the composite."""
        return NetworkPart(
            lambda inputs: self._forward(inputs.network, params),
            lambda e, inputs: self._network().to_onnx(e, params, inputs.network),
        )

    def _fit_target_transform(self, Y, W):
        """Fix how targets are scaled for the network; only the regressor scales them."""

    def _scale_targets(self, Y):
        return Y

    def _training_targets(self, y, batch, sample_weight, first, classes):
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
            Y = self._encode(self._validate_y(y, N), first, classes)
            factor = self._target_weights(Y)
            return Y, sw if factor is None else sw * factor, sw
        y_real = validate_sequence_targets(y, batch, numeric=self._numeric_targets)
        y_real = self._validate_y(y_real, len(y_real), per_step=True)
        Y_real = self._encode(y_real, first, classes)
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
        stopping = self.early_stopping
        self._publish(
            History(
                validation_scores=[] if stopping else None,
                best_validation_score=-np.inf if stopping else None,
            )
        )
        self._optimizer_state = None
        self._held_out = None  # drawn by TrainingData.split

    def _publish(self, history):
        """Keep what training recorded as the fitted attributes MLP users know."""
        for field, attribute in _HISTORY_ATTRIBUTES.items():
            setattr(self, attribute, getattr(history, field))

    def _train(self, batch, Y, W, sw, composite, base, data):
        incremental = data.incremental
        targets, offset = composite.network_training(Y, base)
        dtype = batch.X.dtype
        targets = targets.astype(dtype)
        offset = None if offset is None else offset.astype(dtype)
        train_idx, val_idx = data.split(self, Y, sw, composite, base)
        check = None
        if val_idx is not None:
            held_out = take_sequences(batch, val_idx)
            check = HeldOutScore(
                self, composite, held_out, val_idx, Y, targets, offset, base, W, sw
            )
        loop = TrainingLoop(
            self._network(),
            self._loss,
            make_optimizer(self, self.coefs_, self._optimizer_state if incremental else None),
            alpha=self.alpha,
            batch_size=min(32, len(train_idx)) if self.batch_size == "auto" else self.batch_size,
            shuffle=self.shuffle,
            max_grad_norm=self.max_grad_norm,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            early_stopping=check is not None and self.early_stopping,
            drop_unhelpful=_DROP_AFTER if check is not None and composite.parts else None,
        )
        history = History(**{f: getattr(self, a) for f, a in _HISTORY_ATTRIBUTES.items()})
        self.coefs_, weight, reason = loop.run(
            self.coefs_,
            (batch, targets, offset, W, sw, train_idx),
            history,
            self._random_state,
            1 if incremental else self.max_iter,
            check,
        )
        if reason == "interrupted" and loop.updates == 0:
            return _warn_unfinished(reason, loop, self, incremental)
        self._publish(history)
        # The optimiser's state (moments, step count, rate) as a dict of plain values.
        self._optimizer_state = vars(loop.optimizer)
        if check is not None and composite.parts and weight is None:
            weight = check(self.coefs_)[1]  # not measured on the kept weights during training
        weights = {**composite.weights, "lstm": 1.0 if weight is None else weight}
        self.blend_weights_ = {name: float(w) for name, w in weights.items()}
        if self.verbose:
            print("Blend:", describe_blend(self.blend_weights_, reason))
        _warn_unfinished(reason, loop, self, incremental)
        return True

    # ------------------------------------------------------------- prediction
    def _raw_predict(self, X):
        """The model's raw outputs for X: ``(N, k)`` or ``(N, T, k)``, with the batch."""
        check_is_fitted(self)
        batch = validate_sequences(self, X, reset=False)
        inputs = self._inputs(batch)
        # The closed-form parts' products too on one BLAS thread, so that predictions do
        # not depend on the thread count (the network's blocks run so already).
        with ONE_BLAS_THREAD:
            raw = self._composite_model().predict(inputs, self._network_part(self.coefs_))
        return raw, batch, is_ragged(X)

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

    def _score_outputs(self, raw, batch, Y, sw):
        """Score of raw outputs against encoded targets ``Y``, per real step if needed."""
        if self._per_step:
            raw, Y = real_steps(raw, batch), real_steps(Y, batch)
            sw = np.repeat(sw, step_counts(batch))
        return self._score_metric(self._decode(Y), self._decode(raw), sw)

    def _split_steps(self, pred, batch, ragged):
        """Per-step predictions of a list X back into a list of per-sequence arrays."""
        return split_steps(pred, batch) if self._per_step and ragged else pred


def _warn_unfinished(reason, loop, estimator, incremental):
    """Warn, as MLP does, when training ended before it converged; False when it was
    interrupted before any update (the model is then left as it was)."""
    if reason == "interrupted" and loop.updates == 0:
        message = "Training interrupted by user before any update: the model is unchanged."
        warnings.warn(message, ConvergenceWarning)
        return False
    losses = estimator.loss_curve_
    if len(losses) > 1 and losses[-1] > _BLOWN_UP * min(losses):
        warnings.warn(
            f"The training loss rose from {min(losses):.3g} to {losses[-1]:.3g}: training "
            "blew up without becoming infinite, and the model predicts badly. Lower "
            "learning_rate_init, keep max_grad_norm set, or scale X and y.",
            ConvergenceWarning,
        )
    if reason == "interrupted":
        warnings.warn(loop.interruption(estimator.n_iter_), ConvergenceWarning)
    elif reason == "max_iter" and not incremental:
        warnings.warn(
            f"Stochastic optimizer: maximum iterations ({estimator.max_iter}) reached "
            "and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    return True
