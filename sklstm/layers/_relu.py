"""The rectifier, ``max(x, 0)``, applied to every value."""

import numpy as np

from ._base import Layer, implements

__all__ = ["ReLU"]


class ReLU(Layer):
    """``Y = max(X, 0)``; zero stays zero, so padded steps stay padded.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import ReLU
    >>> ReLU().forward([], np.array([[-1.0, 2.0]]), None)[0].tolist()
    [[0.0, 2.0]]
    """

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        Y = np.maximum(X, 0.0, dtype=X.dtype)
        return Y, lengths, (Y > 0) if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        return dY * cache, []

    @implements
    def to_onnx(self, e, batch, params):
        """Emit ONNX's Relu."""
        batch.x = e.op("Relu", batch.x)
