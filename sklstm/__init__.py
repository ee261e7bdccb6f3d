"""sklstm: LSTM models for scikit-learn, written in NumPy."""

__version__ = "0.1.0.dev0"
