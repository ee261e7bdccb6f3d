"""Peak memory of the random-kernel base's fit against the cost page's formula.

The base (:class:`sklstm._composite._parts.KernelRidge`, 10,000 features as
``random_kernels='auto'`` takes) is fitted on standardized float32 sequences of one
feature, as the estimators give it, and ``tracemalloc`` (which NumPy reports its arrays
to) records the peak above what was held before the fit: the features, their
standardization, the ridge and the kernels' working blocks, not the LSTM.
``docs/user_guide/cost.rst`` states the features' ``n_samples x 9,996`` float64 values,
about 20 MB of working blocks and, below 4,998 sequences, two ``n_samples x n_samples``
float64 arrays of the ridge; "peak / stated" is the traced peak over that figure.
LAPACK's workspace (another ``2 n_samples^2`` values while the Gram matrix is decomposed)
is allocated outside Python, so tracemalloc misses it; the "RSS growth" column (the
process's peak resident memory over its resident memory before the fit, each case in a
fresh process) counts it.

Run: ``python benchmarks/kernel_memory.py [N,T ...]`` (default ``300,150 2000,500``);
prints one row a case, for a regression target and for three classes.
"""

import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from sklstm._composite._parts import KernelRidge
from sklstm._preprocessing import ModelInputs
from sklstm.core import Sequences

MB = 1e6
N_FEATURES = 9_996  # 10,000 rounded down to a multiple of 84
BLOCKS_MB = 20  # the cost page's allowance for the working blocks of the features


def stated_mb(n_samples):
    """The cost page's figure: the features in float64, the working blocks, and the ridge's
    two n_samples x n_samples arrays where it decomposes the Gram matrix."""
    gram = 2 * n_samples**2 * 8 / MB if 2 * n_samples < N_FEATURES else 0.0
    return n_samples * N_FEATURES * 8 / MB + BLOCKS_MB + gram


def resident_mb():
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / MB


def measure(n_samples, n_steps, classes):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n_samples, n_steps, 1)).cumsum(axis=1)
    X = (X - X.mean()) / X.std()
    inputs = ModelInputs(Sequences(X, None), None, None, "float32", 1)
    inputs.kernel  # noqa: B018 (made before the fit, shared with the network)
    if classes:
        Y = np.eye(3)[rng.randint(3, size=n_samples)]
    else:
        Y = X[:, -10:, 0].mean(axis=1, keepdims=True) + 0.1 * rng.standard_normal((n_samples, 1))
    W = np.ones(n_samples)
    part = KernelRidge(10_000, classes, np.random.RandomState(0))
    resident = resident_mb()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    part.fit(inputs, Y, W, True)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB - resident  # KiB
    return peak / MB, grown, seconds


def main():
    if sys.argv[1:2] == ["--one"]:  # one case, in a fresh process
        n_samples, n_steps, classes = map(int, sys.argv[2:5])
        print(*measure(n_samples, n_steps, bool(classes)))
        return
    cases = [tuple(map(int, arg.split(","))) for arg in sys.argv[1:]] or [(300, 150), (2000, 500)]
    columns = "sequences x steps | target | peak MB | stated MB | peak / stated | RSS growth MB"
    print(f"| {columns} | fit s |")
    print("|---|---|---|---|---|---|---|")
    for n_samples, n_steps in cases:
        for classes in (0, 1):
            cmd = [sys.executable, __file__, "--one", str(n_samples), str(n_steps), str(classes)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            peak, grown, seconds = map(float, out.split())
            stated = stated_mb(n_samples)
            target = "3 classes" if classes else "regression"
            print(
                f"| {n_samples:,} x {n_steps} | {target} | {peak:.0f} | {stated:.0f} | "
                f"{peak / stated:.2f} | {grown:.0f} | {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
