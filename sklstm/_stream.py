"""Streams: a fitted model's answers after each new step, from carried state.

A recurrent network reads a sequence one step at a time, so its answer after step ``t``
needs only its state after step ``t - 1`` and step ``t``. A stream carries that state (each
LSTM layer's hidden and cell states, the readout's running sum and maximum, the last steps
the ridge reads), and after each chunk of new steps it answers what ``predict`` answers on
everything the stream has seen: per sequence, as if the sequence ended at the last step;
per step (``return_sequences=True``), one answer for each new step.

Patches: the steps the network reads as one end at the sequence's last step
(:func:`sklstm.core.join_steps`), the first completed with copies of the first step, so
which steps form a patch changes with every new step. The stream carries one network state
per phase (steps seen, modulo ``patch_size``); each new step advances the state of its
phase by the patch of the last ``patch_size`` steps. An answer mid-patch is then what
``predict`` gives on that prefix, with no step read twice.
"""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import BaseLSTM
from ._composite import Composite
from ._preprocessing import standardize_steps
from .core import fold_lstm_weights, log_softmax, lstm_step
from .layers import LSTM, Dense, Readout

__all__ = ["ClassifierStream", "Stream", "check_streamable"]


def check_streamable(model):
    """Refuse, naming the setting and the fix, a fitted model whose answers read the future."""
    if not isinstance(model, BaseLSTM):
        raise TypeError(
            f"Streams come from a fitted LSTMRegressor or LSTMClassifier; got "
            f"{type(model).__name__}. A Pipeline does not stream: apply its transformers to "
            "each new step yourself and stream its last step (pipeline[-1].stream()), or "
            "leave the scaling to the model's own standardize=True."
        )
    check_is_fitted(model)
    arch = model._fitted_architecture
    name = type(model).__name__
    refit = f"Fit the {name} with {{}} to stream it."
    if arch["bidirectional"]:
        raise ValueError(
            "bidirectional=True: the backward direction reads each sequence from its last "
            "step, so every answer depends on steps after it. "
            + refit.format("bidirectional=False")
        )
    if arch["conv_filters"]:
        raise ValueError(
            f"conv_filters={tuple(arch['conv_filters'])}: the convolutions pad each step's "
            "window on both sides ('same'), reading steps after it. "
            + refit.format("conv_filters=()")
        )
    if model.random_kernels_:
        raise ValueError(
            f"The random-kernel base (random_kernels_={model.random_kernels_}) reads whole "
            "sequences at once: its features cannot be updated step by step. "
            + refit.format("random_kernels=0")
        )


class Stream:
    """A fitted model's answers to one or more live streams, step by step.

    Made by the estimators' ``stream`` method. The model itself stays as it is (and may
    serve ``predict`` and other streams meanwhile); the stream's state is plain arrays, so
    a stream pickles and resumes where it stopped.

    Parameters
    ----------
    model : LSTMRegressor or LSTMClassifier
        A fitted model that streams (see its ``stream`` method). The stream keeps it
        as it is now: refitting the model later does not change the stream's answers.
    n_streams : int, default=1
        Streams fed side by side.

    Attributes
    ----------
    n_steps_seen_ : ndarray of int, shape (n_streams,)
        Steps each stream has been fed since it started or was reset.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 1))
    >>> model = LSTMRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    >>> model = model.fit(X, X[:, -3:, 0].sum(axis=1))
    >>> stream = model.stream()
    >>> series = rng.normal(size=(6, 1))
    >>> answers = [stream.predict(step) for step in series[:, None]]  # one step at a time
    >>> bool(np.allclose(answers[-1], model.predict(series[None]), rtol=1e-5))
    True
    """

    def __init__(self, model, n_streams=1):
        check_streamable(model)
        is_int = isinstance(n_streams, int | np.integer) and not isinstance(n_streams, bool)
        if not (is_int and n_streams >= 1):
            raise ValueError(f"n_streams must be a positive integer; got {n_streams!r}.")
        # The model as it is now: a refit replaces the estimator's state rather than
        # changing its arrays, so this copy keeps answering with the weights read here.
        self.model, self.n_streams = copy.copy(model), int(n_streams)
        try:
            self.reset()
        except (MemoryError, ValueError):  # NumPy: a ValueError past its largest size
            raise MemoryError(
                f"The state of n_streams={n_streams} streams does not fit in memory; "
                "use fewer streams (one a live sequence)."
            ) from None

    # ----------------------------------------------------------------- public
    def reset(self):
        """Forget every step seen: each stream starts again from an empty sequence.

        Returns
        -------
        self : Stream
            The stream, each of its streams back at no step seen.
        """
        model, n = self.model, self.n_streams
        plan = self._plan()
        p, D = model.patch_size_, model._step_features
        self.n_steps_seen_ = np.zeros(n, dtype=np.int64)
        # The last patch_size steps, standardized: the patch of the phase a new step ends.
        self._window = np.zeros((n, p, D), plan.dtype)
        units = [W.shape[0] // 4 for W in plan.lstm]
        self._h = [np.zeros((p, n, u), plan.dtype) for u in units]
        self._c = [np.zeros((p, n, u), plan.dtype) for u in units]
        self._total = np.zeros((p, n, units[-1]), plan.dtype)  # the readout's running sum
        self._peak = np.full((p, n, units[-1]), -np.inf, plan.dtype)  # and maximum
        steps = 0 if plan.linear is None else plan.linear["steps"]
        # The ridge's window: each phase's last ``steps`` patches, zeros before the first.
        self._patches = np.zeros((p, n, steps, p * D), plan.dtype)
        return self

    def predict(self, X_new):
        """Feed the next steps of each stream and predict.

        Parameters
        ----------
        X_new : array-like
            The next steps: ``(n_new_steps, n_features)`` for one stream,
            ``(n_streams, n_new_steps, n_features)`` for several, or a list of one
            ``(n_new_steps_i, n_features)`` array a stream (streams may be fed
            different numbers of steps, none included). A 1-D array is the next
            steps of one stream of one feature. One stream's steps may also come
            as a list of steps (a list of numbers for one feature), as ``predict``
            reads them.

        Returns
        -------
        y_pred : ndarray, or list of ndarray
            What ``predict`` gives on each stream's whole prefix: one prediction a
            stream ``(n_streams, ...)``; per step (``return_sequences=True``), the
            predictions of the new steps, ``(n_streams, n_new_steps, ...)``, or a
            list for a list of chunks.
        """
        return self._answer(self._feed(X_new), self.model._decode)

    # -------------------------------------------------------------- internals
    @staticmethod
    def _answer(raw, decode):
        if isinstance(raw, list):
            return [decode(r) for r in raw]
        return decode(raw)

    def _steps(self, X_new):
        """``X_new`` as a padded float array ``(n_streams, n_new, D)`` and each stream's count."""
        model, n = self.model, self.n_streams
        D = model._step_features
        ragged = isinstance(X_new, list | tuple)
        if ragged and n == 1 and all(_is_step(x, D) for x in X_new):
            # One stream's steps as nested lists, read as predict reads them.
            X_new, ragged = _as_floats(X_new, "X_new"), False
        if ragged:
            if len(X_new) != n:
                raise ValueError(
                    f"X_new is a list of {len(X_new)} chunks, but the stream has {_streams(n)}: "
                    "give one (n_new_steps, n_features) array a stream."
                )
            chunks = [self._chunk(x, D, f"X_new[{k}]") for k, x in enumerate(X_new)]
            counts = np.array([len(x) for x in chunks], dtype=np.int64)
            X = np.zeros((n, counts.max(initial=0), D))
            for k, x in enumerate(chunks):
                X[k, : len(x)] = x
            return X, counts, True
        X = _as_floats(X_new, "X_new")
        if X.ndim in (1, 2):
            if n != 1:
                raise ValueError(
                    f"X_new has {X.ndim} dimensions, the steps of one stream, but the stream "
                    f"has {_streams(n)}: give (n_streams, n_new_steps, n_features) = ({n}, "
                    f"n_new_steps, {D}), or a list of one array a stream."
                )
            X = self._chunk(X, D, "X_new")[None]
        elif X.ndim != 3 or X.shape[0] != n:
            if X.ndim == 0:
                raise ValueError(f"X_new must be an array of steps; got {X_new!r}.")
            raise ValueError(
                f"X_new has shape {X.shape}; expected (n_streams, n_new_steps, n_features) = "
                f"({n}, n_new_steps, {D})."
            )
        else:
            self._chunk(X.reshape(-1, X.shape[-1]), D, "X_new")
        return X, np.full(n, X.shape[1], dtype=np.int64), False

    @staticmethod
    def _chunk(x, n_features, name):
        x = _as_floats(x, name)
        if x.ndim == 1 and n_features == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != n_features:
            raise ValueError(
                f"{name} has shape {x.shape}; each stream's new steps must be "
                f"(n_new_steps, n_features) with the {n_features} features per step the model "
                "reads. A model fitted on 2D X reads each row as steps of features_per_step "
                "values, oldest first (also with newest_first=True): feed a row's steps as "
                "row.reshape(-1, features_per_step)."
            )
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contains NaN or infinity.")
        return x

    def _feed(self, X_new):
        """Advance every stream by its new steps; the raw outputs to answer with."""
        X, counts, ragged = self._steps(X_new)
        plan = self._plan()
        empty = np.flatnonzero(self.n_steps_seen_ + counts == 0)
        if empty.size and plan.pooling is not None:
            raise ValueError(
                f"Streams {empty.tolist()} have been fed no step yet: they have no sequence "
                "to predict. Feed each stream at least one step before asking for its answer."
            )
        steps = standardize_steps(X, plan.mean, plan.scale, plan.dtype)
        every = counts.min() == counts.max()
        outputs = []
        for j in range(X.shape[1]):
            rows = slice(None) if every else np.flatnonzero(counts > j)
            top = self._advance(rows, steps[rows, j], plan)
            if plan.pooling is None:  # per step: one answer a new step
                out = np.zeros((self.n_streams, plan.n_outputs))
                out[rows] = plan.head(top)
                outputs.append(out)
        if plan.pooling is not None:
            return self._sequence_outputs(plan)
        raw = np.zeros((self.n_streams, 0, plan.n_outputs))
        raw = np.stack(outputs, axis=1) if outputs else raw
        return [raw[k, :m] for k, m in enumerate(counts)] if ragged else raw

    def _plan(self):
        """What the stream reads from its model, made once (and not pickled)."""
        if getattr(self, "_made_plan", None) is None:
            self._made_plan = _Plan(self.model)
        return self._made_plan

    def __getstate__(self):
        state = dict(vars(self))
        state.pop("_made_plan", None)  # remade from the model
        return state

    def _advance(self, rows, x, plan):
        """One new step for the streams ``rows`` (a slice or indices); the top LSTM layer's
        new states."""
        p = self._window.shape[1]
        seen = self.n_steps_seen_[rows]
        if p == 1:
            inputs = self._window[rows, 0] = x  # the window is the step
            at = (0, rows)  # one phase: views, no gather
        else:
            window = self._window[rows]
            window[:, :-1] = window[:, 1:]
            window[:, -1] = x
            # Before the first step, the window holds copies of it (join_steps' first patch).
            first = seen == 0
            window[first] = x[first][:, None]
            self._window[rows] = window
            inputs = window.reshape(len(window), -1)
            at = ((seen + 1) % p, np.arange(self.n_streams)[rows])
        self.n_steps_seen_[rows] = seen + 1
        if self._patches.shape[2]:
            patches = self._patches[at]
            patches[:, :-1] = patches[:, 1:]
            patches[:, -1] = inputs
            self._patches[at] = patches
        for W, h, c in zip(plan.lstm, self._h, self._c):
            h_new, c_new = lstm_step(W, inputs.T, h[at].T, c[at].T)
            inputs = h[at] = h_new.T
            c[at] = c_new.T
        if plan.pooling in ("mean", "concat"):
            self._total[at] += inputs
        if plan.pooling in ("max", "concat"):
            self._peak[at] = np.maximum(self._peak[at], inputs)
        return inputs

    def _sequence_outputs(self, plan):
        """Raw outputs of the whole model for each stream's prefix, as ``predict`` gives."""
        p = self._window.shape[1]
        at = (0, slice(None)) if p == 1 else (self.n_steps_seen_ % p, np.arange(self.n_streams))
        pooled = {"last": self._h[-1][at], "max": self._peak[at]}
        if plan.pooling in ("mean", "concat"):
            counts = -(-self.n_steps_seen_ // p)  # patches read: the first may be completed
            pooled["mean"] = self._total[at] / counts[:, None].astype(plan.dtype)
        if plan.pooling == "concat":
            features = np.concatenate([pooled[k] for k in ("last", "mean", "max")], axis=1)
        else:
            features = pooled[plan.pooling]
        network = plan.head(features) if plan.weight else None
        base = None
        if plan.linear is not None:
            window = self._patches[at].reshape(self.n_streams, -1).astype(np.float64)
            base = window @ plan.linear["coef"] + plan.linear["intercept"]
        return Composite.combine(base, network, plan.weight)


def _is_step(x, n_features):
    """Whether ``x`` is one step of ``n_features`` values (or a number, for one feature)."""
    return np.shape(x) == (n_features,) or (n_features == 1 and np.ndim(x) == 0)


def _streams(n):
    return f"{n} stream" + ("s" if n != 1 else "")


def _as_floats(x, name):
    try:
        values = np.asarray(x)
        if not np.iscomplexobj(values):
            return values.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    raise ValueError(f"{name} holds complex numbers; the model reads real ones.")


class _Plan:
    """What a stream reads from its fitted model: the LSTM layers' folded weights, the
    readout, the head, the ridge on the last steps, the standardization, the blend."""

    def __init__(self, model):
        network = model._network()
        layers = list(zip(network.layers, network.split(model.coefs_)))
        self.lstm = [fold_lstm_weights(*p) for layer, p in layers if isinstance(layer, LSTM)]
        self.dense = [(layer, p) for layer, p in layers if isinstance(layer, Dense)]
        readout = [layer for layer, _ in layers if isinstance(layer, Readout)]
        self.pooling = readout[0].pooling if readout else None
        self.n_outputs = model.n_outputs_
        self.mean, self.scale = model._x_mean, model._x_scale
        self.dtype = np.dtype(model._fitted_architecture["dtype"])
        self.weight = model.blend_weights_.get("lstm", 1.0)
        parts = dict(model._composite["parts"])
        self.linear = parts.get("linear_steps")

    def head(self, features):
        """The network's outputs (float64) from what its dense layers read."""
        for layer, params in self.dense:
            features = layer.forward(params, features, None, keep_cache=False)[0]
        return features.astype(np.float64)


class ClassifierStream(Stream):
    """A fitted classifier's answers to live streams; see :class:`Stream`.

    ``predict`` gives labels; ``predict_proba`` and ``predict_log_proba`` the classes'
    probabilities, as the classifier's methods give them on each stream's prefix. Each call
    feeds its steps: call one of them per chunk.

    Parameters
    ----------
    model : LSTMClassifier
        A fitted classifier that streams (see its ``stream`` method).
    n_streams : int, default=1
        Streams fed side by side.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 2))
    >>> model = LSTMClassifier(bidirectional=False, max_iter=5, random_state=0)
    >>> model = model.fit(X, X[:, :, 0].sum(axis=1) > 0)
    >>> stream = model.stream(n_streams=2)
    >>> stream.predict_proba(rng.normal(size=(2, 3, 2))).shape  # 2 streams, 3 new steps
    (2, 2)
    """

    def predict_proba(self, X_new):
        """Feed the next steps of each stream and give the class probabilities.

        Parameters
        ----------
        X_new : array-like
            The next steps, as :meth:`Stream.predict` takes them.

        Returns
        -------
        proba : ndarray, or list of ndarray
            Columns in the order of ``classes_``.
        """
        return self._answer(self._feed(X_new), lambda r: np.exp(log_softmax(r)))

    def predict_log_proba(self, X_new):
        """Feed the next steps of each stream and give the classes' log-probabilities.

        Parameters
        ----------
        X_new : array-like
            The next steps, as :meth:`Stream.predict` takes them.

        Returns
        -------
        log_proba : ndarray, or list of ndarray
            Columns in the order of ``classes_``.
        """
        return self._answer(self._feed(X_new), log_softmax)
