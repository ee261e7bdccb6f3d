"""
Forecasting a live stream
=========================

A model fitted offline often serves data that arrives one step at a time. Calling
``predict`` on everything seen so far after each new step reads the whole history again,
so each answer costs more than the last. ``model.stream()`` carries the LSTM's state
instead: each new step costs the same, and the answer is what ``predict`` gives on the
whole prefix.

Here the data is UK solar generation, half-hourly. The model has a target at every step
(``return_sequences=True``): after each half-hour it forecasts the next one, from every
step it has read. That is the natural live setting: a stream fed the series one step at a
time gives, after each step, the one-step-ahead forecast from the whole history. The model
trains on 36-hour windows (72 steps) of the first 80 % of the series, each step's target
the next value, so it learns to forecast from any amount of history up to 36 hours; the
last 20 % (29 hours) is then streamed. A stream needs a unidirectional LSTM and no
random-kernel base, so the model sets ``bidirectional=False`` and ``random_kernels=0``.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from _data import load

from sklstm import LSTMRegressor

series = load("solar")["series"]
split = int(0.8 * len(series))
train, live = series[:split], series[split:]
steps = 72
starts = np.arange(0, len(train) - steps)
X = np.stack([train[s : s + steps] for s in starts])[:, :, None]
Y = np.stack([train[s + 1 : s + steps + 1] for s in starts])  # the next value, every step

model = LSTMRegressor(
    hidden_layer_sizes=(32,),
    return_sequences=True,
    bidirectional=False,
    random_kernels=0,
    random_state=0,
)
start = time.perf_counter()
model.fit(X, Y)
print(f"fitted on {len(X)} windows of {steps} steps in {time.perf_counter() - start:.1f} s")

# %%
# Stream the held-back stretch one step at a time. After each step the stream answers the
# forecast of the next half-hour. For comparison, ``predict`` on the whole prefix seen so
# far gives the same forecast (its last step's), reading every step again. The stretch is 57
# steps, within the 72 the model trained on: a stream fed far longer than the training
# sequences asks the model about histories it never saw.
stream = model.stream()
x_live, y_live = live[:-1, None], live[1:]  # the last value is only a target
stream_pred, prefix_pred = [], []
stream_s, prefix_s = [], []
for t in range(len(x_live)):
    tic = time.perf_counter()
    stream_pred.append(stream.predict(x_live[t : t + 1])[0, 0])
    stream_s.append(time.perf_counter() - tic)
    tic = time.perf_counter()
    prefix_pred.append(model.predict(x_live[None, : t + 1])[0, -1])
    prefix_s.append(time.perf_counter() - tic)
stream_pred, prefix_pred = np.array(stream_pred), np.array(prefix_pred)

print(
    f"largest difference, stream vs predict on the prefix: "
    f"{np.abs(stream_pred - prefix_pred).max():.1e}"
)
print(
    f"per step, stream: {1e6 * np.median(stream_s):.0f} us; predict on the prefix: "
    f"{1e6 * np.median(prefix_s[:5]):.0f} us over the first 5 steps, "
    f"{1e6 * np.median(prefix_s[-5:]):.0f} us over the last 5"
)
rmse = np.sqrt(np.mean((stream_pred - y_live) ** 2))
naive = np.sqrt(np.mean((x_live[:, 0] - y_live) ** 2))
print(f"RMSE of the live forecasts: {rmse:.4f} (last value as forecast: {naive:.4f})")

# %%
# The stream's forecasts coincide with ``predict`` on each prefix, and follow the truth.
hours = (split + 1 + np.arange(len(y_live))) / 2  # each forecast's half-hour
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(hours, y_live, color="black", marker=".", label="truth (next half-hour)")
ax.plot(hours, stream_pred, linewidth=3, alpha=0.5, label="stream, one step at a time")
ax.plot(hours, prefix_pred, linestyle="--", label="predict on each prefix")
ax.set_xlabel("hours since 2021-05-01 00:00")
ax.set_ylabel("solar generation")
ax.legend()
fig.tight_layout()
plt.show()
