"""sklstm: LSTM models for scikit-learn, written in NumPy."""

from ._classifier import LSTMClassifier
from ._regressor import LSTMRegressor
from ._stream import ClassifierStream, Stream

__version__ = "0.1.0.dev0"

# The types a fitted model holds that skops does not trust by default: the estimators
# themselves (their fitted state is NumPy arrays and Python builtins). Pass them to
# skops.io.load(file, trusted=sklstm.TRUSTED_TYPES), or to MLflow's
# mlflow.sklearn.save_model(..., skops_trusted_types=sklstm.TRUSTED_TYPES).
TRUSTED_TYPES = [f"{cls.__module__}.{cls.__qualname__}" for cls in (LSTMClassifier, LSTMRegressor)]

__all__ = ["ClassifierStream", "LSTMClassifier", "LSTMRegressor", "Stream", "TRUSTED_TYPES"]
