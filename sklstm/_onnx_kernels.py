"""The random-kernel base's features as ONNX nodes (NumPy's: :mod:`sklstm.core._random_kernels`).

Exactness: a feature counts the steps where a kernel's output exceeds a bias, so an output
rounded otherwise than in NumPy can change it. Each output is therefore made of the float
additions ``_kernel_outputs`` makes, in its order and dtype: the nine shifted copies of what
the kernel reads summed from the first and negated, added to three times ``(a + b) + c`` of
its three weight-2 taps. Elementwise Add, Mul and Neg round as NumPy's ufuncs do; Pad,
Slice, Concat, Gather and Where only move values. What a kernel reads is the sum of its
channels, a MatMul with 0/1 weights as NumPy's ``X @ read`` is: exact with one or two
channels; with more, ONNX Runtime adds them in channel order and NumPy's BLAS in an order
of its own, which can differ in the last bit (as the graph did before this module). Counts
are float32 sums of zeros and ones, exact below 2**24 steps.

Speed (``benchmarks/bench_onnx_predict.py --tables kernels``, figures in its README): the
comparisons with the biases, ``(sequences, 84, biases, steps)`` a dilation, take nearly all
the time. They run in a Loop over blocks of a few sequences, so that each block's
comparisons stay in the caches and a batch's memory stays bounded (ragged sequences are
sorted by length, each block cut to its longest, as NumPy does).
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from .core._random_kernels import KERNEL_TAPS, N_KERNELS

__all__ = ["kernel_features"]

# Comparisons of one dilation in a Loop iteration, at most (but one sequence at least):
# measured on 512 sequences of 300 steps, 2**21 (4 sequences, 2 MB of bools) takes 0.43 s,
# 2**20 0.51 s (more iterations), 2**24 (NumPy's blocks) 0.65 s, no Loop 0.65-0.78 s and
# 1.5 GB.
_BLOCK_VALUES = 2**21


class _Body:
    """Nodes and initializers of a Loop's body, named in the converter's scope.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique names.
    """

    def __init__(self, scope):
        self.scope, self.nodes, self.initializers = scope, [], []

    def const(self, value, dtype=None):
        """Add ``value`` as an initializer of the body and return its name."""
        name = self.scope.get_unique_variable_name("sklstm_const")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def op(self, op_type, *inputs, n_outputs=1, **attrs):
        """Add one node; return its output's name (a list of names when it has several)."""
        seed = f"sklstm_{op_type.lower()}"
        outputs = [self.scope.get_unique_variable_name(seed) for _ in range(n_outputs)]
        name = self.scope.get_unique_operator_name(f"Sklstm{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, name=name, **attrs))
        return outputs[0] if n_outputs == 1 else outputs


def _ints(e, *values):
    return e.const(list(values), np.int64)


def kernel_features(e, kernels, x, lengths, dtype):
    """The random-kernel features of a batch, as :func:`sklstm.core.random_kernel_features`.

    Parameters
    ----------
    e : sklstm._onnx_graph.Emitter
        Adds the nodes.
    kernels : dict
        The fields of :class:`sklstm.core.RandomKernels`.
    x : str
        The standardized input ``(N, T, D)``, cast to ``dtype`` and clipped as
        :func:`sklstm._preprocessing.kernel_input` makes it.
    lengths : str or None
        Real steps per sequence (int64, ``(N,)``); None when none is padded.
    dtype : dtype
        The model's dtype, which the kernels' outputs and comparisons run in.

    Returns
    -------
    str
        The ``(N, n_features)`` float64 proportions: dilation by dilation, kernel by
        kernel, bias by bias.
    """
    n, n_steps = e.dim(x, 0), e.dim(x, 1)
    one = e.const(1, np.int64)
    # As many sequences a block as keep its comparisons under _BLOCK_VALUES, spread evenly
    # over the fewest blocks, so that padding the batch to whole blocks adds few rows.
    widest = N_KERNELS * int(np.max(kernels["bias_counts"]))
    most = e.op("Max", e.op("Div", e.const(_BLOCK_VALUES // widest, np.int64), n_steps), one)
    trips = e.op("Max", e.ceil_div(n, most), one)
    rows = e.ceil_div(n, trips)
    extra = e.op("Unsqueeze", e.op("Sub", e.op("Mul", trips, rows), n), _ints(e, 0))
    if lengths is None:
        counts = _loop(e, kernels, x, None, trips, rows, extra, dtype)
        steps = e.op("Cast", n_steps, to=TensorProto.DOUBLE)
    else:
        # Shortest first, so that each block can be cut to its longest sequence.
        k = e.op("Unsqueeze", n, _ints(e, 0))
        ordered, order = e.op("TopK", lengths, k, n_outputs=2, largest=0, sorted=1)
        rows_x = e.op("Gather", x, order, axis=0)
        # Padding rows as long as the longest, so that the last block keeps every step.
        ordered = e.op("Pad", ordered, e.op("Concat", _ints(e, 0), extra, axis=0), n_steps)
        counts = _loop(e, kernels, rows_x, ordered, trips, rows, extra, dtype)
        # Back in the batch's order: the sorted batch's row j is row order[j].
        inverse = e.op("TopK", order, k, n_outputs=2, largest=0, sorted=1)[1]
        counts = e.op("Gather", counts, inverse, axis=0)
        steps = e.op("Unsqueeze", e.op("Cast", lengths, to=TensorProto.DOUBLE), _ints(e, 1))
    return e.op("Div", e.op("Cast", counts, to=TensorProto.DOUBLE), steps)


def _loop(e, kernels, x, lengths, trips, rows, extra, dtype):
    """Counts ``(N, n_features)`` float32 of ``x`` padded with ``extra`` rows, in ``trips``
    blocks of ``rows`` sequences (``lengths``, if not None, ascending and padded)."""
    n = e.op("Unsqueeze", e.dim(x, 0), _ints(e, 0))
    x = e.op("Pad", x, e.op("Concat", _ints(e, 0, 0, 0), extra, _ints(e, 0, 0), axis=0))
    body = _Body(e.scope)
    i, going = (e.scope.get_unique_variable_name(s) for s in ("sklstm_i", "sklstm_cond"))
    start = body.op("Unsqueeze", body.op("Mul", i, rows), _ints(body, 0))
    end = body.op("Add", start, e.op("Unsqueeze", rows, _ints(e, 0)))
    block = body.op("Slice", x, start, end, _ints(body, 0))
    block_lengths = None
    if lengths is not None:
        block_lengths = body.op("Slice", lengths, start, end, _ints(body, 0))
        longest = body.op("Gather", lengths, body.op("Sub", end, _ints(body, 1)))
        block = body.op("Slice", block, _ints(body, 0), longest, _ints(body, 1))
    counts = _block_counts(body, kernels, block, block_lengths, np.dtype(dtype))
    n_features = N_KERNELS * int(np.sum(kernels["bias_counts"]))
    value = helper.make_tensor_value_info
    graph = helper.make_graph(
        body.nodes,
        "sklstm_kernel_block",
        [value(i, TensorProto.INT64, []), value(going, TensorProto.BOOL, [])],
        [
            value(body.op("Identity", going), TensorProto.BOOL, []),
            value(counts, TensorProto.FLOAT, [None, n_features]),
        ],
        body.initializers,
    )
    counts = e.op("Loop", trips, e.const(True), body=graph)  # (trips, rows, n_features)
    counts = e.op("Reshape", counts, _ints(e, -1, n_features))
    return e.op("Slice", counts, _ints(e, 0), n, _ints(e, 0))


def _block_counts(e, kernels, x, lengths, dtype):
    """Steps above each bias ``(B, n_features)``, float32, of a block ``x (B, T, D)``."""
    if lengths is not None:
        n_steps = e.op("Gather", e.op("Shape", x), e.const(1, np.int64))
        steps = e.op("Range", e.const(0, np.int64), n_steps, e.const(1, np.int64))
        real = e.op(
            "Less", e.op("Unsqueeze", steps, _ints(e, 0)), e.op("Unsqueeze", lengths, _ints(e, 1))
        )
        x = e.op("Where", e.op("Unsqueeze", real, _ints(e, 2)), x, e.const(0.0, dtype))
        # -inf at padded steps, never above a bias (NumPy's too); adding 0 changes no output.
        real = e.op("Unsqueeze", real, _ints(e, 1))
        fill = e.op("Where", real, e.const(0.0, dtype), e.const(-np.inf, dtype))
    counts, first = [], 0
    for dilation, channels, count in zip(
        kernels["dilations"], kernels["channels"], kernels["bias_counts"]
    ):
        out = _outputs(e, x, int(dilation), channels, dtype)
        if lengths is not None:
            out = e.op("Add", out, fill)
        biases = kernels["biases"][first : first + N_KERNELS * count]
        first += N_KERNELS * count
        biases = e.const(biases.reshape(N_KERNELS, count, 1).astype(dtype))
        above = e.op("Greater", e.op("Unsqueeze", out, _ints(e, 2)), biases)
        # Summed as float32, half of float64's time; int32 and MatMulInteger were slower.
        above = e.op("Cast", above, to=TensorProto.FLOAT)
        total = e.op("ReduceSum", above, _ints(e, 3), keepdims=0)
        counts.append(e.op("Reshape", total, _ints(e, 0, -1)))
    return e.op("Concat", *counts, axis=1) if len(counts) > 1 else counts[0]


def _outputs(e, x, dilation, channels, dtype):
    """The 84 kernels' outputs ``(B, 84, T)`` at one dilation, added as NumPy adds them."""
    # Kernels that read the same channels share their nine shifted copies.
    reads, group = np.unique(channels.T, axis=0, return_inverse=True)
    group, n_reads = group.ravel(), len(reads)
    if channels.shape[0] > 1:
        x = e.op("MatMul", x, e.const(reads.T.astype(dtype)))
    d = dilation
    wide = e.op("Pad", e.op("Transpose", x, perm=[0, 2, 1]), _ints(e, 0, 0, 4 * d, 0, 0, 4 * d))
    # Copy j: from step j * d of the zero-padded rows to (8 - j) * d before their end.
    taps = [
        e.op("Slice", wide, _ints(e, j * d), _ints(e, (j - 8) * d if j < 8 else 2**62), _ints(e, 2))
        for j in range(9)
    ]
    total = taps[0]
    for tap in taps[1:]:
        total = e.op("Add", total, tap)
    minus_all = e.op("Neg", total)
    if n_reads > 1:
        minus_all = e.op("Gather", minus_all, e.const(group, np.int64), axis=1)
    # The copies side by side (copy j of read g at j * n_reads + g), so that a kernel's taps
    # are Gathers of whole rows (Gathers of single values took about half of the time).
    stacked = e.op("Concat", *taps, axis=1)
    a, b, c = (
        e.op("Gather", stacked, e.const(KERNEL_TAPS[:, k] * n_reads + group, np.int64), axis=1)
        for k in range(3)
    )
    three = e.op("Mul", e.op("Add", e.op("Add", a, b), c), e.const(3.0, dtype))
    return e.op("Add", three, minus_all)
