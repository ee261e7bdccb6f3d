"""
Sequences of different lengths
===============================

US quarterly percentage changes, 1970-2016: consumption, income, production, savings and
unemployment. Each sample is a history of between 4 and 16 quarters of all five series, and the
target is the next quarter's change in consumption. The histories are a plain Python list of
``(n_quarters, 5)`` arrays: sklstm pads them inside and masks the padding, so the model never
sees it, and a short history gives what it gives on its own (to float32 rounding).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _data import load

from sklstm import LSTMRegressor

data = load("uschange")
series, columns = data["series"], list(data["columns"])
consumption = series[:, columns.index("Consumption")]
mean, std = series.mean(axis=0), series.std(axis=0)
scaled = (series - mean) / std

rng = np.random.RandomState(0)
X, y, ends = [], [], []
for end in range(16, len(series)):
    length = rng.randint(4, 17)
    X.append(scaled[end - length : end])  # (length, 5)
    y.append(consumption[end])
    ends.append(end)
y, ends = np.array(y), np.array(ends)
split = int(0.8 * len(X))
print("history lengths:", sorted({len(x) for x in X}))

# About 140 short histories: regularise (dropout on the LSTM's outputs, a strong L2 penalty),
# or the model learns the noise.
params = dict(hidden_layer_sizes=(16,), dropout=0.3, alpha=1.0, random_state=0)
model = LSTMRegressor(**params).fit(X[:split], y[:split])
print("default model:", model.blend_weights_)

# %%
# By default a ridge on the last quarters is fitted beside the LSTM, and the LSTM's weight is
# chosen on held-out histories. Here they do not show its help, so the fitted model is the
# ridge alone. To see the LSTM read the histories, fit it alone.
lstm = LSTMRegressor(linear_steps=0, **params).fit(X[:split], y[:split])
naive = np.sqrt(np.mean((y[:split].mean() - y[split:]) ** 2))
print(f"predicting the training mean: test RMSE {naive:.3f}")
for name, fitted in [("default (the ridge)", model), ("LSTM alone", lstm)]:
    rmse = np.sqrt(np.mean((fitted.predict(X[split:]) - y[split:]) ** 2))
    print(f"{name}: test RMSE {rmse:.3f}")

# %%
# The same history alone, or in a batch with longer ones, gives the same prediction: the
# padding is masked, and the two differ only by float32 rounding.
pred = lstm.predict(X[split:])
alone = lstm.predict([X[split]])[0]
print(f"in the batch: {pred[0]:.6f}  alone: {alone:.6f}  difference: {abs(pred[0] - alone):.1e}")

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
quarter = 1970 + ends[split:] / 4
ax.plot(quarter, y[split:], color="black", marker=".", label="truth")
ax.plot(quarter, model.predict(X[split:]), marker=".", label="default (the ridge)")
ax.plot(quarter, pred, marker=".", label="LSTM alone on variable-length histories")
ax.set_xlabel("year")
ax.set_ylabel("consumption, % change")
ax.legend()
fig.tight_layout()
plt.show()
