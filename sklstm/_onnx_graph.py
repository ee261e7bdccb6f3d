"""The ONNX graph of a fitted estimator, node by node (:mod:`sklstm.onnx` registers it).

The graph follows prediction step by step: the inputs read as the network reads them
(steps, standardization, clipping, patches), each layer of the network, the ridge
regression's share, and the outputs. With a ``lengths`` input, padded steps are masked
wherever NumPy masks them, so a padded batch gives what each sequence gives alone.
ONNX Runtime's LSTM and Conv kernels take float32 only, so the network runs in float32
(a float64 model's weights are rounded to it); standardization and the ridge
regression run in float64, as they do in NumPy.
"""

import numpy as np
from onnx import TensorProto, numpy_helper
from onnx.helper import np_dtype_to_tensor_dtype

from ._onnx_kernels import kernel_features

__all__ = ["Emitter", "GraphBatch", "GraphInputs", "linear_base", "random_kernel_base"]

FLOAT, DOUBLE = TensorProto.FLOAT, TensorProto.DOUBLE
_LIMIT = float(np.sqrt(np.finfo(np.float32).max))  # inputs are clipped there, as in NumPy
# Permutations between the layouts the graph keeps a batch in: batch-major (NTC), channels
# first for Conv and MaxPool (NCT), step-major for LSTM (TNC).
_PERMS = {
    ("NTC", "NCT"): [0, 2, 1],
    ("NTC", "TNC"): [1, 0, 2],
    ("NCT", "NTC"): [0, 2, 1],
    ("NCT", "TNC"): [2, 0, 1],
    ("TNC", "NTC"): [1, 0, 2],
    ("TNC", "NCT"): [1, 2, 0],
}


class Emitter:
    """Adds nodes and constants to a graph that skl2onnx is building.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique names.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives nodes and initializers; its ``target_opset`` (13 or more) decides
        how reductions take their axes.
    """

    # Tensor types, for layers that cast (they do not import onnx).
    FLOAT, DOUBLE, INT32 = TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT32

    def __init__(self, scope, container):
        if container.target_opset < 13:
            raise ValueError(
                f"sklstm's ONNX converters need target_opset >= 13; got {container.target_opset}."
            )
        self.scope, self.container = scope, container

    def const(self, value, dtype=None):
        """Add ``value`` as an initializer and return its name."""
        array = np.asarray(value, dtype)
        name = self.scope.get_unique_variable_name("sklstm_const")
        if array.dtype.kind in "US":
            strings = [s.encode("utf-8") for s in array.astype(str).ravel()]
            self.container.add_initializer(name, TensorProto.STRING, list(array.shape), strings)
        else:
            tensor = numpy_helper.from_array(array)
            type_ = np_dtype_to_tensor_dtype(array.dtype)
            self.container.add_initializer(name, type_, list(array.shape), tensor)
        return name

    def op(self, op_type, *inputs, n_outputs=1, outputs=None, **attrs):
        """Add one node; return its output's name (a list of names when it has several)."""
        if outputs is None:
            seed = f"sklstm_{op_type.lower()}"
            outputs = [self.scope.get_unique_variable_name(seed) for _ in range(n_outputs)]
        name = self.scope.get_unique_operator_name(f"Sklstm{op_type}")
        self.container.add_node(op_type, list(inputs), outputs, name=name, **attrs)
        return outputs[0] if len(outputs) == 1 else outputs

    def reduce(self, op_type, x, axis):
        """``op_type`` (ReduceSum, ReduceMean, ReduceMax) over one axis, dropped."""
        if op_type == "ReduceSum" or self.container.target_opset >= 18:
            return self.op(op_type, x, self.const([axis], np.int64), keepdims=0)
        return self.op(op_type, x, axes=[axis], keepdims=0)

    def ceil_div(self, n, size):
        """``ceil(n / size)`` of a positive int64 tensor ``n`` and ``size``, a Python int
        or a positive int64 scalar tensor."""
        if isinstance(size, int):
            n = self.op("Add", n, self.const(size - 1, np.int64))
            return self.op("Div", n, self.const(size, np.int64))
        n = self.op("Sub", self.op("Add", n, size), self.const(1, np.int64))
        return self.op("Div", n, size)

    def dim(self, x, axis):
        """The length of ``x`` along ``axis``, as an int64 scalar."""
        return self.op("Gather", self.op("Shape", x), self.const(axis, np.int64))

    def step_mask(self, lengths, n_steps, layout):
        """True at real steps, shaped to broadcast against a batch in ``layout``."""
        steps = self.op("Range", self.const(0, np.int64), n_steps, self.const(1, np.int64))
        row = self.op("Unsqueeze", steps, self.const([0], np.int64))
        column = self.op("Unsqueeze", lengths, self.const([1], np.int64))
        mask = self.op("Less", row, column)  # (N, T)
        if layout == "TNC":
            mask = self.op("Transpose", mask, perm=[1, 0])
        axis = 1 if layout == "NCT" else 2
        return self.op("Unsqueeze", mask, self.const([axis], np.int64))


class GraphBatch:
    """A batch in the graph: its tensor, its layout, and its real steps (None: all).

    Layers read and replace ``x`` (moving it to the layout they need with :meth:`to`)
    and ``lengths``; an LSTM layer leaves its 'last' readout in ``last``.
    """

    def __init__(self, emitter, x, lengths, layout="NTC"):
        self.e, self.x, self.lengths, self.layout = emitter, x, lengths, layout
        self.last = None  # the 'last' readout, once an LSTM layer has run

    def to(self, layout):
        """The tensor, transposed to ``layout`` ('NTC', 'NCT' or 'TNC') if needed."""
        if layout != self.layout:
            self.x = self.e.op("Transpose", self.x, perm=_PERMS[self.layout, layout])
            self.layout = layout
        return self.x

    def n_steps(self):
        """The number of steps, as an int64 scalar."""
        return self.e.dim(self.x, self.layout.index("T"))

    def masked(self, fill):
        """The tensor with ``fill`` at padded steps (unchanged when none is padded)."""
        if self.lengths is None:
            return self.x
        mask = self.e.step_mask(self.lengths, self.n_steps(), self.layout)
        return self.e.op("Where", mask, self.x, self.e.const(fill, np.float32))


def _gather_steps(e, x, steps, n_features):
    """``x[n, steps[n, j]]`` of an NTC tensor, for per-sequence int64 ``steps (N, S)``."""
    index = e.op("Unsqueeze", steps, e.const([2], np.int64))
    index = e.op("Expand", index, e.const([1, 1, n_features], np.int64))
    return e.op("GatherElements", x, index, axis=1)


class GraphInputs:
    """The graph's input as each part of the model reads it (as
    :class:`sklstm._preprocessing.ModelInputs` does in NumPy).

    Parameters
    ----------
    e : Emitter
        The graph's emitter.
    model : LSTMRegressor or LSTMClassifier
        The fitted model.
    X : str
        The input's name: 2D (read as steps) or 3D, float32 or float64.
    rank : int
        2 or 3.
    lengths : str or None
        The ``lengths`` input's name; None when every sequence is full length.

    Attributes
    ----------
    standardized : str
        NTC float64 steps, standardized when the model standardizes.
    network : GraphBatch
        What the network reads: float32, clipped, in patches.
    lengths : str or None
        Real steps per sequence, clipped into ``[1, n_timesteps]``.
    dtype : str
        The model's dtype, in which the random kernels compute.
    """

    def __init__(self, e, model, X, rank, lengths):
        self.dtype = model._fitted_architecture["dtype"]
        self.standardized = _standardized_input(e, model, X, rank)
        if lengths is not None:
            # ONNX has no assertion to refuse a length outside 1..T with a clear message (its
            # runtimes fail inside an operator, or give NaN for 0), so the graph clips it, as
            # the docs say: a valid length is unchanged, and every length gives a prediction.
            lengths = e.op("Clip", lengths, e.const(1, np.int64), e.dim(self.standardized, 1))
        self.lengths = lengths
        self.network = _network_input(e, model, self.standardized, lengths)


def _standardized_input(e, model, X, rank):
    """The input as NTC float64 steps, standardized when the model standardizes."""
    x = e.op("Cast", X, to=DOUBLE)
    if rank == 2:
        x = e.op("Reshape", x, e.const([0, -1, model._step_features], np.int64))
        if model.newest_first:
            x = e.op("Slice", x, *(e.const([v], np.int64) for v in (-1, -(2**62), 1, -1)))
    if model._x_mean is not None:
        x = e.op("Div", e.op("Sub", x, e.const(model._x_mean)), e.const(model._x_scale))
    return x


def _network_input(e, model, x, lengths):
    """The standardized input as the network reads it: an NTC float32 batch after patching."""
    x = e.op("Clip", x, e.const(-_LIMIT, np.float64), e.const(_LIMIT, np.float64))
    x = e.op("Cast", x, to=FLOAT)
    size = model.patch_size_
    if size == 1:
        return GraphBatch(e, x, lengths)
    # Groups of steps ending at each sequence's last real step; the first group is
    # completed with copies of the first step (sklstm.core.join_steps).
    n_steps = e.dim(x, 1)
    span = e.op("Mul", e.ceil_div(n_steps, size), e.const(size, np.int64))
    j = e.op("Range", e.const(0, np.int64), span, e.const(1, np.int64))
    zero = e.const(0, np.int64)
    if lengths is None:
        source = e.op("Max", e.op("Sub", j, e.op("Sub", span, n_steps)), zero)
        joined, groups = e.op("Gather", x, source, axis=1), None
    else:
        groups = e.ceil_div(lengths, size)
        front = e.op("Sub", e.op("Mul", groups, e.const(size, np.int64)), lengths)
        source = e.op(
            "Sub",
            e.op("Unsqueeze", j, e.const([0], np.int64)),
            e.op("Unsqueeze", front, e.const([1], np.int64)),
        )
        last = e.op("Unsqueeze", e.op("Sub", lengths, e.const(1, np.int64)), e.const([1], np.int64))
        source = e.op("Min", e.op("Max", source, zero), last)
        joined = _gather_steps(e, x, source, model._step_features)
    joined = e.op("Reshape", joined, e.const([0, -1, size * model._step_features], np.int64))
    return GraphBatch(e, joined, groups)


def linear_base(e, batch, n_steps, coef, intercept):
    """The ridge regression on each sequence's last ``n_steps`` steps, in float64 (N, k)."""
    n_features = coef.shape[0] // n_steps
    x = batch.to("NTC")
    offsets = e.op("Range", e.const(0, np.int64), e.const(n_steps, np.int64), e.const(1, np.int64))
    ends = batch.n_steps() if batch.lengths is None else batch.lengths
    if batch.lengths is None:
        steps = e.op("Add", e.op("Sub", ends, e.const(n_steps, np.int64)), offsets)
        window = e.op("Gather", x, e.op("Max", steps, e.const(0, np.int64)), axis=1)
        real = e.op(
            "Unsqueeze",
            e.op("GreaterOrEqual", steps, e.const(0, np.int64)),
            e.const([0, 2], np.int64),
        )
    else:
        start = e.op("Sub", ends, e.const(n_steps, np.int64))
        steps = e.op("Add", e.op("Unsqueeze", start, e.const([1], np.int64)), offsets)
        window = _gather_steps(e, x, e.op("Max", steps, e.const(0, np.int64)), n_features)
        real = e.op(
            "Unsqueeze", e.op("GreaterOrEqual", steps, e.const(0, np.int64)), e.const([2], np.int64)
        )
    window = e.op("Where", real, window, e.const(0.0, np.float32))  # zeros before the start
    window = e.op(
        "Reshape", e.op("Cast", window, to=DOUBLE), e.const([0, n_steps * n_features], np.int64)
    )
    return e.op("Add", e.op("MatMul", window, e.const(coef)), e.const(intercept))


def random_kernel_base(e, base, dtype, x, lengths):
    """The random-kernel ridge's outputs ``(N, k)`` in float64: the classifier's log-odds,
    the regressor's scaled targets, for the fitted part's state ``base``, computed in
    ``dtype`` (the model's); the features are :func:`sklstm._onnx_kernels.kernel_features`."""
    # In the model's dtype, as in NumPy (ONNX Runtime has these operators in float64 too).
    dtype = np.dtype(dtype)
    x = e.op("Cast", x, to=np_dtype_to_tensor_dtype(dtype))
    limit = np.sqrt(np.finfo(dtype).max)  # as sklstm._preprocessing.kernel_input clips
    x = e.op("Clip", x, e.const(-limit, dtype), e.const(limit, dtype))
    features = kernel_features(e, base["kernels"], x, lengths, dtype)
    scores = e.op(
        "Add", e.op("MatMul", features, e.const(base["coef"])), e.const(base["intercept"])
    )
    return e.op("Mul", scores, e.const(float(base["scale"])))
