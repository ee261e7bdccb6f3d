"""A 1D convolution over time: each output step reads a window of input steps."""

import numpy as np

from ..core import conv1d_backward, conv1d_forward, init_conv1d_params
from ._base import Layer, implements

__all__ = ["Conv1D"]


class Conv1D(Layer):
    """``filters`` kernels of ``kernel_size`` steps, 'same' padding, stride 1.

    Parameters are ``W (kernel_size, n_in, filters)`` (He-uniform) and ``b (filters,)``;
    see :func:`sklstm.core.conv1d_forward`. Steps past a sequence's end read as zeros.

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size : int
        Steps each filter reads.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Conv1D
    >>> layer = Conv1D(8, 5)
    >>> params = layer.init_params(2, np.random.default_rng(0), np.float64)
    >>> layer.forward(params, np.ones((3, 10, 2)), None)[0].shape
    (3, 10, 8)
    """

    n_params = 2

    def __init__(self, filters, kernel_size):
        self.filters = filters
        self.kernel_size = kernel_size

    @implements
    def init_params(self, n_in, random_state, dtype):
        """Draw ``W`` He-uniform and set ``b`` to zero."""
        return list(init_conv1d_params(self.kernel_size, n_in, self.filters, random_state, dtype))

    @implements
    def n_out(self, n_in):
        """Return the channels of the output: ``filters``."""
        return self.filters

    @implements
    def penalised(self):
        """``W``, not ``b``."""
        return (True, False)

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        Y, cache = conv1d_forward(X, params[0], params[1], lengths)
        return Y, lengths, cache if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        dX, dW, db = conv1d_backward(dY, params[0], cache, need_dX)
        return dX, [dW, db]

    @implements
    def to_onnx(self, e, batch, params):
        """Emit ONNX's Conv over channels-first steps, steps past each end read as zeros."""
        W, b = params
        batch.to("NCT")
        x = batch.masked(0.0)
        left = (self.kernel_size - 1) // 2
        kernels = e.const(np.transpose(W, (2, 1, 0)).astype(np.float32))
        pads = [left, self.kernel_size - 1 - left]
        bias = e.const(b.astype(np.float32))
        batch.x = e.op("Conv", x, kernels, bias, kernel_shape=[self.kernel_size], pads=pads)
        batch.x = batch.masked(0.0)
