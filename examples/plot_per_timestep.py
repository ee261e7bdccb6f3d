"""
A target at every step
======================

With ``return_sequences=True`` the model predicts at every step, reading only the steps up to
it. Here each sequence is 12 hours (24 half-hours) of UK solar generation and the target at
each step is the next half-hour's value, so one sequence trains 24 one-step forecasts, each
from a different amount of history.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _data import load

from sklstm import LSTMRegressor

series = load("solar")["series"]
scale = series.max()
steps = 24
starts = np.arange(0, len(series) - steps - 1, 2)  # a new window every hour
X = np.stack([series[s : s + steps] for s in starts])[:, :, None] / scale
Y = np.stack([series[s + 1 : s + steps + 1] for s in starts]) / scale  # (n, 24)
split = int(0.8 * len(X))

model = LSTMRegressor(hidden_layer_sizes=(32,), return_sequences=True, random_state=0)
model.fit(X[:split], Y[:split])
print(f"R^2 over every step of the test windows: {model.score(X[split:], Y[split:]):.3f}")

# %%
# One test window: the forecast made at each step, against what came next.
k = split + 10
pred = model.predict(X[k : k + 1])[0]
hours = (starts[k] + np.arange(1, steps + 1)) / 2
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(hours, Y[k] * scale, color="black", marker=".", label="next half-hour (truth)")
ax.plot(hours, pred * scale, marker=".", label="forecast made at each step")
ax.set_xlabel("hours since 2021-05-01 00:00")
ax.set_ylabel("solar generation")
ax.legend()
fig.tight_layout()
plt.show()
