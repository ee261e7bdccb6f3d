"""Folded ``[h, x_t, 1]`` product per step against a hoisted input projection.

Times the forward pass of one LSTM layer both ways, interleaved, median of
several runs, float32 and float64. The hoisted variant is written here only to be
measured: it projects all steps with one ``X @ Wx + b`` before the loop and adds
``Wh h`` at each step; the layout and the other calls are as in ``sklstm.core``.

Run: ``python benchmarks/bench_core_layout.py``
"""

import time

import numpy as np

from sklstm.core import init_lstm_params, lstm_forward
from sklstm.core._lstm import _internal_order


def hoisted_forward(X, Wx, Wh, b):
    """The core's forward pass (same layout and fused calls) with the input projection hoisted."""
    N, T, D = X.shape
    H = Wh.shape[0]
    dtype = Wx.dtype
    scale = np.ones(4 * H, dtype)
    scale[: 3 * H] = -1.0  # the sigmoid gates, for exp(-z)
    Wh_rows = np.ascontiguousarray(_internal_order(Wh).T * scale[:, None])
    XW = X.reshape(N * T, D) @ (_internal_order(Wx) * scale) + _internal_order(b) * scale
    XW = np.ascontiguousarray(XW.reshape(N, T, 4 * H).transpose(1, 2, 0))  # (T, 4H, N)
    hidden = np.zeros((T + 1, H, N), dtype)
    gates = np.zeros((T + 1, 5 * H, N), dtype)
    tanh_cells = np.zeros((T, H, N), dtype)
    products = np.empty((2 * H, N), dtype)
    with np.errstate(over="ignore", under="ignore"):
        for t in range(T):
            now, after = gates[t], gates[t + 1]
            z = now[: 4 * H]
            np.matmul(Wh_rows, hidden[t], out=z)
            z += XW[t]
            sig = now[: 3 * H]
            np.exp(sig, out=sig)
            sig += 1.0
            np.reciprocal(sig, out=sig)
            np.tanh(now[3 * H : 4 * H], out=now[3 * H : 4 * H])
            np.multiply(now[H : 3 * H], now[3 * H :], out=products)
            np.add(products[:H], products[H:], out=after[4 * H :])
            np.tanh(after[4 * H :], out=tanh_cells[t])
            np.multiply(now[:H], tanh_cells[t], out=hidden[t + 1])
    return hidden[1:].transpose(2, 0, 1).copy()


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    print(f"{'dtype':8} {'N':>5} {'T':>5} {'D':>3} {'H':>4} {'folded ms':>10} {'hoisted ms':>11} "
          f"{'ratio':>6}")  # fmt: skip
    for dtype in (np.float32, np.float64):
        for N, T, D, H in [(64, 150, 1, 16), (64, 150, 1, 64), (64, 26, 12, 64), (64, 50, 8, 128)]:
            params = init_lstm_params(D, H, rng, dtype)
            X = rng.standard_normal((N, T, D)).astype(dtype)
            folded, hoisted = [], []
            for _ in range(5):  # interleaved, so that machine noise hits both alike
                folded.append(median_time(lambda: lstm_forward(X, *params), 3))
                hoisted.append(median_time(lambda: hoisted_forward(X, *params), 3))
            f, h = np.median(folded) * 1e3, np.median(hoisted) * 1e3
            print(f"{np.dtype(dtype).name:8} {N:5d} {T:5d} {D:3d} {H:4d} {f:10.2f} {h:11.2f} "
                  f"{f / h:6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
