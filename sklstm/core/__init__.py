"""The numerical core of sklstm: plain functions over NumPy arrays.

Nothing here knows about estimators. Shapes follow one convention:
``X`` is ``(n_samples, n_timesteps, n_features)``, weights are fused over the
four gates in the order input, forget, cell candidate, output (i, f, g, o):
``Wx (n_features, 4 * n_hidden)``, ``Wh (n_hidden, 4 * n_hidden)``,
``b (4 * n_hidden,)``.
"""

from ._activations import log_softmax, sigmoid, softmax
from ._conv import (
    conv1d_backward,
    conv1d_forward,
    init_conv1d_params,
    max_pool_backward,
    max_pool_forward,
)
from ._init import init_lstm_params
from ._lstm import LSTMCache, fold_lstm_weights, lstm_backward, lstm_forward, lstm_step
from ._pooling import pool_backward, pool_forward
from ._random_kernels import RandomKernels, fit_random_kernels, random_kernel_features
from ._sequences import (
    Sequences,
    are_sliding_windows,
    join_steps,
    last_steps,
    last_window,
    pad_sequences,
    resolve_lengths,
    reverse_sequences,
    step_mask,
    take_sequences,
)
from ._stack import StackCache, init_lstm_stack, lstm_stack_backward, lstm_stack_forward
from ._workspace import Workspace

__all__ = [
    "LSTMCache",
    "RandomKernels",
    "Sequences",
    "StackCache",
    "Workspace",
    "are_sliding_windows",
    "conv1d_backward",
    "conv1d_forward",
    "fit_random_kernels",
    "fold_lstm_weights",
    "init_conv1d_params",
    "init_lstm_params",
    "init_lstm_stack",
    "join_steps",
    "last_steps",
    "last_window",
    "log_softmax",
    "lstm_backward",
    "lstm_forward",
    "lstm_stack_backward",
    "lstm_stack_forward",
    "lstm_step",
    "max_pool_backward",
    "max_pool_forward",
    "pad_sequences",
    "pool_backward",
    "pool_forward",
    "random_kernel_features",
    "resolve_lengths",
    "reverse_sequences",
    "sigmoid",
    "softmax",
    "step_mask",
    "take_sequences",
]
