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

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._preprocessing import kernel_input
from .core import Sequences, fold_lstm_weights, log_softmax, lstm_step
from .layers import LSTM, Dense, Dropout, Readout

__all__ = ["ClassifierStream", "Stream", "check_streamable"]


def check_streamable(model):
    """Refuse, naming the setting and the fix, a fitted model whose answers read the future."""
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
        A fitted model that streams (see :func:`check_streamable`).
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
        if not (isinstance(n_streams, int | np.integer) and n_streams >= 1):
            raise ValueError(f"n_streams must be a positive integer; got {n_streams!r}.")
        self.model, self.n_streams = model, int(n_streams)
        self.reset()

    # ----------------------------------------------------------------- public
    def reset(self):
        """Forget every step seen: each stream starts again from an empty sequence.

        Returns
        -------
        self : Stream
            The stream, each of its streams back at no step seen.
        """
        model, n = self.model, self.n_streams
        dtype = np.dtype(model._fitted_architecture["dtype"])
        p, D = model.patch_size_, model._step_features
        layers = self._lstm_layers()
        self.n_steps_seen_ = np.zeros(n, dtype=np.int64)
        # The last patch_size steps, standardized: the patch of the phase a new step ends.
        self._window = np.zeros((n, p, D), dtype)
        self._h = [np.zeros((p, n, layer.n_hidden), dtype) for layer, _ in layers]
        self._c = [np.zeros((p, n, layer.n_hidden), dtype) for layer, _ in layers]
        units = layers[-1][0].n_hidden
        self._total = np.zeros((p, n, units), dtype)  # the readout's running sum ('mean')
        self._peak = np.full((p, n, units), -np.inf, dtype)  # and maximum ('max')
        linear = self._linear_state()
        steps = 0 if linear is None else linear["steps"]
        # The ridge's window: each phase's last ``steps`` patches, zeros before the first.
        self._patches = np.zeros((p, n, steps, p * D), dtype)
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
            steps of one stream of one feature.

        Returns
        -------
        y_pred : ndarray, or list of ndarray
            What ``predict`` gives on each stream's whole prefix: one prediction a
            stream ``(n_streams, ...)``; per step (``return_sequences=True``), the
            predictions of the new steps, ``(n_streams, n_new_steps, ...)``, or a
            list for a list ``X_new``.
        """
        raw, ragged = self._feed(X_new)
        return self._answer(raw, ragged, self.model._decode)

    # -------------------------------------------------------------- internals
    def _lstm_layers(self):
        network = self.model._network()
        params = network.split(self.model.coefs_)
        return [(layer, p) for layer, p in zip(network.layers, params) if isinstance(layer, LSTM)]

    def _linear_state(self):
        for name, part in self.model._composite["parts"]:
            if name == "linear_steps":
                return part
        return None

    def _answer(self, raw, ragged, decode):
        if isinstance(raw, list):
            return [decode(r) for r in raw]
        return decode(raw)

    def _steps(self, X_new):
        """``X_new`` as a padded float array ``(n_streams, n_new, D)`` and each stream's count."""
        model, n = self.model, self.n_streams
        D = model._step_features
        ragged = isinstance(X_new, list | tuple)
        if ragged:
            if len(X_new) != n:
                raise ValueError(
                    f"X_new is a list of {len(X_new)} chunks, but the stream has {n} streams: "
                    "give one (n_new_steps, n_features) array a stream."
                )
            chunks = [self._chunk(x, D, f"X_new[{k}]") for k, x in enumerate(X_new)]
            counts = np.array([len(x) for x in chunks], dtype=np.int64)
            X = np.zeros((n, counts.max(initial=0), D))
            for k, x in enumerate(chunks):
                X[k, : len(x)] = x
            return X, counts, True
        X = np.asarray(X_new, dtype=np.float64)
        if X.ndim in (1, 2):
            if n != 1:
                raise ValueError(
                    f"X_new has {X.ndim} dimensions, the steps of one stream, but the stream "
                    f"has {n} streams: give (n_streams, n_new_steps, n_features) = ({n}, "
                    f"n_new_steps, {D}), or a list of one array a stream."
                )
            X = self._chunk(X, D, "X_new")[None]
        elif X.ndim != 3 or X.shape[0] != n:
            raise ValueError(
                f"X_new has shape {X.shape}; expected (n_streams, n_new_steps, n_features) = "
                f"({n}, n_new_steps, {D})."
            )
        else:
            self._chunk(X.reshape(-1, X.shape[-1]), D, "X_new")
        return X, np.full(n, X.shape[1], dtype=np.int64), False

    @staticmethod
    def _chunk(x, n_features, name):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and n_features == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != n_features:
            raise ValueError(
                f"{name} has shape {x.shape}; each stream's new steps must be "
                f"(n_new_steps, n_features) with the {n_features} features per step the model "
                "was fitted on."
            )
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contains NaN or infinity.")
        return x

    def _feed(self, X_new):
        """Advance every stream by its new steps; the raw outputs to answer with."""
        X, counts, ragged = self._steps(X_new)
        model = self.model
        seen = self.n_steps_seen_ + counts
        if np.any(seen == 0):
            raise ValueError(
                "A stream has been fed no step yet: there is no sequence to predict. Feed "
                "each stream at least one step."
            )
        dtype = self._window.dtype
        steps = kernel_input(Sequences(X, None), model._x_mean, model._x_scale, dtype)
        weights = self._folded()
        per_step = model._per_step
        outputs = []
        for j in range(X.shape[1]):
            rows = np.flatnonzero(counts > j)
            top = self._advance(rows, steps[rows, j], weights)
            if per_step:
                out = np.zeros((self.n_streams, model.n_outputs_))
                out[rows] = self._head(top)
                outputs.append(out)
        if per_step:
            raw = np.stack(outputs, axis=1) if outputs else np.zeros((self.n_streams, 0, 1))
            if ragged:
                return [raw[k, :m] for k, m in enumerate(counts)], True
            return raw, False
        return self._sequence_outputs(), ragged

    def _folded(self):
        """Each LSTM layer's folded weights, made once for the stream."""
        if getattr(self, "_weights", None) is None:
            self._weights = [fold_lstm_weights(*p) for _, p in self._lstm_layers()]
        return self._weights

    def __getstate__(self):
        state = dict(vars(self))
        state.pop("_weights", None)  # remade from the model's weights
        return state

    def _advance(self, rows, x, weights):
        """One new step for the streams ``rows``; the top LSTM layer's new states."""
        p = self._window.shape[1]
        first = self.n_steps_seen_[rows] == 0
        window = self._window[rows]
        window[:, :-1] = window[:, 1:]
        window[:, -1] = x
        # Before the first step, the window holds copies of it (join_steps' first patch).
        window[first] = x[first][:, None]
        self._window[rows] = window
        self.n_steps_seen_[rows] += 1
        phase = self.n_steps_seen_[rows] % p
        inputs = window.reshape(len(rows), -1)
        if self._patches.shape[2]:
            patches = self._patches[phase, rows]
            patches[:, :-1] = patches[:, 1:]
            patches[:, -1] = inputs
            self._patches[phase, rows] = patches
        for k, W in enumerate(weights):
            h, c = lstm_step(W, inputs.T, self._h[k][phase, rows].T, self._c[k][phase, rows].T)
            self._h[k][phase, rows], self._c[k][phase, rows] = h.T, c.T
            inputs = h.T
        self._total[phase, rows] += inputs
        self._peak[phase, rows] = np.maximum(self._peak[phase, rows], inputs)
        return inputs

    def _head(self, features):
        """The network's outputs (float64) from the features its last layers read."""
        network = self.model._network()
        params = network.split(self.model.coefs_)
        out = features
        for layer, layer_params in zip(network.layers, params):
            if isinstance(layer, Dense):
                out = layer.forward(layer_params, out, None, keep_cache=False)[0]
        return out.astype(np.float64)

    def _sequence_outputs(self):
        """Raw outputs of the whole model for each stream's prefix, as ``predict`` gives."""
        model = self.model
        p = self._window.shape[1]
        phase = self.n_steps_seen_ % p
        rows = np.arange(self.n_streams)
        last = self._h[-1][phase, rows]
        readout = next(layer for layer in model._network().layers if isinstance(layer, Readout))
        counts = -(-self.n_steps_seen_ // p)  # patches read: the first may be completed
        pooled = {
            "last": last,
            "mean": self._total[phase, rows] / counts[:, None].astype(last.dtype),
            "max": self._peak[phase, rows],
        }
        if readout.pooling == "concat":
            features = np.concatenate([pooled[k] for k in ("last", "mean", "max")], axis=1)
        else:
            features = pooled[readout.pooling]
        composite = model._composite_model()
        weight = composite.weights.get("lstm", 1.0)
        network = self._head(features) if weight else None
        base = None
        linear = self._linear_state()
        if linear is not None:
            window = self._patches[phase, rows].reshape(self.n_streams, -1)
            base = window.astype(np.float64) @ linear["coef"] + linear["intercept"]
        return composite.combine(base, network, weight)


class ClassifierStream(Stream):
    """A fitted classifier's answers to live streams; see :class:`Stream`.

    ``predict`` gives labels; ``predict_proba`` and ``predict_log_proba`` the classes'
    probabilities, as the classifier's methods give them on each stream's prefix. Each call
    feeds its steps: call one of them per chunk.

    Parameters
    ----------
    model : LSTMClassifier
        A fitted classifier that streams (see :func:`check_streamable`).
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
        raw, ragged = self._feed(X_new)
        return self._answer(raw, ragged, lambda r: np.exp(log_softmax(r)))

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
        raw, ragged = self._feed(X_new)
        return self._answer(raw, ragged, log_softmax)


# Layers a stream steps through: the LSTMs, dropout (nothing when predicting), the readout
# and the head.
STREAMABLE_LAYERS = (LSTM, Dropout, Readout, Dense)
