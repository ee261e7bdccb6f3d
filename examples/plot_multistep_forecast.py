"""
A year ahead with skforecast and sktime
=======================================

Forecasting libraries turn a series into windows of its past values and hand them to any
scikit-learn regressor; predicting one step at a time and feeding each prediction back
("recursive" forecasting) reaches as far ahead as needed. ``LSTMRegressor`` goes in
unchanged: sktime's ``make_reduction`` gives it each window oldest value first, as it reads
a 2D row by default; skforecast's ``ForecasterRecursive`` puts the newest lag first
(``lag_1``), so the LSTM is told ``newest_first=True`` and still reads forward in time. The
two then make the same forecast.

The series: monthly corticosteroid drug subsidies in Australia, 1991-2008 (``h02``); the last
12 months are held out.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _data import load
from skforecast.recursive import ForecasterRecursive
from sklearn.metrics import root_mean_squared_error
from sktime.forecasting.compose import make_reduction

from sklstm import LSTMRegressor

warnings.filterwarnings("ignore", module="skforecast")  # its notices about the index
warnings.filterwarnings("ignore", "The default of config", FutureWarning)  # sktime 1.2
series = pd.Series(load("h02")["series"], name="h02")
train, test = series.iloc[:-12], series.iloc[-12:]
lags = 24

# %%
# skforecast: lag columns newest first.
skforecast_model = ForecasterRecursive(LSTMRegressor(newest_first=True, random_state=0), lags=lags)
skforecast_model.fit(y=train)
skforecast_pred = skforecast_model.predict(steps=12).to_numpy()

# %%
# sktime: windows oldest first, the LSTM's default reading.
sktime_model = make_reduction(
    LSTMRegressor(random_state=0), window_length=lags, strategy="recursive"
)
sktime_model.fit(train.reset_index(drop=True))
sktime_pred = sktime_model.predict(fh=np.arange(1, 13)).to_numpy()

# %%
# The same model read the same way gives the same forecast; the seasonal naive forecast
# (the same month a year before) is the baseline.
naive = train.iloc[-12:].to_numpy()
print(f"skforecast and sktime agree: {np.allclose(skforecast_pred, sktime_pred)}")
for name, pred in [("LSTM", sktime_pred), ("seasonal naive", naive)]:
    print(f"{name:15} RMSE over the held-out year {root_mean_squared_error(test, pred):.4f}")

fig, ax = plt.subplots(figsize=(8, 3.5))
months = np.arange(len(series))
ax.plot(months[-60:], series.iloc[-60:], color="black", label="h02")
ax.plot(months[-12:], sktime_pred, label="LSTM, recursive")
ax.plot(months[-12:], naive, linestyle="--", label="seasonal naive")
ax.set_xlabel("months since July 1991")
ax.set_ylabel("subsidy (million scripts)")
ax.legend()
fig.tight_layout()
plt.show()
