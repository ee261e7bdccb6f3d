"""A dense (fully connected) layer: the head that maps features to outputs."""

import numpy as np

from ._base import Layer, implements

__all__ = ["Dense"]


class Dense(Layer):
    """``Y = X @ W + b``, applied to each vector, or to each step of a sequence.

    Parameters are ``W (n_in, n_outputs)``, drawn Glorot-uniform (Glorot & Bengio
    2010), and ``b (n_outputs,)``, zero.

    Parameters
    ----------
    n_outputs : int
        Units of the output.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Dense
    >>> layer = Dense(2)
    >>> W, b = layer.init_params(3, np.random.default_rng(0), np.float64)
    >>> layer.forward([W, b], np.ones((5, 3)), None)[0].shape
    (5, 2)
    """

    n_params = 2

    def __init__(self, n_outputs):
        self.n_outputs = n_outputs

    @implements
    def init_params(self, n_in, random_state, dtype):
        """Draw ``W`` Glorot-uniform and set ``b`` to zero."""
        limit = np.sqrt(6.0 / (n_in + self.n_outputs))
        W = random_state.uniform(-limit, limit, (n_in, self.n_outputs))
        return [W.astype(dtype), np.zeros(self.n_outputs, dtype=dtype)]

    @implements
    def n_out(self, n_in):
        """Return the units of the output: ``n_outputs``."""
        return self.n_outputs

    @implements
    def penalised(self):
        """``W``, not ``b``."""
        return (True, False)

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        W, b = params
        return X @ W + b, lengths, X if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        W = params[0]
        X = cache
        dY_rows = dY.reshape(-1, self.n_outputs)
        dW = X.reshape(-1, X.shape[-1]).T @ dY_rows
        db = dY_rows.sum(axis=0)
        return (dY @ W.T if need_dX else None), [dW, db]

    @implements
    def to_onnx(self, e, batch, params):
        """Emit ``X @ W + b`` on each vector, or on each step (batch-major)."""
        if batch.layout != "NC":
            batch.to("NTC")
        W, b = (e.const(p.astype(np.float32)) for p in params)
        batch.x = e.op("Add", e.op("MatMul", batch.x, W), b)
