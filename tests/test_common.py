"""scikit-learn's own estimator checks, every one of them, none skipped or expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMClassifier, LSTMRegressor


@parametrize_with_checks([LSTMRegressor(), LSTMClassifier()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
