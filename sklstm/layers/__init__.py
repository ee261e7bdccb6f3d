"""The layers a network is made of, one kind per module.

Each layer is a small object that holds its shape (never weights or state) and
offers ``init_params``, ``forward`` and ``backward`` over plain arrays; see
:class:`Layer` for the contract. A :class:`sklstm.network.Network` runs a list
of them. Adding a kind of layer means a new module here and one line where an
estimator lists its layers.
"""

from ._base import Layer
from ._dense import Dense
from ._dropout import Dropout
from ._lstm import LSTM
from ._readout import Readout

__all__ = ["Dense", "Dropout", "LSTM", "Layer", "Readout"]
