"""An LSTM layer, reading each sequence forward, or both ways."""

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
        H, cache = lstm_stack_forward(
            X, [self._directions(params)], lengths=lengths, keep_cache=keep_cache,
            workspace=workspace,
        )  # fmt: skip
        return H, lengths, cache

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        dX, grads = lstm_stack_backward(dY, cache, need_dX=need_dX, workspace=workspace)
        return dX, [g for direction in grads[0] for g in direction]
