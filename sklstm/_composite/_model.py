"""The model that predicts: closed-form parts, the network beside them, and their blend.

The parts are additive, in the order they are fitted: the ridge on the last steps
(regressor), the random-kernel ridge, then the network, trained by the estimator on what
the others leave. The blend holds each part's weight and the link that turns the sum into
predictions (the identity for regression, the softmax for classification); the weights are
chosen on outputs of sequences a part has not seen. Fitting, predicting and the ONNX
export all walk the same parts.
"""

from ..core import are_sliding_windows
from ._blend import held_out_share, least_squares_share, log_odds_share
from ._parts import KernelRidge, LastStepsRidge

__all__ = ["Composite", "NetworkPart", "describe_blend"]

# random_kernels='auto': the base's features, and the training sequences' length from which
# it is on (benchmarks/defaults_log.md): on every long development set it lifts the
# classifier's accuracy; on short ones it adds nothing or costs.
AUTO_FEATURES = 10_000
AUTO_STEPS = 100
_PART_TYPES = {part.name: part for part in (LastStepsRidge, KernelRidge)}


def _kernel_features(setting, batch, return_sequences, forecast):
    """Random-kernel features for ``random_kernels=setting``, 'auto' resolved; 0 for none."""
    if setting == "auto":
        long_enough = batch.X.shape[1] >= AUTO_STEPS and not return_sequences
        # A forecast's sliding windows need the level, which the features drop, and
        # neighbouring windows flatter the features' held-out error.
        if long_enough and forecast and are_sliding_windows(batch.X, batch.lengths):
            return 0
        return AUTO_FEATURES if long_enough else 0
    if setting and return_sequences:
        raise ValueError(
            f"random_kernels={setting} gives one output per sequence, so it cannot be used "
            "with return_sequences=True. Use random_kernels=0 (or 'auto')."
        )
    return setting


# What each part is, for the verbose summary (its key in ``blend_weights_`` beside it).
_PART_NAMES = {
    "linear_steps": "ridge on the last steps",
    "random_kernels": "random-kernel ridge",
    "lstm": "LSTM",
}


def describe_blend(weights, reason=None):
    """One line naming the parts of a fitted model and their weights.

    Parameters
    ----------
    weights : dict
        Part name to weight (``blend_weights_``).
    reason : str, default=None
        Why the network's training ended ('dropped': it added nothing).

    Returns
    -------
    line : str
    """
    parts = ", ".join(f"{_PART_NAMES[name]} ('{name}') {w:.3g}" for name, w in weights.items())
    others = [_PART_NAMES[name] for name in weights if name != NetworkPart.name]
    if not others:
        return f"{parts}: the model is the LSTM alone."
    if weights[NetworkPart.name] > 0:
        return f"{parts}: the model blends them with these weights."
    rest = " and the ".join(others)
    why = "its training stopped early, as it" if reason == "dropped" else "it"
    return (
        f"{parts}. The LSTM is not in the model: {why} added nothing on the held-out "
        f"sequences, so the model is the {rest}."
    )


class NetworkPart:
    """The trained network as a part: its outputs, in float64, and its ONNX nodes.

    Parameters
    ----------
    predict : callable
        ``predict(inputs)`` gives the network's outputs for :class:`ModelInputs`.
    to_onnx : callable
        ``to_onnx(emitter, inputs)`` emits them (float32).
    """

    name = "lstm"

    def __init__(self, predict, to_onnx):
        self.predict, self._to_onnx = predict, to_onnx

    def to_onnx(self, e, inputs):
        """The network's outputs as ONNX nodes, cast to float64."""
        return e.op("Cast", self._to_onnx(e, inputs), to=e.DOUBLE)


class Composite:
    """Closed-form parts, a network, and the weights that blend them.

    Parameters
    ----------
    link : {'identity', 'softmax'}
        How the sum of the parts becomes predictions: targets, or class log-odds.
    parts : list
        The closed-form parts (:mod:`sklstm._composite._parts`), in order.
    weights : dict, default=None
        Part name to weight, the network under ``"lstm"`` (the estimator's
        ``blend_weights_``).
    """

    def __init__(self, link, parts, weights=None):
        self.link, self.parts, self.weights = link, list(parts), dict(weights or {})

    @classmethod
    def plan(
        cls, link, batch, linear_steps, linear_alpha, random_kernels, return_sequences, random_state
    ):
        """The parts that the estimator's parameters ask for on this training batch."""
        n_features = _kernel_features(
            random_kernels, batch, return_sequences, forecast=link == "identity"
        )
        parts = []
        if link == "identity" and not return_sequences and linear_steps != 0:
            parts.append(LastStepsRidge(linear_steps, linear_alpha))
        if n_features:
            parts.append(KernelRidge(n_features, link == "softmax", random_state))
        return cls(link, parts)

    @property
    def holds_out(self):
        """Whether the network is weighed on held-out sequences even without early stopping:
        beside the random-kernel ridge, whose outputs on its training sequences flatter it."""
        return any(isinstance(p, KernelRidge) for p in self.parts)

    @property
    def penalty_from_data(self):
        """Whether a part chooses its penalty from the data, reading the weights as counts."""
        return any(p.penalty_from_data for p in self.parts)

    @classmethod
    def from_state(cls, state, weights):
        """The composite kept by :attr:`state`, with the blend's ``weights``."""
        parts = [_PART_TYPES[name](state=part) for name, part in state["parts"]]
        return cls(state["link"], parts, weights)

    @property
    def state(self):
        """The fitted parts as plain values (what the estimator keeps)."""
        return {"link": self.link, "parts": [(p.name, p.state) for p in self.parts]}

    def attributes(self):
        """The estimator's fitted attributes of every part it may have (absent: empty)."""
        fitted = {p.name: p for p in self.parts}
        empty = [KernelRidge(classes=self.link == "softmax")]
        if self.link == "identity":
            empty.insert(0, LastStepsRidge())
        found = {}
        for part in empty:
            found.update(fitted.get(part.name, part).attributes())
        return found

    # ---------------------------------------------------------------- fitting
    def fit_bases(self, inputs, Y, W):
        """Fit the closed-form parts and their weights; the base the network trains beside.

        Returns the blended outputs of the parts on the training sequences, None without
        parts. A ridge on thousands of random-kernel features fits its training targets, so
        with one its outputs are leave-one-out ones; the ridge on the last steps alone gives
        its fitted values.
        """
        if not self.parts:
            return None
        outs = {p.name: p.fit(inputs, Y, W, self.holds_out) for p in self.parts}
        kernel = outs.get(KernelRidge.name)
        if kernel is None:
            self.weights = {LastStepsRidge.name: 1.0}
            return self.base_output(inputs)
        if self.link == "softmax" or LastStepsRidge.name not in outs:
            self.weights = {KernelRidge.name: 1.0}
            return kernel
        # The two ridges blended by the weight of least leave-one-out error.
        ridge = outs[LastStepsRidge.name]
        share = least_squares_share(kernel - ridge, Y - ridge, W)
        self.weights = {LastStepsRidge.name: 1.0 - share, KernelRidge.name: share}
        return ridge + share * (kernel - ridge)

    def network_training(self, Y, base):
        """What the network trains on, and the fixed outputs added to its own in the loss.

        Returns ``(targets, offset)``: for regression the targets less the base (offset
        None), for classification the labels with the base's log-odds as offset.
        """
        if base is None:
            return Y, None
        return (Y - base, None) if self.link == "identity" else (Y, base)

    def weigh_network(self, out, targets, offset, sample_weight):
        """The network's weight from its outputs on held-out sequences (see ``_blend``)."""
        if not self.parts:
            return 1.0
        if self.link == "identity":
            return held_out_share(out, targets, sample_weight)
        return log_odds_share(offset, out, targets, sample_weight)

    # ------------------------------------------------------------- prediction
    def base_output(self, inputs):
        """The blended outputs of the closed-form parts; None without parts."""
        if not self.parts:
            return None
        outs = {p.name: p.predict(inputs) for p in self.parts}
        kernel = outs.get(KernelRidge.name)
        base = outs.get(LastStepsRidge.name, 0.0)
        if kernel is None:
            return base
        return base + self.weights.get(KernelRidge.name, 1.0) * (kernel - base)

    @staticmethod
    def combine(base, network, weight):
        """Raw outputs: the network's, weighed, plus the base's."""
        raw = weight * network if weight else 0.0
        return raw if base is None else raw + base

    def predict(self, inputs, network):
        """Raw outputs (scaled targets, or log-odds) of the whole model for ``inputs``."""
        weight = self.weights.get(NetworkPart.name, 1.0)
        out = network.predict(inputs) if weight else None
        return self.combine(self.base_output(inputs), out, weight)

    def to_onnx(self, e, inputs, network):
        """The whole model's raw outputs as ONNX nodes (float64), as :meth:`predict`."""
        outs = {p.name: p.to_onnx(e, inputs) for p in self.parts}  # before the network
        base = outs.get(LastStepsRidge.name)
        kernel = outs.get(KernelRidge.name)
        if kernel is not None:
            base = e.const(0.0) if base is None else base
            gap = e.op("Sub", kernel, base)
            weight = e.const(float(self.weights.get(KernelRidge.name, 1.0)))
            base = e.op("Add", base, e.op("Mul", gap, weight))
        weight = self.weights.get(NetworkPart.name, 1.0)
        if not weight:
            return base
        raw = network.to_onnx(e, inputs)
        if weight != 1.0:
            raw = e.op("Mul", raw, e.const(float(weight)))
        return raw if base is None else e.op("Add", raw, base)
