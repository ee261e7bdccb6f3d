"""The layers a network is made of, one kind per module.

Each layer is a small object that holds its shape (never weights or state) and
offers ``init_params``, ``forward`` and ``backward`` over plain arrays; see
:class:`Layer` for the contract. A :class:`sklstm.network.Network` runs a list
of them. Adding a kind of layer means a new module here and one line where an
estimator lists its layers.
"""

from ._base import Layer
from ._conv import Conv1D
from ._dense import Dense
from ._dropout import Dropout
from ._lstm import LSTM
from ._pool import MaxPool1D
from ._readout import Readout
from ._relu import ReLU

__all__ = [
    "Conv1D",
    "Dense",
    "Dropout",
    "LSTM",
    "Layer",
    "MaxPool1D",
    "ReLU",
    "Readout",
]
