"""The convolutional front end's layers against PyTorch's: forward plus backward, float32.

One block as ``conv_filters`` builds it: a 1D convolution ('same' padding), a ReLU and max
pooling by 4, forward and backward (the gradients of the kernel, the bias and, past the first
block, the input), on the shapes the front end meets: a minibatch of 32 sequences of PigCVP's
2,000 steps or PLAID's longest 1,344 through the first block, and the shorter sequences the
next blocks read. PyTorch runs ``nn.Conv1d``, ``relu`` and ``nn.MaxPool1d(ceil_mode=True)``
with autograd, on 2 threads. The two are interleaved call by call; each figure is the median
of the repeats.

Run: ``python benchmarks/bench_conv_layers.py [--repeats 20]`` (needs torch 2.13.0, the
``bench`` extra).
"""

import argparse
import time

import numpy as np

from sklstm.core import (
    conv1d_backward,
    conv1d_forward,
    init_conv1d_params,
    max_pool_backward,
    max_pool_forward,
)

# (batch, n_timesteps, n_in, filters, kernel_size); pooling by 4 after each.
SHAPES = [
    (32, 2000, 1, 32, 7),
    (32, 1344, 1, 32, 7),
    (32, 500, 32, 32, 5),
    (32, 125, 32, 32, 3),
    (32, 500, 32, 64, 5),
]
POOL = 4


def sklstm_step(X, W, b, R, need_dX):
    Y, conv_cache = conv1d_forward(X, W, b)
    A = np.maximum(Y, 0.0, dtype=Y.dtype)
    P, _, pool_cache = max_pool_forward(A, POOL)
    dA = max_pool_backward(R, pool_cache)
    dY = dA * (A > 0)
    return conv1d_backward(dY, W, conv_cache, need_dX)


def main():
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"forward + backward, float32, median of {args.repeats}; ratio sklstm / torch")
    print(f"{'batch, T, in, filters, kernel':>30} | {'sklstm ms':>9} {'torch ms':>9} {'ratio':>6}")
    ratios = []
    for N, T, C, F, K in SHAPES:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((N, T, C)).astype(np.float32)
        W, b = init_conv1d_params(K, C, F, rng, np.float32)
        R = rng.standard_normal((N, -(-T // POOL), F)).astype(np.float32)
        need_dX = C > 1  # the first block's input is the data
        conv = torch.nn.Conv1d(C, F, K, padding="same")
        pool = torch.nn.MaxPool1d(POOL, ceil_mode=True)
        Xt = torch.from_numpy(X.transpose(0, 2, 1).copy()).requires_grad_(need_dX)
        Rt = torch.from_numpy(R.transpose(0, 2, 1).copy())

        def torch_step():
            conv.zero_grad()
            out = pool(torch.relu(conv(Xt)))
            out.backward(Rt)

        def sklstm_call():
            sklstm_step(X, W, b, R, need_dX)

        times = {"sklstm": [], "torch": []}
        for step in (sklstm_call, torch_step):  # warm-up
            step()
        for _ in range(args.repeats):
            for name, step in (("sklstm", sklstm_call), ("torch", torch_step)):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
        sk, tt = (1e3 * float(np.median(times[k])) for k in ("sklstm", "torch"))
        ratios.append(sk / tt)
        print(f"{f'{N}, {T}, {C}, {F}, {K}':>30} | {sk:9.2f} {tt:9.2f} {sk / tt:6.2f}", flush=True)
    print(f"geometric mean ratio: {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
