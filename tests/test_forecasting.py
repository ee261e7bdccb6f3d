"""Forecasting libraries run the estimators unchanged: sktime's reduction, skforecast's."""

import warnings

import numpy as np
import pandas as pd
import pytest
from skforecast.recursive import ForecasterRecursive
from sktime.forecasting.compose import make_reduction

from sklstm import LSTMRegressor

pytestmark = [
    pytest.mark.usefixtures("quiet_convergence"),
    # sktime 1.2 announces, each time it builds a forecaster, a default that 1.3 changes.
    pytest.mark.filterwarnings("ignore:The default of config:FutureWarning"),
]

SERIES = pd.Series(np.sin(np.arange(90) / 5.0) + 0.1 * np.random.RandomState(0).randn(90))
FAST = dict(hidden_layer_sizes=(8,), max_iter=15, random_state=0)


def sktime_forecast(**params):
    model = make_reduction(LSTMRegressor(**FAST, **params), window_length=10,
                           strategy="recursive")  # fmt: skip
    return model.fit(SERIES).predict(fh=np.arange(1, 7)).to_numpy()


def skforecast_forecast(**params):
    model = ForecasterRecursive(LSTMRegressor(**FAST, **params), lags=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skforecast's notices about the index
        model.fit(y=SERIES)
        return model.predict(steps=6).to_numpy()


def test_sktime_reduction_forecasts_several_steps():
    pred = sktime_forecast()
    assert pred.shape == (6,) and np.all(np.isfinite(pred))
    # The forecast follows the sine's next values better than its mean does.
    truth = np.sin(np.arange(90, 96) / 5.0)
    assert np.mean((pred - truth) ** 2) < np.mean((SERIES.mean() - truth) ** 2)


def test_skforecast_with_newest_first_forecasts_as_sktime_does():
    # skforecast's rows hold lag_1 first; read newest first, the LSTM sees the windows
    # sktime gives it, in time order, and fits the same model.
    np.testing.assert_array_equal(skforecast_forecast(newest_first=True), sktime_forecast())
    assert not np.array_equal(skforecast_forecast(), sktime_forecast())
