"""
Long sequences: the random-kernel base beside the LSTM
======================================================

UCR PigCVP: central venous pressure of pigs, 2,000 steps a sequence, 52 pigs to tell apart
from two training sequences each. The classes differ by local shapes of the pressure curve,
and an LSTM alone, even reading the sequences in patches, learns little of them from 104
sequences. ``LSTMClassifier``'s random-kernel base (``random_kernels``, on by default from
100 steps) reads them with thousands of fixed convolutional kernels (MiniRocket's, Dempster
et al. 2021) and a ridge classifier; its scores enter the softmax as log-odds, and the LSTM
learns what they leave, weighed against the base on held-out sequences.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from _data import load

from sklstm import LSTMClassifier

data = load("PigCVP")
X_train, y_train = data["X_train"], data["y_train"]
X_test, y_test = data["X_test"], data["y_test"]
print(f"{len(X_train)} training and {len(X_test)} test sequences of {X_train.shape[1]} steps")

# %%
# The defaults, and the LSTM alone (``random_kernels=0``):
models = {
    "defaults (random-kernel base)": LSTMClassifier(random_state=0),
    "LSTM alone (random_kernels=0)": LSTMClassifier(random_kernels=0, random_state=0),
}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    seconds = time.perf_counter() - start
    print(f"{name}: test accuracy {accuracy:.3f}, fit + predict {seconds:.1f} s")

base = models["defaults (random-kernel base)"]
print(
    f"the base: {base.random_kernels_} features, ridge penalty {base.kernel_alpha_:.3g}, "
    f"the LSTM's weight beside it {base.network_weight_:.2f}"
)

# %%
# Two training sequences of one pig and of another: the classes differ by the shape of
# each beat, not by where the curve goes over 2,000 steps.
labels = np.unique(y_train)[:2]
fig, axes = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True)
for ax, label in zip(axes, labels):
    for x in X_train[y_train == label]:
        ax.plot(x[:400, 0], lw=1)
    ax.set_ylabel(f"pig {label}")
axes[-1].set_xlabel("step (first 400 of 2,000)")
fig.suptitle("PigCVP: pressure curves of two pigs")
plt.show()
