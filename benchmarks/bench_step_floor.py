"""How far a NumPy prediction step can go: its unavoidable calls against PyTorch's whole step.

A prediction step of one LSTM layer (one block of sequences, the layout of ``sklstm.core``:
gates ``(4H, N)``, inputs ``[h; x; 1]`` of ``(H + D + 1, N)``) makes nine NumPy calls: the
product by the folded weights, ``exp`` over the three sigmoid gates, ``+ 1`` and ``1 / x``,
``tanh`` of the candidate, the two products and the sum of the cell, ``tanh`` of the cell and
the output product. This script times, per step and in microseconds:

- ``torch``: PyTorch's whole prediction step (``nn.LSTM`` and the head under ``no_grad``, 2
  threads): a prediction's best time over 9 calls, divided by the number of steps;
- ``sklstm``: sklstm's prediction the same way (one block of sequences, one BLAS thread);
- ``product 1t`` / ``2t``: the product alone on one and on two BLAS threads;
- ``exp``, ``2 tanh``: the three gates' ``exp`` and the two ``tanh`` calls alone;
- ``nine calls``: the nine calls of a step back to back on one BLAS thread, with no loop
  around them, the least a NumPy step can cost.

Everything is timed at its best (NumPy calls: minimum of 9 rounds of 300), so that the
machine's noise, which only ever adds time, weighs least. Each side runs in its own process,
the processes alternating; the ratios compare the processes of one row.

Run: ``python benchmarks/bench_step_floor.py [--shapes 0 6] [--repeats 3]`` (shapes are
indices into ``bench_vs_torch.SHAPES``; needs the ``bench`` extra for torch).
"""

import argparse
import json
import subprocess
import sys
import time
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_vs_torch import SHAPES, _torch_module, make_data  # noqa: E402


def _best_step_us(predict, n_timesteps):
    predict()
    time.sleep(0.3)  # let BLAS worker threads of the set-up go idle (see bench_vs_torch)
    times = []
    for _ in range(9):
        start = time.perf_counter()
        predict()
        times.append(time.perf_counter() - start)
    return min(times) / n_timesteps * 1e6


def time_torch(shape_index):
    import torch

    n, T, D, H, _ = SHAPES[shape_index]
    torch.set_num_threads(2)
    X, _ = make_data(n, T, D)
    module, Xt = _torch_module(D, H), torch.from_numpy(X)

    def predict():
        with torch.no_grad():
            module(Xt)

    return {"torch": _best_step_us(predict, T)}


def time_sklstm(shape_index):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklstm import LSTMRegressor

    n, T, D, H, batch = SHAPES[shape_index]
    X, y = make_data(n, T, D)
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = LSTMRegressor(
        hidden_layer_sizes=(H,), batch_size=batch, max_iter=1, patch_size=1,
        standardize=False, pooling="last", linear_steps=0, early_stopping=False,
        random_state=0,
    ).fit(X[:batch], y[:batch])  # fmt: skip
    return {"sklstm": _best_step_us(lambda: model.predict(X), T)}


def time_numpy_calls(shape_index):
    from threadpoolctl import threadpool_limits

    N, _, D, H, _ = SHAPES[shape_index]
    rng = np.random.default_rng(0)
    W = (0.1 * rng.standard_normal((4 * H, H + D + 1))).astype(np.float32)
    inputs = rng.standard_normal((H + D + 1, N)).astype(np.float32)
    pre = (2 * rng.standard_normal((4 * H, N))).astype(np.float32)  # never overwritten
    gates = np.empty((5 * H, N), np.float32)  # i, f, o, g, then c_{t-1}
    gates[4 * H :] = 0.1
    cell, tanh_cell, h = (np.empty((H, N), np.float32) for _ in range(3))
    products = np.empty((2 * H, N), np.float32)
    one = np.float32(1.0)

    def best_us(call):
        return min(timeit.repeat(call, number=300, repeat=9)) / 300 * 1e6

    def step():
        z, sig = gates[: 4 * H], gates[: 3 * H]
        np.matmul(W, inputs, out=z)
        np.exp(sig, out=sig)
        np.add(sig, one, out=sig)
        np.divide(one, sig, out=sig)
        np.tanh(gates[3 * H : 4 * H], out=gates[3 * H : 4 * H])
        np.multiply(gates[H : 3 * H], gates[3 * H :], out=products)
        np.add(products[:H], products[H:], out=cell)
        np.tanh(cell, out=tanh_cell)
        np.multiply(gates[:H], tanh_cell, out=h)

    out = {}
    for threads in (1, 2):
        with threadpool_limits(threads, "blas"):
            out[f"product {threads}t"] = best_us(lambda: np.matmul(W, inputs, out=gates[: 4 * H]))
    out["exp"] = best_us(lambda: np.exp(pre[: 3 * H], out=gates[: 3 * H]))
    out["2 tanh"] = 2 * best_us(lambda: np.tanh(pre[3 * H :], out=gates[3 * H : 4 * H]))
    with np.errstate(over="ignore"), threadpool_limits(1, "blas"):
        out["nine calls"] = best_us(step)
    return out


SIDES = {"torch": time_torch, "sklstm": time_sklstm, "numpy": time_numpy_calls}


def measure(side, shape_index):
    cmd = [sys.executable, __file__, "--one", side, str(shape_index)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shapes", type=int, nargs="+", default=[0, 6])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("SIDE", "SHAPE"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(SIDES[args.one[0]](int(args.one[1]))))
        return
    print("us a prediction step; each row one alternation of three processes")
    print(
        f"{'n, T, D, H':>18} | {'torch':>6} {'sklstm':>6} | {'product 1t':>10} {'2t':>5} "
        f"{'exp':>5} {'2 tanh':>6} {'nine calls':>10} | {'sklstm':>6} {'3 calls':>7} "
        f"{'nine':>5}  (x torch)"
    )
    if any(SHAPES[k][1] is None for k in args.shapes):
        parser.error("the ragged set has no single step length; choose another shape")
    for k in args.shapes:
        for _ in range(args.repeats):
            r = {}
            for side in SIDES:
                r.update(measure(side, k))
            three = r["product 1t"] + r["exp"] + r["2 tanh"]
            label = ", ".join(map(str, SHAPES[k][:4]))
            print(
                f"{label:>18} | {r['torch']:6.1f} {r['sklstm']:6.1f} | {r['product 1t']:10.1f} "
                f"{r['product 2t']:5.1f} {r['exp']:5.1f} {r['2 tanh']:6.1f} "
                f"{r['nine calls']:10.1f} | {r['sklstm'] / r['torch']:6.2f} "
                f"{three / r['torch']:7.2f} {r['nine calls'] / r['torch']:5.2f}"
            )


if __name__ == "__main__":
    main()
