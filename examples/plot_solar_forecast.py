"""
Forecasting solar generation one step ahead
===========================================

UK solar generation, half-hourly over six days. Each training sequence is the last 12 hours
(24 steps) of the series; the target is the next half-hour. The first 80 % of the series
trains, the last 20 % tests, in time order. A ``StandardScaler`` in a Pipeline scales the
windows, and ``RidgeCV`` on the same windows is the baseline.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _data import load
from sklearn.linear_model import RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor

series = load("solar")["series"]
lags = 24
windows = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
X, y = windows[:, :-1], windows[:, -1]  # 2D X: each row read as 24 steps of one feature
split = int(0.8 * len(X))
X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]

# %%
# Fit the LSTM and the linear baseline on the same windows.
lstm = make_pipeline(StandardScaler(), LSTMRegressor(random_state=0)).fit(X_train, y_train)
ridge = make_pipeline(StandardScaler(), RidgeCV()).fit(X_train, y_train)
for name, model in [("LSTM", lstm), ("RidgeCV", ridge)]:
    rmse = root_mean_squared_error(y_test, model.predict(X_test))
    print(f"{name:8} test RMSE {rmse:.4f}")

# %%
# The forecast against the truth over the test period.
fig, ax = plt.subplots(figsize=(8, 3.5))
t = np.arange(split + lags, len(series)) / 2  # hours since the start
ax.plot(t, y_test, color="black", label="truth")
ax.plot(t, lstm.predict(X_test), label="LSTM forecast")
ax.plot(t, ridge.predict(X_test), linestyle="--", label="RidgeCV forecast")
ax.set_xlabel("hours since 2021-05-01 00:00")
ax.set_ylabel("solar generation")
ax.legend()
fig.tight_layout()
plt.show()
