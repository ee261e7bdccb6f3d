"""
Regression on spectra: the random-kernel base beside the ridge
==============================================================

Tecator: near-infrared absorbance spectra of 215 meat samples (100 wavelengths, read here
as 100 steps) and each sample's fat content. sktime ships the data with its official split.
``LSTMRegressor`` fits a ridge regression on the last steps first and an LSTM on what it
leaves; on sequences of 100 steps or more it also fits a ridge on thousands of fixed random
convolutional kernels (``random_kernels``, MiniRocket's, Dempster et al. 2021), which read
local shapes of the spectrum wherever they are. The two ridges are blended by their
leave-one-out errors (``kernel_weight_``).
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.linear_model import RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sktime.datasets import load_tecator

from sklstm import LSTMRegressor

# sktime's layout is (samples, features, steps); sklstm's is (samples, steps, features).
X_train, y_train = load_tecator(split="train", return_type="numpy3D")
X_test, y_test = load_tecator(split="test", return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
y_train, y_test = y_train.astype(float), y_test.astype(float)
print(f"{len(X_train)} training and {len(X_test)} test spectra of {X_train.shape[1]} steps")

# %%
# The defaults, the regressor without the base (``random_kernels=0``), and ``RidgeCV`` on
# the standardized spectra, the first thing to try:
models = {
    "defaults (random-kernel base)": LSTMRegressor(random_state=0),
    "without the base (random_kernels=0)": LSTMRegressor(random_kernels=0, random_state=0),
    "RidgeCV": make_pipeline(StandardScaler(), RidgeCV()),
}
predictions = {}
for name, model in models.items():
    start = time.perf_counter()
    flat = name == "RidgeCV"
    model.fit(X_train[:, :, 0] if flat else X_train, y_train)
    predictions[name] = model.predict(X_test[:, :, 0] if flat else X_test)
    seconds = time.perf_counter() - start
    rmse = root_mean_squared_error(y_test, predictions[name])
    print(f"{name}: test RMSE {rmse:.2f} (fat %), fit + predict {seconds:.1f} s")

model = models["defaults (random-kernel base)"]
print(
    f"the base: {model.random_kernels_} features, the kernels' share of the linear part "
    f"{model.kernel_weight_:.2f}, the LSTM's weight {model.network_weight_:.2f}"
)

# %%
# Predicted against measured fat content on the test samples:
fig, ax = plt.subplots(figsize=(5, 5))
for name in ("defaults (random-kernel base)", "RidgeCV"):
    ax.scatter(y_test, predictions[name], s=14, label=name)
limits = [y_test.min() - 2, y_test.max() + 2]
ax.plot(limits, limits, color="grey", lw=1)
ax.set_xlabel("measured fat (%)")
ax.set_ylabel("predicted fat (%)")
ax.set_title("Tecator test samples")
ax.legend()
plt.show()
