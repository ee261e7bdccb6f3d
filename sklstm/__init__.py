"""sklstm: LSTM models for scikit-learn, written in NumPy."""

from ._classifier import LSTMClassifier
from ._regressor import LSTMRegressor

__version__ = "0.1.0.dev0"

__all__ = ["LSTMClassifier", "LSTMRegressor"]
