"""The random-kernel features read by scikit-learn's ``RidgeClassifierCV``, as MiniRocket does.

Before the random-kernel base was built into ``LSTMClassifier`` (issue 21), this probe
measured MiniRocket's fixed kernels (Dempster et al. 2021) and a ridge in NumPy. It now reads
the package's own features (:func:`sklstm.core.random_kernel_features`, about 10,000 of them,
on sequences standardized over the training set) with ``StandardScaler`` and
``RidgeClassifierCV(np.logspace(-3, 3, 10))``, aeon's pipeline, so that the features can be
compared with MiniRocket and the base's own ridge (penalty and temperature by leave-one-out
cross-entropy) with scikit-learn's (penalty by leave-one-out squared error).

Run: ``python benchmarks/random_kernels_probe.py [SET ...]``; prints accuracy and seconds
(features for train and test, and the ridge) per seed.
"""

import sys
import time

import numpy as np
from defaults_study import classification_tasks
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm.core import fit_random_kernels, random_kernel_features


def padded(X):
    """A list of sequences as a right-padded batch and lengths; a 3D array as it is."""
    if not isinstance(X, list):
        return np.asarray(X, dtype=np.float64), None
    lengths = np.array([len(x) for x in X])
    out = np.zeros((len(X), lengths.max(), X[0].shape[1]))
    for k, x in enumerate(X):
        out[k, : len(x)] = x
    return out, lengths


def main():
    tasks = classification_tasks()
    for name in sys.argv[1:] or ["Coffee", "Chinatown_small", "Trace", "PigCVP", "PLAID"]:
        X_train, y_train, X_test, y_test = tasks[name]
        (A, lengths_a), (B, lengths_b) = padded(X_train), padded(X_test)
        real = A if lengths_a is None else A[np.arange(A.shape[1]) < lengths_a[:, None]]
        mean, scale = real.mean(), real.std()
        A, B = (((Z - mean) / scale).astype(np.float32) for Z in (A, B))
        scores = []
        for seed in (0, 1, 2):
            start = time.perf_counter()
            kernels = fit_random_kernels(A, lengths_a, 10_000, np.random.RandomState(seed))
            F_train = random_kernel_features(A, lengths_a, kernels)
            F_test = random_kernel_features(B, lengths_b, kernels)
            ridge = make_pipeline(StandardScaler(), RidgeClassifierCV(np.logspace(-3, 3, 10)))
            scores.append(ridge.fit(F_train, y_train).score(F_test, y_test))
            seconds = time.perf_counter() - start
            print(f"{name} seed {seed}: accuracy {scores[-1]:.3f}, {seconds:.1f} s", flush=True)
        print(f"{name}: mean {np.mean(scores):.3f}, spread {np.ptp(scores):.3f}", flush=True)


if __name__ == "__main__":
    main()
