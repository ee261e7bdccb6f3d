"""
Saving and loading a model
==========================

A fitted model saves with ``joblib`` (pickle) and, for loading without trusting arbitrary
code, with ``skops``: the only types it must be told to trust are sklstm's estimators, listed
in ``sklstm.TRUSTED_TYPES``. Both reloaded models predict exactly what the original predicts.
The data are UCR Chinatown days (weekday or weekend), standardised with the training days'
mean and spread.

Loading a joblib or pickle file can run arbitrary code: load only files you trust, such as
those you saved yourself. For a file from anywhere else, use skops, which refuses types it has
not been told to trust.
"""

# %%
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import skops.io as sio
from _data import load

import sklstm
from sklstm import LSTMClassifier

data = load("Chinatown_small")
X_train, y_train, X_test = data["X_train"], data["y_train"], data["X_test"]
mean, std = X_train.mean(), X_train.std()
model = LSTMClassifier(random_state=0).fit((X_train - mean) / std, y_train)
X_new = (X_test - mean) / std

folder = Path(tempfile.mkdtemp())
joblib.dump(model, folder / "model.joblib")
sio.dump(model, folder / "model.skops")

from_joblib = joblib.load(folder / "model.joblib")  # only for files you trust
print("skops asks to trust:", sio.get_untrusted_types(file=folder / "model.skops"))
from_skops = sio.load(folder / "model.skops", trusted=sklstm.TRUSTED_TYPES)

original = model.predict_proba(X_new)
for name, loaded in [("joblib", from_joblib), ("skops", from_skops)]:
    same = np.array_equal(loaded.predict_proba(X_new), original)
    print(f"{name}: identical probabilities: {same}")

# %%
# Probability of class "1" for each test day (the days with late-night crowds: weekends),
# from the three models: the points coincide.
fig, ax = plt.subplots(figsize=(7, 3.5))
days = np.arange(len(X_new))
column = list(model.classes_).index("1")
ax.plot(days, original[:, column], "o", markersize=10, label="fitted model")
ax.plot(days, from_joblib.predict_proba(X_new)[:, column], "s", label="loaded with joblib")
ax.plot(
    days, from_skops.predict_proba(X_new)[:, column], "x", color="black", label="loaded with skops"
)
ax.set_xlabel("test day")
ax.set_ylabel('P(class "1", weekend)')
ax.legend()
fig.tight_layout()
plt.show()
