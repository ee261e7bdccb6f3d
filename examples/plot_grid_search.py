"""
Tuning an LSTM in a Pipeline with GridSearchCV
==============================================

Next-month shampoo sales from the previous 6 months: a ``StandardScaler`` and an
``LSTMRegressor`` in one Pipeline, tuned over the hidden size and the L2 penalty ``alpha`` with
time-ordered cross-validation (``TimeSeriesSplit``). Every parameter of the estimator can be
tuned this way.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _data import load
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor

series = load("shampoo")["series"]
lags = 6
windows = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
X, y = windows[:, :-1], windows[:, -1]
y_mean, y_std = y.mean(), y.std()

pipe = make_pipeline(StandardScaler(), LSTMRegressor(max_iter=100, random_state=0))
grid = {
    "lstmregressor__hidden_layer_sizes": [(4,), (16,), (32,)],
    "lstmregressor__alpha": [1e-4, 1e-2, 1.0],
}
search = GridSearchCV(
    pipe, grid, cv=TimeSeriesSplit(n_splits=3), scoring="neg_root_mean_squared_error", n_jobs=2
)
search.fit(X, (y - y_mean) / y_std)
print("best:", search.best_params_)
print(f"best cross-validated RMSE: {-search.best_score_ * y_std:.1f} sales")

# %%
# Cross-validated RMSE of every candidate.
scores = -search.cv_results_["mean_test_score"].reshape(3, 3) * y_std
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis_r")
ax.set_xticks(range(3), [str(a) for a in grid["lstmregressor__alpha"]])
ax.set_yticks(range(3), [str(h) for h in grid["lstmregressor__hidden_layer_sizes"]])
ax.set_xlabel("alpha")
ax.set_ylabel("hidden_layer_sizes")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.0f}", ha="center", va="center", color="white")
fig.colorbar(image, label="cross-validated RMSE (sales)")
ax.set_title("GridSearchCV over an LSTM pipeline")
fig.tight_layout()
plt.show()
