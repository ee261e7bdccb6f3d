"""sklstm against the same network in PyTorch and in skorch: fit time, predict time, peak memory.

The network: one LSTM layer, a linear head on the hidden state at each sequence's last real
step, squared loss, Adam (lr 1e-3, no weight decay, no clipping), the same batch size and
number of epochs, 2 threads. PyTorch and skorch run in float32; sklstm in its own dtype.
Each measurement runs in a fresh process (so that peak memory is its own), the three
libraries are interleaved run by run, and the median of the repeats is reported.

Each library first trains one batch of a throwaway model and predicts with it (first calls
initialise libraries, thread pools and allocators). Predictions are timed after a pause of
``PREDICT_PAUSE_S`` following the fit, the state of a model that is loaded or reused. Peak
memory is the growth of the process's peak resident set size during ``fit``, over what it
held before (libraries and data loaded).

Run: ``python benchmarks/bench_vs_torch.py [--repeats 3] [--epochs 2]`` (needs the ``bench``
extra: ``pip install -e ".[bench]"``; torch is never a runtime dependency).
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

# (n_samples, n_timesteps, n_features, n_hidden, batch_size); n_timesteps None = ragged 10-400.
SHAPES = [
    (50, 150, 1, 64, 64),
    (1000, 24, 1, 64, 64),
    (270, 26, 12, 64, 64),
    (1000, 20, 1, 16, 32),
    (2000, 50, 8, 128, 64),
    (512, 100, 32, 256, 128),
    (104, 2000, 1, 64, 64),
    (300, None, 1, 64, 64),
]
LIBRARIES = ("sklstm", "torch", "skorch")
PREDICT_PAUSE_S = 0.5


def make_data(n, T, D, seed=0):
    """Sequences and targets; a list of ragged sequences when T is None."""
    rng = np.random.RandomState(seed)
    if T is None:
        lengths = rng.randint(10, 401, size=n)
        X = [rng.standard_normal((m, D)).astype(np.float32) for m in lengths]
        y = np.array([x[-5:, 0].sum() for x in X], dtype=np.float32)
        return X, y
    X = rng.standard_normal((n, T, D)).astype(np.float32)
    return X, X[:, -5:, 0].sum(axis=1)


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _torch_module(D, H):
    import torch

    class LastStepLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(D, H, batch_first=True)
            self.head = torch.nn.Linear(H, 1)

        def forward(self, X, lengths=None):
            if lengths is None:
                out, _ = self.lstm(X)
                return self.head(out[:, -1]).squeeze(-1)
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                X, lengths, batch_first=True, enforce_sorted=False
            )
            _, (h, _) = self.lstm(packed)
            return self.head(h[-1]).squeeze(-1)

    return LastStepLSTM()


def _pad(X):
    lengths = np.array([len(x) for x in X])
    out = np.zeros((len(X), lengths.max(), X[0].shape[1]), dtype=np.float32)
    for k, x in enumerate(X):
        out[k, : len(x)] = x
    return out, lengths


def run_one(library, shape_index, epochs):
    """Fit and predict once in this process; return seconds and bytes."""
    n, T, D, H, batch = SHAPES[shape_index]
    X, y = make_data(n, T, D)
    if library == "sklstm":
        import warnings

        from sklearn.base import clone
        from sklearn.exceptions import ConvergenceWarning

        from sklstm import LSTMRegressor

        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LSTMRegressor(
            hidden_layer_sizes=(H,), batch_size=batch, max_iter=epochs, tol=0,
            n_iter_no_change=epochs + 1, learning_rate_init=1e-3, alpha=0.0,
            max_grad_norm=None, patch_size=1, standardize=False, pooling="last",
            linear_steps=0, early_stopping=False, random_state=0,
        )  # fmt: skip
        fit = lambda: model.fit(X, y)  # noqa: E731
        predict = lambda: model.predict(X)  # noqa: E731

        def warm_up():  # as for PyTorch: one training step and one prediction
            clone(model).set_params(max_iter=1).fit(X[:batch], y[:batch]).predict(X[:batch])
    else:
        import torch

        torch.set_num_threads(2)
        torch.manual_seed(0)
        ragged = T is None
        Xp, lengths = _pad(X) if ragged else (X, None)
        Xt, yt = torch.from_numpy(Xp), torch.from_numpy(np.asarray(y, dtype=np.float32))
        module = _torch_module(D, H)

        def warm_up():
            # One training step of a throwaway module: first calls initialise oneDNN, the
            # allocator and the optimizer's machinery, which steady training does not pay.
            throwaway = _torch_module(D, H)
            opt = torch.optim.Adam(throwaway.parameters(), lr=1e-3)
            lens = None if lengths is None else torch.from_numpy(lengths[:batch])
            throwaway(Xt[:batch], lens).sum().backward()
            opt.step()
            with torch.no_grad():
                throwaway(Xt[:batch], lens)

        if library == "torch":

            def fit():
                opt = torch.optim.Adam(module.parameters(), lr=1e-3)
                for _ in range(epochs):
                    order = torch.randperm(n)
                    for lo in range(0, n, batch):
                        idx = order[lo : lo + batch]
                        opt.zero_grad()
                        lens = None if lengths is None else torch.from_numpy(lengths[idx.numpy()])
                        loss = torch.nn.functional.mse_loss(module(Xt[idx], lens), yt[idx])
                        loss.backward()
                        opt.step()

            def predict():
                with torch.no_grad():
                    lens = None if lengths is None else torch.from_numpy(lengths)
                    return module(Xt, lens).numpy()

        else:
            from skorch import NeuralNetRegressor

            net = NeuralNetRegressor(
                _torch_module(D, H), optimizer=torch.optim.Adam, lr=1e-3, max_epochs=epochs,
                batch_size=batch, train_split=None, verbose=0, iterator_train__shuffle=True,
            )  # fmt: skip
            # skorch hands the module one tensor: ragged sets run padded (no packing).
            fit = lambda: net.fit(Xp, yt.numpy())  # noqa: E731
            predict = lambda: net.predict(Xp)  # noqa: E731
    warm_up()
    before = _rss_bytes()
    start = time.perf_counter()
    fit()
    fit_s = time.perf_counter() - start
    peak = _peak_rss_bytes() - before
    # Predictions start after a pause, as they do for a model that is loaded or reused: in
    # the first ~0.1 s after a fit, OpenBLAS's worker thread is still spinning on one of the
    # two cores, which slowed sklstm's threaded prediction blocks by up to 2x (README).
    time.sleep(PREDICT_PAUSE_S)
    predict_times = []
    for _ in range(3):  # a prediction takes milliseconds: the median of three calls
        start = time.perf_counter()
        predict()
        predict_times.append(time.perf_counter() - start)
    predict_s = float(np.median(predict_times))
    return {"fit_s": fit_s, "predict_s": predict_s, "peak_bytes": max(peak, 0)}


def measure(library, shape_index, epochs):
    cmd = [sys.executable, __file__, "--one", library, str(shape_index), "--epochs", str(epochs)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--one", nargs=2, metavar=("LIBRARY", "SHAPE"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.epochs)))
        return
    print(f"{args.epochs} epochs, median of {args.repeats} runs, each in its own process")
    header = (
        f"{'n, T, D, H, batch':>24} | {'fit s: sklstm torch skorch':>27} | "
        f"{'fit ratio v torch, skorch':>25} | {'predict ratio':>13} | {'peak MB: sk/torch':>17}"
    )
    print(header)
    fit_ratios, predict_ratios = [], []
    for k, shape in enumerate(SHAPES):
        runs = {lib: [] for lib in LIBRARIES}
        for _ in range(args.repeats):
            for lib in LIBRARIES:  # interleaved, so that machine noise hits all alike
                runs[lib].append(measure(lib, k, args.epochs))
        med = {
            lib: {key: float(np.median([r[key] for r in rs])) for key in rs[0]}
            for lib, rs in runs.items()
        }
        fit_r = med["sklstm"]["fit_s"] / med["torch"]["fit_s"]
        fit_sk = med["sklstm"]["fit_s"] / med["skorch"]["fit_s"]
        pred_r = med["sklstm"]["predict_s"] / med["torch"]["predict_s"]
        fit_ratios.append(fit_r)
        predict_ratios.append(pred_r)
        label = ", ".join("ragged" if v is None else str(v) for v in shape)
        print(
            f"{label:>24} | {med['sklstm']['fit_s']:8.2f} {med['torch']['fit_s']:8.2f} "
            f"{med['skorch']['fit_s']:8.2f} | {fit_r:12.2f} {fit_sk:12.2f} | {pred_r:13.2f} | "
            f"{med['sklstm']['peak_bytes'] / 1e6:8.1f}/{med['torch']['peak_bytes'] / 1e6:.1f}",
            flush=True,
        )
    geo = float(np.exp(np.mean(np.log(fit_ratios))))
    geo_p = float(np.exp(np.mean(np.log(predict_ratios))))
    print(f"geometric mean ratio sklstm/torch: fit {geo:.2f}, predict {geo_p:.2f}")


if __name__ == "__main__":
    main()
