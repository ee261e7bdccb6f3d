"""An LSTM layer, reading each sequence forward, or both ways."""

import numpy as np

from ..core import init_lstm_stack, lstm_stack_backward, lstm_stack_forward
from ._base import Layer, implements

__all__ = ["LSTM"]


class LSTM(Layer):
    """One LSTM layer, unidirectional or bidirectional.

    Parameters are ``Wx, Wh, b`` for each direction (gate blocks i, f, g, o), as
    :func:`sklstm.core.init_lstm_params` lays them out. The output at each step
    is the hidden state, ``[forward, backward]`` for a bidirectional layer; zero
    at padded steps.

    Parameters
    ----------
    n_hidden : int
        Units per direction.
    bidirectional : bool, default=False
        Whether the layer also reads each sequence backward, from its own last
        real step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import LSTM
    >>> layer = LSTM(4, bidirectional=True)
    >>> params = layer.init_params(3, np.random.default_rng(0), np.float64)
    >>> H, lengths, cache = layer.forward(params, np.ones((2, 5, 3)), None)
    >>> len(params), H.shape
    (6, (2, 5, 8))
    """

    def __init__(self, n_hidden, bidirectional=False):
        self.n_hidden = n_hidden
        self.n_directions = 2 if bidirectional else 1
        self.n_params = 3 * self.n_directions
        self.state_units = n_hidden

    @implements
    def init_params(self, n_in, random_state, dtype):
        """Draw ``Wx, Wh, b`` per direction with :func:`sklstm.core.init_lstm_params`."""
        (directions,) = init_lstm_stack(
            n_in, [self.n_hidden], random_state, self.n_directions == 2, dtype
        )
        return [p for direction in directions for p in direction]

    @implements
    def n_out(self, n_in):
        """Return the units of the output: ``n_hidden`` per direction."""
        return self.n_directions * self.n_hidden

    @implements
    def penalised(self):
        """``Wx`` and ``Wh`` of each direction, not ``b``."""
        return (True, True, False) * self.n_directions

    def _directions(self, params):
        return [tuple(params[3 * d : 3 * d + 3]) for d in range(self.n_directions)]

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        stack = [self._directions(params)]
        H, cache = lstm_stack_forward(
            X, stack, lengths=lengths, keep_cache=keep_cache, workspace=workspace
        )
        return H, lengths, cache

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        dX, grads = lstm_stack_backward(dY, cache, need_dX=need_dX, workspace=workspace)
        return dX, [g for direction in grads[0] for g in direction]

    @implements
    def to_onnx(self, e, batch, params):
        """Emit ONNX's LSTM over step-major input, with each sequence's real steps."""
        W, R, B = (e.const(A) for A in onnx_weights(self._directions(params)))
        inputs = [batch.to("TNC"), W, R, B]
        if batch.lengths is not None:
            inputs.append(e.op("Cast", batch.lengths, to=e.INT32))
        direction = "bidirectional" if self.n_directions == 2 else "forward"
        Y, Y_h = e.op("LSTM", *inputs, n_outputs=2, hidden_size=self.n_hidden, direction=direction)
        # Y is (T, directions, N, H): each step's states side by side, forward then backward.
        Y = e.op("Transpose", Y, perm=[0, 2, 1, 3])
        batch.x = e.op("Reshape", Y, e.const([0, 0, -1], np.int64))
        # Y_h holds the forward state at each sequence's last real step and the backward
        # state at step 0: the 'last' readout.
        Y_h = e.op("Transpose", Y_h, perm=[1, 0, 2])
        batch.last = e.op("Reshape", Y_h, e.const([0, -1], np.int64))


def onnx_weights(directions):
    """ONNX's ``W, R, B`` from sklstm's ``(Wx, Wh, b)`` per direction.

    sklstm keeps gate blocks i, f, g, o in columns (``x @ Wx``); ONNX keeps i, o, f, c in
    rows (``W @ x``) and two biases, the second zero here.

    Parameters
    ----------
    directions : list of tuple of ndarray
        ``(Wx, Wh, b)`` of each direction.

    Returns
    -------
    W, R, B : ndarray of float32
        ONNX's input weights, recurrent weights and biases.
    """
    n_hidden = directions[0][1].shape[0]
    blocks = [slice(k * n_hidden, (k + 1) * n_hidden) for k in (0, 3, 1, 2)]

    def rows(A):
        return np.concatenate([A[..., block] for block in blocks], axis=-1).T

    W = np.stack([rows(Wx) for Wx, _, _ in directions])
    R = np.stack([rows(Wh) for _, Wh, _ in directions])
    B = np.stack([np.concatenate([rows(b), np.zeros(4 * n_hidden)]) for _, _, b in directions])
    return [A.astype(np.float32) for A in (W, R, B)]
