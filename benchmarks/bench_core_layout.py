"""Folded ``[h, x_t, 1]`` product per step against a hoisted input projection.

Times the forward pass of one LSTM layer both ways, interleaved, median of
several runs, float32 and float64. The hoisted variant is written here only to be
measured: it projects all steps with one ``X @ Wx + b`` before the loop and adds
``h @ Wh`` at each step; everything else is as in ``sklstm.core``.

Run: ``python benchmarks/bench_core_layout.py``
"""

import time

import numpy as np

from sklstm.core import init_lstm_params, lstm_forward
from sklstm.core._lstm import _gate_scale


def hoisted_forward(X, Wx, Wh, b):
    N, T, D = X.shape
    H = Wh.shape[0]
    scale = _gate_scale(H, Wx.dtype)
    Whs = Wh * scale
    XW = (X.swapaxes(0, 1).reshape(T * N, D) @ (Wx * scale) + b * scale).reshape(T, N, 4 * H)
    h = np.zeros((N, H), Wx.dtype)
    cells = np.zeros((T + 1, N, H), Wx.dtype)
    tanh_cells = np.zeros((T, N, H), Wx.dtype)
    gates = np.zeros((T, N, 4 * H), Wx.dtype)
    out = np.zeros((T, N, H), Wx.dtype)
    scratch = np.empty((N, H), Wx.dtype)
    with np.errstate(over="ignore", under="ignore"):
        for t in range(T):
            z = gates[t]
            np.matmul(h, Whs, out=z)
            z += XW[t]
            np.exp(z, out=z)
            z += 1.0
            np.reciprocal(z, out=z)
            g = z[:, 2 * H : 3 * H]
            g *= 2.0
            g -= 1.0
            np.multiply(z[:, H : 2 * H], cells[t], out=cells[t + 1])
            np.multiply(z[:, :H], g, out=scratch)
            cells[t + 1] += scratch
            np.tanh(cells[t + 1], out=tanh_cells[t])
            np.multiply(z[:, 3 * H :], tanh_cells[t], out=out[t])
            h = out[t]
    return out


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
