"""Predict time: ONNX Runtime (sklstm's ONNX export) against sklstm and PyTorch.

The network and shapes are bench_vs_torch.py's: one LSTM layer read at each sequence's
last real step, a linear head, float32; ragged sets go to ONNX Runtime padded with a
``lengths`` input and to PyTorch packed. A second table times sklstm's default regressor
(patches, concat readout, the ridge base; early stopping off, so that the LSTM is in its
predictions) against its own export. A third times a default classifier fitted on sequences
of 300 steps, so with the random-kernel base (9996 features), against its export,
predicting 1, 32 and 512 sequences. Every predictor runs with ``--threads`` threads (2 by
default; NumPy's BLAS through threadpoolctl), in one process, interleaved call by call; the
median of ``--repeats`` calls is reported, with the prediction of each checked against
sklstm's.

On a machine shared with other work, a pool of 2 threads waits for the slower core: an
ONNX Runtime session can then run about 3 times slower for a few seconds while NumPy's
mostly one-threaded calls beside it do not. ``--threads 1`` is the comparison that such
neighbours do not distort.

Run: ``python benchmarks/bench_onnx_predict.py [--repeats 7] [--threads 2]
[--tables lstm default kernels]``
(needs the ``onnx`` extra, and for the first table the ``bench`` extra).
"""

import argparse
import time
import warnings

import numpy as np
import onnxruntime as ort
from bench_vs_torch import SHAPES, _pad, _torch_module, make_data
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.onnx import pad_sequences, to_onnx

# The kernel table: (n_features, n_classes, ragged) of the training set of 100 sequences
# of 300 steps (ragged: 100 to 300), and the numbers of sequences predicted.
KERNEL_SETS = [(1, 2, False), (3, 2, False), (1, 10, False), (3, 10, False), (1, 2, True)]
KERNEL_BATCHES = (1, 32, 512)
THREADS = 2  # each predictor's threads (--threads)


def onnx_session(model, X, convert=None):
    """An ONNX Runtime session on ``THREADS`` threads; ``convert``: skl2onnx's options."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    onx = to_onnx(model, X, options=convert).SerializeToString()
    return ort.InferenceSession(onx, options, providers=["CPUExecutionProvider"])


def torch_copy(model, D, H):
    """The PyTorch module holding the fitted model's weights (gates i, f, g, o in both)."""
    import torch

    module = _torch_module(D, H)
    Wx, Wh, b, W, c = (torch.from_numpy(np.ascontiguousarray(p.T)) for p in model.coefs_)
    with torch.no_grad():
        module.lstm.weight_ih_l0.copy_(Wx)
        module.lstm.weight_hh_l0.copy_(Wh)
        module.lstm.bias_ih_l0.copy_(b)
        module.lstm.bias_hh_l0.zero_()
        module.head.weight.copy_(W)
        module.head.bias.copy_(c)
    return module.eval()


def median_times(predictors, repeats):
    """Median seconds of each predictor's call, the calls interleaved."""
    times = {name: [] for name in predictors}
    for name, call in predictors.items():
        call()  # first calls set up thread pools and buffers
    for _ in range(repeats):
        for name, call in predictors.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def feeds(X):
    if isinstance(X, list):
        Xp, lengths = pad_sequences(X)
        return {"X": Xp, "lengths": lengths}
    return {"X": X}


def main():
    global THREADS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    tables = ["lstm", "default", "kernels"]
    parser.add_argument("--tables", nargs="+", choices=tables, default=tables)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    THREADS = args.threads
    threadpool_limits(args.threads)
    if "lstm" in args.tables:
        lstm_table(args.repeats)
    if "default" in args.tables:
        default_table(args.repeats)
    if "kernels" in args.tables:
        kernel_table(args.repeats)


def kernel_data(n, D, n_classes, ragged, seed):
    """Sequences of 300 steps (ragged: 100 to 300) and classes set by two windows' means."""
    rng = np.random.RandomState(seed)
    lengths = rng.randint(100, 301, size=n) if ragged else np.full(n, 300)
    X = [rng.standard_normal((m, D)).astype(np.float32) for m in lengths]
    score = np.array([x[40:60, 0].mean() + x[-20:, -1].mean() for x in X])
    y = np.digitize(score, np.quantile(score, np.arange(1, n_classes) / n_classes))
    return (X if ragged else np.stack(X)), y


def kernel_table(repeats):
    print("\ndefault classifier with the random-kernel base (100 training sequences of 300 steps):")
    print("predict_proba seconds (median) and onnx/sklstm")
    print(f"{'(D, classes, steps)':>22} {'n':>4} | onnx     sklstm   | onnx/sklstm | max abs diff")
    ratios = []
    for D, n_classes, ragged in KERNEL_SETS:
        X, y = kernel_data(100, D, n_classes, ragged, seed=0)
        model = fitted(LSTMClassifier(max_iter=1, random_state=0), X, y)
        assert model.random_kernels_ == 9996, model.random_kernels_
        run = onnx_session(model, X, {"zipmap": False})
        for n in KERNEL_BATCHES:
            Xn, _ = kernel_data(n, D, n_classes, ragged, seed=1)
            inputs = feeds(Xn)
            diff = np.abs(run.run(None, inputs)[1] - model.predict_proba(Xn)).max()
            calls = {
                "onnx": lambda run=run, inputs=inputs: run.run(None, inputs),
                "sklstm": lambda model=model, Xn=Xn: model.predict_proba(Xn),
            }
            t = median_times(calls, repeats)
            ratios.append(t["onnx"] / t["sklstm"])
            shape = f"({D}, {n_classes}, {'100-300' if ragged else 300})"
            times = f"{t['onnx']:8.4f} {t['sklstm']:8.4f}"
            print(f"{shape:>22} {n:>4} | {times} | {ratios[-1]:11.2f} | {diff:.1e}")
    print(f"geometric mean onnx/sklstm {float(np.exp(np.mean(np.log(ratios)))):.2f}")


def lstm_table(repeats):
    import torch  # only this table needs it

    torch.set_num_threads(THREADS)
    print("one LSTM layer, last step, float32: predict seconds (median) and ratios")
    print(f"{'shape (n, T, D, H)':>24} | {'onnx':>8} {'sklstm':>8} {'torch':>8} | "
          f"{'onnx/sklstm':>11} {'onnx/torch':>10} | max rel diff")  # fmt: skip
    to_sklstm, to_torch = [], []
    for n, T, D, H, batch in SHAPES:
        X, y = make_data(n, T, D)
        model = fitted(LSTMRegressor(
            hidden_layer_sizes=(H,), batch_size=batch, max_iter=1, patch_size=1,
            standardize=False, pooling="last", linear_steps=0, early_stopping=False,
            random_state=0,
        ), X, y)  # fmt: skip
        run, inputs = onnx_session(model, X), feeds(X)
        module = torch_copy(model, D, H)
        Xp, lengths = _pad(X) if T is None else (X, None)
        Xt = torch.from_numpy(Xp)
        lens = None if lengths is None else torch.from_numpy(lengths)

        def torch_predict(module=module, Xt=Xt, lens=lens):
            with torch.no_grad():
                return module(Xt, lens).numpy()

        expected = model.predict(X)
        diff = (
            max(
                np.abs(run.run(None, inputs)[0][:, 0] - expected).max(),
                np.abs(torch_predict() - expected).max(),
            )
            / np.abs(expected).max()
        )
        t = median_times({
            "onnx": lambda run=run, inputs=inputs: run.run(None, inputs),
            "sklstm": lambda model=model, X=X: model.predict(X),
            "torch": torch_predict,
        }, repeats)  # fmt: skip
        to_sklstm.append(t["onnx"] / t["sklstm"])
        to_torch.append(t["onnx"] / t["torch"])
        shape = f"({n}, {'ragged' if T is None else T}, {D}, {H})"
        print(f"{shape:>24} | {t['onnx']:8.4f} {t['sklstm']:8.4f} {t['torch']:8.4f} | "
              f"{to_sklstm[-1]:11.2f} {to_torch[-1]:10.2f} | {diff:.1e}")  # fmt: skip
    geo = [float(np.exp(np.mean(np.log(r)))) for r in (to_sklstm, to_torch)]
    print(f"geometric mean: onnx/sklstm {geo[0]:.2f}, onnx/torch {geo[1]:.2f}")


def default_table(repeats):
    print("\nsklstm's default regressor (early_stopping=False): predict seconds (median)")
    ratios = []
    for n, T, D, H, batch in SHAPES:
        X, y = make_data(n, T, D)
        model = fitted(LSTMRegressor(max_iter=1, early_stopping=False, random_state=0), X, y)
        run, inputs = onnx_session(model, X), feeds(X)
        t = median_times({
            "onnx": lambda run=run, inputs=inputs: run.run(None, inputs),
            "sklstm": lambda model=model, X=X: model.predict(X),
        }, repeats)  # fmt: skip
        ratios.append(t["onnx"] / t["sklstm"])
        shape = f"({n}, {'ragged' if T is None else T}, {D})"
        print(f"{shape:>20} | onnx {t['onnx']:.4f} sklstm {t['sklstm']:.4f} | {ratios[-1]:.2f}")
    print(f"geometric mean onnx/sklstm {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
