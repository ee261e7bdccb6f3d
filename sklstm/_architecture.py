"""What the weights mean: the network an estimator's parameters describe, as a list of layers.

The architecture is fixed at the first fit (``warm_start`` and ``partial_fit`` continue the
same network), so that ``set_params`` afterwards cannot change what the weights mean.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np

from .layers import LSTM, Conv1D, Dense, Dropout, MaxPool1D, Readout, ReLU
from .network import Network

__all__ = ["Architecture", "build_network", "describe"]


class Architecture(NamedTuple):
    """The parameters that decide the shapes and meaning of the weights, resolved."""

    hidden: tuple
    bidirectional: bool
    pooling: str
    return_sequences: bool
    patch_size: object
    standardize: bool
    dtype: str
    linear_steps: object
    linear_alpha: object
    conv_filters: tuple
    conv_kernel_sizes: tuple
    conv_pool_size: int
    random_kernels: object = None  # the classifier's; absent from older fitted models


def _positive_ints(value, name, allow_empty=False):
    """``value`` (an int or a sequence of ints) as a tuple of positive ints."""
    values = [value] if isinstance(value, Integral) else list(value)
    # True is an Integral but not a count of units.
    if (not values and not allow_empty) or not all(
        isinstance(v, Integral) and not isinstance(v, bool | np.bool_) and v > 0 for v in values
    ):
        what = "a possibly empty" if allow_empty else "a non-empty"
        raise ValueError(
            f"{name} must be a positive integer or {what} sequence of positive integers; "
            f"got {value!r}."
        )
    return tuple(int(v) for v in values)


def describe(estimator):
    """The architecture an estimator's current parameters describe; clear errors if invalid."""
    filters = _positive_ints(estimator.conv_filters, "conv_filters", allow_empty=True)
    kernels = _positive_ints(estimator.conv_kernel_sizes, "conv_kernel_sizes")
    if filters and len(kernels) == 1:
        kernels = kernels * len(filters)
    elif filters and len(kernels) != len(filters):
        raise ValueError(
            f"conv_kernel_sizes={estimator.conv_kernel_sizes!r} gives {len(kernels)} kernel "
            f"sizes for {len(filters)} convolutions (conv_filters={estimator.conv_filters!r}); "
            "give one size for all, or one per convolution."
        )
    pool = estimator.conv_pool_size if filters else 1
    if estimator.return_sequences and pool > 1:
        raise ValueError(
            f"conv_pool_size={pool} shortens the sequences, so return_sequences=True cannot "
            "give one output per step. Use conv_pool_size=1 (or no convolutions)."
        )
    return Architecture(
        _positive_ints(estimator.hidden_layer_sizes, "hidden_layer_sizes"),
        estimator.bidirectional,
        estimator.pooling,
        estimator.return_sequences,
        estimator.patch_size,
        estimator.standardize,
        np.dtype(estimator.dtype).name,
        getattr(estimator, "linear_steps", None),
        getattr(estimator, "linear_alpha", None),
        filters,
        kernels if filters else (),
        pool,
        getattr(estimator, "random_kernels", None),
    )


def build_network(arch, n_outputs, dropout):
    """The layers, from the input upwards: the convolutional front end, LSTMs, readout, head."""
    layers = []
    for filters, kernel_size in zip(arch.conv_filters, arch.conv_kernel_sizes):
        # No normalisation between: layer norm over each step's channels erased the windows'
        # amplitude and cost accuracy (benchmarks/README.md, "Convolutional front end").
        layers += [Conv1D(filters, kernel_size), ReLU()]
        if arch.conv_pool_size > 1:
            layers.append(MaxPool1D(arch.conv_pool_size))
    for n_hidden in arch.hidden:
        layers.append(LSTM(n_hidden, arch.bidirectional))
        if dropout > 0:
            layers.append(Dropout(dropout))
    if not arch.return_sequences:
        layers.append(Readout(arch.pooling, backward_half=arch.bidirectional))
    layers.append(Dense(n_outputs))
    return Network(layers)
