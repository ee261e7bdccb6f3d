"""
Exporting to ONNX and predicting with ONNX Runtime
==================================================

A fitted model, or a Pipeline ending in one, converts to ONNX with
:func:`sklstm.onnx.to_onnx` (or ``skl2onnx.to_onnx``, once :mod:`sklstm.onnx` is imported),
and ONNX Runtime then predicts it from C++, C#, Java, JavaScript or Python, without sklstm.
Here the solar forecast of the gallery's solar example (a ``StandardScaler`` and an
``LSTMRegressor`` in a Pipeline, over 2D windows of 24 half-hours) is exported; and a
classifier of UCR Chinatown days, whose labels and probabilities come out of the graph.
Needs the ``onnx`` extra: ``pip install "sklstm[onnx]"``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from _data import load
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.onnx import to_onnx

series = load("solar")["series"]
windows = np.lib.stride_tricks.sliding_window_view(series, 25).astype(np.float32)
X, y = windows[:, :-1], windows[:, -1]  # 24 steps of one feature, and the next half-hour
split = int(0.8 * len(X))
model = make_pipeline(StandardScaler(), LSTMRegressor(random_state=0)).fit(X[:split], y[:split])

onx = to_onnx(model, X[:1])  # the sample gives the input's type and columns
print("inputs:", [(i.name, i.type.tensor_type.elem_type) for i in onx.graph.input])
print("outputs:", [o.name for o in onx.graph.output])
session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
(onnx_pred,) = session.run(None, {"X": X[split:]})
sklstm_pred = model.predict(X[split:])
gap = np.abs(onnx_pred[:, 0] - sklstm_pred).max() / np.abs(sklstm_pred).max()
print(f"largest difference, relative to the largest forecast: {gap:.1e}")

# %%
# ONNX Runtime computes in float32, as the model does: the two forecasts coincide.
fig, ax = plt.subplots(figsize=(8, 3.5))
t = np.arange(split + 24, len(series)) / 2
ax.plot(t, y[split:], color="black", label="truth")
ax.plot(t, sklstm_pred, linewidth=3, alpha=0.5, label="sklstm")
ax.plot(t, onnx_pred[:, 0], linestyle="--", label="ONNX Runtime")
ax.set_xlabel("hours since 2021-05-01 00:00")
ax.set_ylabel("solar generation")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# A classifier gives labels and probabilities. ``zipmap=False`` keeps the probabilities a
# plain ``(n_samples, n_classes)`` array; without it, skl2onnx's default, they come as one
# dict per sample.
data = load("Chinatown_small")
mean, std = data["X_train"].mean(), data["X_train"].std()
X_train = ((data["X_train"] - mean) / std).astype(np.float32)
X_test = ((data["X_test"] - mean) / std).astype(np.float32)
classifier = LSTMClassifier(random_state=0).fit(X_train, data["y_train"])
onx = to_onnx(classifier, X_test, options={"zipmap": False})
session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
labels, probabilities = session.run(None, {"X": X_test})
print("same labels:", np.array_equal(labels, classifier.predict(X_test)))
gap = np.abs(probabilities - classifier.predict_proba(X_test)).max()
print(f"largest probability difference: {gap:.1e}")
