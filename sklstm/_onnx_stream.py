"""The ONNX graph of a stream's step (:mod:`sklstm.onnx` exposes it).

One call of the graph is one new step of every stream: it takes the step and the stream's
state (the arrays :class:`sklstm.Stream` carries, under the same names), and gives
the answer after that step and the new state. It does what ``Stream._advance`` and
``Stream._sequence_outputs`` (or ``Stream._head``, per step) do, operation by operation: the
state of each stream's phase (steps seen, modulo ``patch_size``) is read with
GatherElements and written back with Where on a one-hot mask of the phases, so streams at
different phases step together. As in :mod:`sklstm._onnx_graph`, the network runs in float32
(ONNX's LSTM), standardization and the ridge on the last steps in float64.
"""

import numpy as np
from onnx import TensorProto, helper
from onnx.helper import np_dtype_to_tensor_dtype

from ._onnx_graph import _LIMIT, DOUBLE, FLOAT, Emitter
from ._stream import Stream, check_streamable
from .layers import LSTM, Dense, Readout
from .layers._lstm import onnx_weights

__all__ = ["stream_graph", "stream_state"]


class _Graph:
    """The scope and container that :class:`Emitter` writes to, for a graph built here."""

    def __init__(self, target_opset):
        self.target_opset = target_opset
        self.nodes, self.initializers, self._names = [], [], set()

    def _unique(self, seed):
        k = 0
        while f"{seed}_{k}" in self._names:
            k += 1
        self._names.add(f"{seed}_{k}")
        return f"{seed}_{k}"

    get_unique_variable_name = get_unique_operator_name = _unique

    def add_initializer(self, name, type_, shape, content):
        if isinstance(content, TensorProto):
            content.name = name
            self.initializers.append(content)
        else:
            self.initializers.append(helper.make_tensor(name, type_, shape, content))

    def add_node(self, op_type, inputs, outputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))


def _state_shapes(model, n):
    """Each state array's name, ONNX type and shape (``n``: streams, None when free)."""
    shapes = {}
    for name, a in stream_state(model).items():
        shape = list(a.shape)
        shape[0 if name in ("n_steps_seen", "window") else 1] = n  # the streams' axis
        shapes[name] = (TensorProto.INT64 if a.dtype == np.int64 else FLOAT, shape)
    return shapes


def stream_state(source, n_streams=None):
    """The state arrays to feed a stream graph, by input name (see ``sklstm.onnx``)."""
    if isinstance(source, Stream):
        stream = source
        if n_streams is not None and n_streams != stream.n_streams:
            raise ValueError(
                f"n_streams={n_streams!r}, but the stream has {stream.n_streams}: a stream's "
                "state is that of its own streams. Leave n_streams out for a stream."
            )
    else:
        # Refuses a model that does not stream, and a bad n_streams.
        stream = Stream(source, 1 if n_streams is None else n_streams)
    state = {"n_steps_seen": stream.n_steps_seen_.astype(np.int64), "window": stream._window}
    for k, (h, c) in enumerate(zip(stream._h, stream._c)):
        state[f"h_{k}"], state[f"c_{k}"] = h, c
    state["total"], state["peak"] = stream._total, stream._peak
    if stream._patches.shape[2]:  # the ridge on the last steps reads them
        state["patches"] = stream._patches
    return {
        name: np.array(a, dtype=np.int64 if name == "n_steps_seen" else np.float32)
        for name, a in state.items()
    }


def stream_graph(model, n_streams, target_opset, labels=None):
    """The ModelProto of one step of ``n_streams`` streams (None: any number)."""
    check_streamable(model)
    g = _Graph(target_opset)
    e = Emitter(g, g)
    p, D = model.patch_size_, model._step_features
    shapes = _state_shapes(model, n_streams)
    i64 = np.int64

    def axes(*values):
        return e.const(list(values), i64)

    # The step, as kernel_input makes it: standardized in float64, cast, clipped.
    x = e.op("Cast", e.op("Squeeze", "X", axes(1)), to=DOUBLE)  # (n, D)
    if model._x_mean is not None:
        x = e.op("Div", e.op("Sub", x, e.const(model._x_mean)), e.const(model._x_scale))
    x = e.op("Cast", e.op("Clip", x, e.const(-_LIMIT), e.const(_LIMIT)), to=FLOAT)
    # The window of the last p steps; before the first step, copies of it.
    step = e.op("Unsqueeze", x, axes(1))  # (n, 1, D)
    if p == 1:
        window = step
    else:
        older = e.op("Slice", "window", axes(1), axes(p), axes(1))
        window = e.op("Concat", older, step, axis=1)
        first = e.op("Equal", "n_steps_seen", e.const(0, i64))
        first = e.op("Unsqueeze", first, axes(1, 2))
        window = e.op("Where", first, e.op("Expand", step, axes(1, p, 1)), window)
    seen = e.op("Add", "n_steps_seen", e.const(1, i64))
    phase = e.op("Mod", seen, e.const(p, i64))  # (n,)
    # One-hot (p, n) of each stream's phase, and its index along the state's phase axis.
    mask = e.op(
        "Equal", e.op("Unsqueeze", phase, axes(0)), e.const(np.arange(p).reshape(p, 1), i64)
    )
    outputs = {"n_steps_seen": seen, "window": window}

    def pick(name):
        """``state[phase[j], j]`` for each stream j: shape (1, n, ...)."""
        rank = len(shapes[name][1])
        index = e.op("Unsqueeze", phase, axes(0, *range(2, rank)))
        index = e.op("Expand", index, axes(1, 1, *shapes[name][1][2:]))
        return e.op("GatherElements", name, index, axis=0)

    def put(name, value):
        """The state ``name`` with ``value`` (1, n, ...) at each stream's phase."""
        rank = len(shapes[name][1])
        where = e.op("Unsqueeze", mask, axes(*range(2, rank))) if rank > 2 else mask
        outputs[name] = e.op("Where", where, value, name)
        return value

    inputs = e.op("Reshape", window, axes(0, p * D))  # (n, p * D): the new patch
    if "patches" in shapes:
        older = e.op("Slice", pick("patches"), axes(1), axes(2**62), axes(2))
        newest = e.op("Unsqueeze", inputs, axes(0, 2))
        patches = put("patches", e.op("Concat", older, newest, axis=2))  # (1, n, S, p * D)
    network = model._network()
    params = network.split(model.coefs_)
    lstms = [(layer, q) for layer, q in zip(network.layers, params) if isinstance(layer, LSTM)]
    top = inputs
    for k, (layer, q) in enumerate(lstms):
        W, R, B = (e.const(A) for A in onnx_weights(layer._directions(q)))
        step_in = e.op("Unsqueeze", top, axes(0))  # (1, n, inputs): one step
        h, c = pick(f"h_{k}"), pick(f"c_{k}")
        _, h, c = e.op("LSTM", step_in, W, R, B, "", h, c, n_outputs=3, hidden_size=layer.n_hidden)
        put(f"h_{k}", h)
        put(f"c_{k}", c)
        top = e.op("Squeeze", h, axes(0))  # (n, H)
    total = put("total", e.op("Add", pick("total"), e.op("Unsqueeze", top, axes(0))))
    peak = put("peak", e.op("Max", pick("peak"), e.op("Unsqueeze", top, axes(0))))

    def head(features):
        out = features
        for layer, q in zip(network.layers, params):
            if isinstance(layer, Dense):
                W, b = (e.const(a.astype(np.float32)) for a in q)
                out = e.op("Add", e.op("MatMul", out, W), b)
        return e.op("Cast", out, to=DOUBLE)

    if model._per_step:
        raw = e.op("Unsqueeze", head(top), axes(1))  # (n, 1, k): the new step's outputs
    else:
        readout = next(layer for layer in network.layers if isinstance(layer, Readout))
        # Patches read so far (the first may be completed): ceil(steps / p).
        counts = e.op("Cast", e.ceil_div(seen, p), to=FLOAT)
        pooled = {
            "last": top,
            "mean": e.op(
                "Div", e.op("Squeeze", total, axes(0)), e.op("Unsqueeze", counts, axes(1))
            ),
            "max": e.op("Squeeze", peak, axes(0)),
        }
        if readout.pooling == "concat":
            features = e.op("Concat", *(pooled[k] for k in ("last", "mean", "max")), axis=1)
        else:
            features = pooled[readout.pooling]
        composite = model._composite_model()
        weight = composite.weights.get("lstm", 1.0)
        raw = None
        if weight:
            raw = head(features)
            if weight != 1.0:
                raw = e.op("Mul", raw, e.const(float(weight)))
        if "patches" in shapes:  # the ridge on the last patches, in float64
            linear = dict(model._composite["parts"])["linear_steps"]
            size = linear["steps"] * p * D
            window = e.op("Reshape", e.op("Cast", patches, to=DOUBLE), axes(-1, size))
            base = e.op("MatMul", window, e.const(linear["coef"]))
            base = e.op("Add", base, e.const(linear["intercept"]))
            raw = base if raw is None else e.op("Add", raw, base)
    lead = [n_streams, 1] if model._per_step else [n_streams]
    if labels is None:  # a regressor: its targets, unscaled
        if model._y_mean is not None:
            raw = e.op("Add", e.op("Mul", raw, e.const(model._y_scale)), e.const(model._y_mean))
        e.op("Cast", raw, outputs=["variable"], to=FLOAT)
        answers = [("variable", FLOAT, [*lead, model.n_outputs_])]
    else:
        index = e.op("ArgMax", raw, axis=-1, keepdims=0)
        e.op("Gather", e.const(labels), index, outputs=["label"])
        e.op("Cast", e.op("Softmax", raw, axis=-1), outputs=["probabilities"], to=FLOAT)
        kind = labels.dtype.kind
        label_type = TensorProto.STRING if kind == "U" else np_dtype_to_tensor_dtype(labels.dtype)
        answers = [("label", label_type, lead), ("probabilities", FLOAT, [*lead, len(labels)])]
    for name in shapes:
        e.op("Identity", outputs[name], outputs=[f"{name}_out"])
    graph = helper.make_graph(
        g.nodes,
        f"sklstm_{type(model).__name__}_stream",
        [helper.make_tensor_value_info("X", FLOAT, [n_streams, 1, D])]
        + [helper.make_tensor_value_info(name, t, s) for name, (t, s) in shapes.items()],
        [helper.make_tensor_value_info(*a) for a in answers]
        + [helper.make_tensor_value_info(f"{name}_out", t, s) for name, (t, s) in shapes.items()],
        g.initializers,
    )
    opset = [helper.make_opsetid("", target_opset)]
    return helper.make_model_gen_version(graph, opset_imports=opset, producer_name="sklstm")
