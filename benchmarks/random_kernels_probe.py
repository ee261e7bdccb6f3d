"""Probe for issue 21: fixed random kernels beside the recurrence, before building them in.

A trained convolutional front end stays near 0.3 on PigCVP (52 classes, 2 training
sequences each), where MiniRocket reaches 0.95. This probe measures the other road the
literature gives: fixed kernels that are never trained, read by a ridge classifier. The
kernels are MiniRocket's (Dempster et al. 2021): length 9, weight 2 at three taps and -1 at
the other six (84 kernels), at dilations 2^0 .. (T - 1) / 8; each kernel's output at each
dilation gives the proportion of positive values (PPV) above biases drawn as quantiles of the
kernel's output on a random training sequence; about 10,000 features, standardized, then
``RidgeClassifierCV``. Ragged sequences count PPV over their own steps only. Univariate
sets only (the channels of multivariate input are not combined here).

Run: ``python benchmarks/random_kernels_probe.py [SET ...]``; prints accuracy and seconds
(features for train and test, and the ridge) per seed.
"""

import sys
import time
from itertools import combinations

import numpy as np
from defaults_study import classification_tasks
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TAPS = np.array(list(combinations(range(9), 3)))  # the 84 kernels' three weight-2 taps
GOLDEN = (np.sqrt(5) - 1) / 2  # low-discrepancy quantiles: (k * GOLDEN) mod 1


def padded(X):
    if not isinstance(X, list):
        X = np.asarray(X, dtype=np.float64)
        return X[:, :, 0], np.full(len(X), X.shape[1])
    lengths = np.array([len(x) for x in X])
    out = np.zeros((len(X), lengths.max()))
    for k, x in enumerate(X):
        out[k, : len(x)] = x[:, 0]
    return out, lengths


def kernel_outputs(X, dilation):
    """Every kernel's output over ``X (N, T)``, 'same' zero padding: ``(84, N, T)``."""
    N, T = X.shape
    wide = np.zeros((N, T + 8 * dilation))
    wide[:, 4 * dilation : 4 * dilation + T] = X
    taps = np.stack([wide[:, k * dilation : k * dilation + T] for k in range(9)])
    # -1 at every tap and 3 more at three of them: one sum, then three additions a kernel.
    base, tripled = -taps.sum(axis=0), 3.0 * taps
    return base + tripled[TAPS[:, 0]] + tripled[TAPS[:, 1]] + tripled[TAPS[:, 2]]


class RandomKernels:
    def __init__(self, n_features=10_000, seed=0):
        self.n_features, self.seed = n_features, seed

    def fit(self, X):
        X, lengths = padded(X)
        rng = np.random.default_rng(self.seed)
        top = np.log2(max(X.shape[1] - 1, 1) / 8)
        n = int(np.floor(top)) + 1 if top > 0 else 1
        dilations = np.floor(2 ** np.linspace(0, max(top, 0), min(n, 32))).astype(int)
        self.dilations, counts = np.unique(dilations, return_counts=True)
        per_kernel = self.n_features // len(TAPS)
        self.biases, start = [], 1
        for dilation, count in zip(self.dilations, counts):
            n_biases = max(1, round(per_kernel * count / counts.sum()))
            rows = rng.integers(len(X), size=len(TAPS))  # one random sequence a kernel
            outputs = kernel_outputs(X[rows], dilation)[np.arange(len(TAPS)), np.arange(len(TAPS))]
            q = (np.arange(start, start + len(TAPS) * n_biases) * GOLDEN) % 1
            start += len(TAPS) * n_biases
            q = q.reshape(len(TAPS), n_biases)
            self.biases.append(np.stack([
                np.quantile(out[: lengths[r]], qk) for out, r, qk in zip(outputs, rows, q)
            ]))  # fmt: skip
        return self

    def transform(self, X):
        X, lengths = padded(X)
        real = np.arange(X.shape[1]) < lengths[:, None]
        features = []
        for dilation, biases in zip(self.dilations, self.biases):
            outputs = kernel_outputs(X, dilation)
            for b in biases.T:
                positive = (outputs > b[:, None, None]) & real
                features.append((positive.sum(axis=2) / lengths).T)
        return np.concatenate(features, axis=1)


def main():
    tasks = classification_tasks()
    for name in sys.argv[1:] or ["Coffee", "Chinatown_small", "Trace", "PigCVP", "PLAID"]:
        X_train, y_train, X_test, y_test = tasks[name]
        scores = []
        for seed in (0, 1, 2):
            start = time.perf_counter()
            kernels = RandomKernels(seed=seed).fit(X_train)
            F_train, F_test = kernels.transform(X_train), kernels.transform(X_test)
            ridge = make_pipeline(StandardScaler(), RidgeClassifierCV(np.logspace(-3, 3, 10)))
            scores.append(ridge.fit(F_train, y_train).score(F_test, y_test))
            seconds = time.perf_counter() - start
            print(f"{name} seed {seed}: accuracy {scores[-1]:.3f}, {seconds:.1f} s", flush=True)
        print(f"{name}: mean {np.mean(scores):.3f}, spread {np.ptp(scores):.3f}", flush=True)


if __name__ == "__main__":
    main()
