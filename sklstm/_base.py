"""What LSTMRegressor and LSTMClassifier share: parameters, validation and training."""

import copy
import functools
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from ._data import Sequences, is_ragged, validate_sequence_targets, validate_sequences
from ._network import POOLINGS, LSTMNetwork
from ._optimizers import AdamOptimizer, SGDOptimizer, clip_by_global_norm
from .core import Workspace, join_steps

# Prediction runs in blocks of sequences whose per-step buffers (gates and cell, about six
# values a unit) fill about this much: big enough to spread NumPy's cost per call over
# many sequences, small enough to stay in cache. Rounded down to a power of two in 64-512.
_PREDICT_BLOCK_BYTES = 256 * 1024
# patch_size='auto' groups steps so that the longest training sequence becomes at most
# this many steps (chosen in benchmarks/defaults_study.py).
_AUTO_PATCH_STEPS = 32
# Without standardize, warn when a feature's root-mean-square exceeds this.
_LARGE_INPUT = 100.0


class _Architecture(NamedTuple):
    """What the weights mean: fixed at the first fit (warm_start continues the same network)."""

    hidden: tuple
    bidirectional: bool
    pooling: str
    return_sequences: bool
    patch_size: object
    standardize: bool
    dtype: str
    linear_steps: object
    linear_alpha: object


def _check_sample_weight(sample_weight, n_samples):
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


class _OneBlasThread:
    """Context that holds BLAS at one thread while any prediction runs in this process.

    threadpoolctl (a dependency of scikit-learn) sets limits for the whole process, so two
    overlapping ``limit()`` contexts would restore each other's settings out of order: here
    the first prediction to start sets the limit and the last to finish restores it. Entering
    gives the number of BLAS threads there were before, the threads a prediction may use.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None
        self._threads = 1

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                blas = _blas_controller().select(user_api="blas")
                counts = [lib.num_threads for lib in blas.lib_controllers]
                self._threads = max(1, min(counts or [1]))
                self._limiter = blas.limit(limits=1)
            self._users += 1
            return self._threads

    def __exit__(self, *exc_info):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


@functools.cache
def _blas_controller():
    """One ThreadpoolController per process: making one inspects the loaded libraries."""
    return ThreadpoolController()


_ONE_BLAS_THREAD = _OneBlasThread()


class _PredictionThreads:
    """Threads for prediction blocks, started once and kept for the life of the process.

    Starting threads for each call cost more than a small prediction itself: new threads
    also start with cold memory arenas, so their buffers were faulted in again each time
    (at (1000, 24, 1, 64), eight blocks on two threads: 30 ms with new threads, 23 ms with
    kept ones; benchmarks/README.md). A forked child starts without the parent's threads.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pool = None
        self._size = 0
        if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self):
        self._lock = threading.Lock()
        self._pool, self._size = None, 0

    def map(self, function, items):
        """``function`` over ``items``, one thread each; results in order."""
        with self._lock:
            if self._size < len(items):
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = ThreadPoolExecutor(len(items), thread_name_prefix="sklstm")
                self._size = len(items)
            pool = self._pool
        return list(pool.map(function, items))


_PREDICTION_THREADS = _PredictionThreads()


def _take(batch, idx):
    """Rows ``idx`` of a padded batch, cut to the longest of them."""
    if batch.lengths is None:
        return Sequences(batch.X[idx], None)
    lengths = batch.lengths[idx]
    return Sequences(batch.X[idx, : lengths.max()], lengths)


class BaseLSTM(BaseEstimator):
    """Base class of the LSTM estimators; use LSTMRegressor or LSTMClassifier."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "return_sequences": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "features_per_step": [Interval(Integral, 1, None, closed="left")],
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
    }

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        *,
        bidirectional=False,
        pooling="concat",
        return_sequences=False,
        dropout=0.0,
        features_per_step=1,
        patch_size="auto",
        standardize=True,
        dtype="float32",
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=30,
        max_grad_norm=5.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.return_sequences = return_sequences
        self.dropout = dropout
        self.features_per_step = features_per_step
        self.patch_size = patch_size
        self.standardize = standardize
        self.dtype = dtype
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_grad_norm = max_grad_norm

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
            Weight of each sequence in the loss.

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
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, n_samples)
        if not self._per_step:
            y = self._validate_y(y, n_samples)
            return self._score_metric(y, self._decode(raw), sw)
        y_real = validate_sequence_targets(y, batch, numeric=self._numeric_targets)
        if sw is not None:
            sw = np.repeat(sw, self._step_counts(batch))
        return self._score_metric(y_real, self._decode(self._real_steps(raw, batch)), sw)

    # ---------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight, incremental):
        # Whatever goes wrong (bad input found late, divergence, an error raised
        # by a callback), the estimator is left exactly as it was before the call.
        saved = copy.deepcopy(self.__dict__)
        try:
            first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
            if not first:
                self._check_same_network()
            batch = validate_sequences(self, X, reset=first)
            Y, W, sw = self._training_targets(y, batch, sample_weight, first)
            if first:
                self._fitted_architecture = self._architecture()
                self._fit_input_transform(batch, sw)
                self._fit_target_transform(Y, W)
            net_input = self._network_input(batch)
            dtype = net_input.X.dtype
            Y, W = self._scale_targets(Y).astype(dtype), W.astype(dtype)
            if first:
                self._fit_linear_base(net_input, Y, W)
                self._initialize(net_input.X.shape[2], Y.shape[-1])
            # The network learns what the linear base leaves.
            Y = (Y - self._linear_base(net_input)).astype(dtype)
            self._train(net_input, Y, W, sw, incremental)
        except BaseException:
            # Ctrl-C inside the epoch loop is handled there (training stops, the
            # model is kept); one that arrives here came before any update.
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    @property
    def _per_step(self):
        """Whether the fitted network predicts at every step."""
        return self._fitted_architecture.return_sequences

    def _architecture(self):
        """What the weights mean; fixed at the first fit, so set_params cannot change it."""
        return _Architecture(
            self._hidden_tuple(), self.bidirectional, self.pooling, self.return_sequences,
            self.patch_size, self.standardize, np.dtype(self.dtype).name,
            getattr(self, "linear_steps", None), getattr(self, "linear_alpha", None),
        )  # fmt: skip

    def _check_same_network(self):
        if self._architecture() != self._fitted_architecture:
            raise ValueError(
                "hidden_layer_sizes, bidirectional, pooling, return_sequences, patch_size, "
                "standardize, dtype, linear_steps or linear_alpha changed since the first fit; "
                "warm_start and partial_fit continue the same network. Set warm_start=False (or "
                "clone the estimator) to fit a new one."
            )

    def _fit_input_transform(self, batch, sw):
        """Fix, at the first fit, how X is scaled and grouped into patches."""
        N, T, D = batch.X.shape
        if self.return_sequences:
            if self.patch_size not in ("auto", 1):
                raise ValueError(
                    f"patch_size={self.patch_size} cannot be used with return_sequences=True: "
                    "per-step targets need the network to read one step at a time. Use "
                    "patch_size=1 (or 'auto')."
                )
            self.patch_size_ = 1
        elif self.patch_size == "auto":
            self.patch_size_ = max(1, -(-T // _AUTO_PATCH_STEPS))
        else:
            self.patch_size_ = self.patch_size
        counts = self._step_counts(batch)
        if batch.lengths is None:
            X_real = batch.X.reshape(N * T, D)  # every step is real: no boolean gather
        else:
            X_real = batch.X[np.arange(T) < counts[:, None]]
        if self.standardize:
            scaler = StandardScaler().fit(X_real, sample_weight=np.repeat(sw, counts))
            self._x_mean, self._x_scale = scaler.mean_, scaler.scale_
            return
        self._x_mean = self._x_scale = None
        magnitude = np.sqrt(np.mean(X_real**2, axis=0)).max()
        if magnitude > _LARGE_INPUT:
            warnings.warn(
                f"X has a feature of root-mean-square {magnitude:.3g}. LSTM gates saturate "
                "on inputs far from [-1, 1], so training may stall. Scale X: set "
                "standardize=True (the default), or put a StandardScaler before the model "
                "in a Pipeline for 2D X.",
                UserWarning,
            )

    def _fit_linear_base(self, batch, Y, W):
        """Fix, at the first fit, a linear model whose errors the network learns (regressor)."""

    def _linear_base(self, batch):
        """The linear model's share of the network-scale output; none without one."""
        return 0.0

    def _fit_target_transform(self, Y, W):
        """Fix how targets are scaled for the network; only the regressor scales them."""

    def _scale_targets(self, Y):
        return Y

    def _network_input(self, batch):
        """The batch as the network reads it: standardized and grouped into patches."""
        X = batch.X
        if self._x_mean is not None:
            X = (X - self._x_mean) / self._x_scale
        dtype = np.dtype(self._fitted_architecture.dtype)
        with np.errstate(over="ignore"):
            X = X.astype(dtype)  # a copy, clipped in place below
        # Past sqrt(max) a value saturates every gate anyway; clipping there keeps the
        # products finite (in float32, 1e39 is already inf) and never adds inf to -inf.
        limit = np.sqrt(np.finfo(dtype).max)
        np.clip(X, -limit, limit, out=X)
        return Sequences(*join_steps(X, self.patch_size_, batch.lengths))

    def _hidden_tuple(self):
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if isinstance(hidden, Integral) else list(hidden)
        if not hidden or not all(isinstance(h, Integral) and h > 0 for h in hidden):
            raise ValueError(
                f"hidden_layer_sizes must be a positive integer or a non-empty sequence of "
                f"positive integers; got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(h) for h in hidden)

    def _training_targets(self, y, batch, sample_weight, first):
        """Encode y as float arrays and weights aligned with the padded batch.

        Returns ``Y (N, k)`` or ``(N, T, k)``, loss weights ``W (N,)`` or ``(N, T)``
        (zero at padded steps), and the per-sequence weights ``sw (N,)``.
        """
        N, T, _ = batch.X.shape
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        sw = _check_sample_weight(sample_weight, N)
        if not self.return_sequences:
            Y = self._encode(self._validate_y(y, N), first)
            factor = self._target_weights(Y)
            return Y, sw if factor is None else sw * factor, sw
        y_real = validate_sequence_targets(y, batch, numeric=self._numeric_targets)
        Y_real = self._encode(self._validate_y(y_real, len(y_real), per_step=True), first)
        real = np.arange(T) < self._step_counts(batch)[:, None]
        Y = np.zeros((N, T, Y_real.shape[1]))
        Y[real] = Y_real
        W = sw[:, None] * real
        factor = self._target_weights(Y_real)
        if factor is not None:
            W[real] *= factor
        return Y, W, sw

    def _initialize(self, n_features, n_outputs):
        self.n_outputs_ = n_outputs
        self._random_state = check_random_state(self.random_state)
        self.coefs_ = self._network().init_params(
            n_features, self._random_state, self._fitted_architecture.dtype
        )
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self._no_improvement_count = 0
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self._optimizer = None

    def _network(self):
        arch = self._fitted_architecture
        return LSTMNetwork(
            arch.hidden, self.n_outputs_, arch.bidirectional, arch.pooling,
            arch.return_sequences, self.dropout,
        )  # fmt: skip

    def _make_optimizer(self, params):
        if self.solver == "adam":
            return AdamOptimizer(
                params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon,
                "adaptive" if self.learning_rate == "adaptive" else "constant",
            )  # fmt: skip
        return SGDOptimizer(
            params, self.learning_rate_init, self.learning_rate, self.momentum,
            self.nesterovs_momentum, self.power_t,
        )  # fmt: skip

    def _train(self, batch, Y, W, sw, incremental):
        if self._optimizer is None or not incremental:
            self._optimizer = self._make_optimizer(self.coefs_)
        # A validation score needs 2 held-out sequences (R^2 is undefined for one) and a
        # sequence left to train on; train_test_split holds out ceil(fraction * n).
        n = len(batch.X)
        n_val = int(np.ceil(self.validation_fraction * n))
        early_stopping = self.early_stopping and not incremental and 2 <= n_val < n
        train_idx = np.arange(len(batch.X))
        val = None
        if early_stopping:
            labels = self._stratify_labels(Y)
            if labels is not None:
                counts = np.unique(labels, return_counts=True)[1]
                if counts.min() < 2 or min(n_val, n - n_val) < len(counts):
                    labels = None  # no stratified split exists: hold out at random
            train_idx, val_idx = train_test_split(
                train_idx, test_size=self.validation_fraction, random_state=self._random_state,
                stratify=labels,
            )  # fmt: skip
            val = (_take(batch, val_idx), Y[val_idx], sw[val_idx])
        # One workspace for all minibatches: their arrays reuse the same memory.
        data = (batch, Y, W, sw, train_idx, Workspace())
        n_epochs = 1 if incremental else self.max_iter
        try:
            for epoch in range(n_epochs):
                start = time.perf_counter()
                # Non-finite values are looked for explicitly and end training with a
                # clear error: NumPy's overflow warnings on the way would only be noise.
                with np.errstate(over="ignore", invalid="ignore"):
                    finite = self._run_epoch(data)
                if not finite:
                    raise ValueError(
                        f"Training diverged in epoch {epoch + 1} of this call: the loss or the "
                        "weights became infinite or NaN, so the model was left as it was "
                        "before the call. Lower learning_rate_init, keep max_grad_norm set, "
                        "or scale X and y (for example with StandardScaler in a Pipeline)."
                    )
                stalled = self._stalled(early_stopping, val)
                if self.verbose:
                    self._print_epoch(early_stopping, time.perf_counter() - start)
                if stalled:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                        "and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            # As MLP does: stop, keep what was learnt, and say so.
            warnings.warn(
                f"Training interrupted by user after {self.n_iter_} complete epochs.",
                ConvergenceWarning,
            )
        if early_stopping and hasattr(self, "_best_coefs"):
            self.coefs_ = self._best_coefs
            del self._best_coefs

    def _run_epoch(self, data):
        """One pass over the training sequences; False when training diverged."""
        batch, Y, W, sw, train_idx, workspace = data
        network, params, rng = self._network(), self.coefs_, self._random_state
        n_train = len(train_idx)
        batch_size = min(32, n_train) if self.batch_size == "auto" else self.batch_size
        order = rng.permutation(train_idx) if self.shuffle else train_idx
        epoch_loss = 0.0
        for lo in range(0, n_train, batch_size):
            idx = order[lo : lo + batch_size]
            loss, grads = self._loss_and_grads(
                network, params, _take(batch, idx), Y[idx], W[idx], sw[idx], rng, workspace
            )
            if grads is None:
                continue
            norm = clip_by_global_norm(grads, self.max_grad_norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                return False
            self._optimizer.update_params(params, grads)
            epoch_loss += loss * W[idx].sum()
        if not all(np.all(np.isfinite(p)) for p in params):
            return False
        self.n_iter_ += 1
        self.t_ += n_train
        self._optimizer.iteration_ends(self.t_)
        self.loss_curve_.append(float(epoch_loss / W[train_idx].sum()))
        return True

    def _print_epoch(self, early_stopping, seconds):
        """One line per epoch, in MLP's format, with the validation score and time added."""
        line = f"Iteration {self.n_iter_}, loss = {self.loss_curve_[-1]:.8f}"
        if early_stopping:
            line += f", validation score = {self.validation_scores_[-1]:.6f}"
        print(f"{line}, time = {seconds:.2f}s")

    def _stalled(self, early_stopping, val):
        """Track progress after an epoch; True when training should stop."""
        loss = self.loss_curve_[-1]
        improved_loss = loss <= self.best_loss_ - self.tol
        self.best_loss_ = min(self.best_loss_, loss)
        if early_stopping:
            score = float(self._score_batch(*val))
            self.validation_scores_.append(score)
            improved = score >= self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_coefs = [p.copy() for p in self.coefs_]
        else:
            improved = improved_loss
        self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        what = "Validation score" if early_stopping else "Training loss"
        if self.verbose:
            print(
                f"{what} did not improve more than tol={self.tol} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
        if self._optimizer.trigger_stopping(self.verbose):
            return True
        self._no_improvement_count = 0
        return False

    def _loss_and_grads(self, network, params, batch, Y, W, sw, rng, workspace=None):
        """Weighted mean loss of a minibatch plus the L2 penalty, and its gradients."""
        total = W.sum()
        if total <= 0:
            return 0.0, None
        out, cache = network.forward(
            params, batch.X, batch.lengths, dropout_rng=rng, workspace=workspace
        )
        loss, d_out = self._loss(out, Y, W / total)
        grads = network.backward(params, d_out, cache, workspace)
        scale = self.alpha and float(self.alpha / sw.sum())  # float: no float64 promotion
        if scale:
            for p, g in zip(params, grads):
                if p.ndim == 2:
                    loss += 0.5 * scale * np.vdot(p, p)
                    g += scale * p
        return loss, grads

    # ------------------------------------------------------------- prediction
    def _raw_predict(self, X):
        """Network outputs for X: ``(N, k)`` or ``(N, T, k)``, with the batch read from X."""
        check_is_fitted(self)
        batch = validate_sequences(self, X, reset=False)
        net_input = self._network_input(batch)
        return self._forward(net_input) + self._linear_base(net_input), batch, is_ragged(X)

    def _predict_block_rows(self):
        """Sequences per prediction block: fixed by the architecture, never by the data."""
        arch = self._fitted_architecture
        per_row = 6 * max(arch.hidden) * np.dtype(arch.dtype).itemsize
        rows = 1 << int(np.log2(max(1, _PREDICT_BLOCK_BYTES // per_row)))
        return int(np.clip(rows, 64, 512))

    def _forward(self, batch):
        network = self._network()
        N, T, _ = batch.X.shape
        k = self.n_outputs_
        raw = np.zeros((N, T, k) if self._per_step else (N, k))

        def predict_chunks(group):
            workspace = Workspace()  # one per thread, reused by its chunks
            for rows in group:
                part = _take(batch, rows)
                out, _ = network.forward(
                    self.coefs_, part.X, part.lengths, keep_cache=False, workspace=workspace
                )
                raw[rows, : out.shape[1]] = out

        # Chunks run in as many threads as BLAS may use here (NumPy releases the GIL in
        # its loops), each on one BLAS thread: faster than one chunk at a time on all
        # BLAS threads (benchmarks/README.md). Blocks whose size depends on the model alone,
        # each on one BLAS thread, give the same arithmetic, so the same predictions, on any
        # machine and for any split of the data into multiples of the block.
        size = self._predict_block_rows()
        chunks = [slice(lo, lo + size) for lo in range(0, N, size)]
        with _ONE_BLAS_THREAD as n_threads:
            n_groups = min(n_threads, len(chunks))
            if n_groups == 1:
                predict_chunks(chunks)
            else:
                _PREDICTION_THREADS.map(
                    predict_chunks, [chunks[k::n_groups] for k in range(n_groups)]
                )
        if not np.all(np.isfinite(raw)):
            raise ValueError(
                "The network's outputs are not finite: the inputs are too large for the "
                "weights. Scale X (for example with StandardScaler in a Pipeline)."
            )
        return raw

    def _score_batch(self, batch, Y, sw):
        """Validation score on an encoded batch (R^2 or accuracy), per real step if needed."""
        raw = self._forward(batch)
        if self._per_step:
            raw, Y = self._real_steps(raw, batch), self._real_steps(Y, batch)
            sw = np.repeat(sw, self._step_counts(batch))
        return self._score_metric(self._decode(Y), self._decode(raw), sw)

    @staticmethod
    def _step_counts(batch):
        N, T, _ = batch.X.shape
        return np.full(N, T) if batch.lengths is None else batch.lengths

    def _real_steps(self, A, batch):
        """Values at the real steps, sequence after sequence."""
        N, T = A.shape[:2]
        if batch.lengths is None:
            return A.reshape((N * T,) + A.shape[2:])
        return A[np.arange(T) < batch.lengths[:, None]]

    def _split_steps(self, pred, batch, ragged):
        """Per-step predictions back into the shape of the input."""
        if not self._per_step or not ragged:
            return pred
        lengths = self._step_counts(batch)
        return [pred[k, :n] for k, n in enumerate(lengths)]
