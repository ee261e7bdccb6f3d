"""A live stream's cost per new step: sklstm's stream, predict on the prefix, PyTorch.

The network: one unidirectional LSTM layer (D=4 features, H=32 units, float32), a linear
head on the last hidden state (``pooling='last'``, ``linear_steps=0``, ``random_kernels=0``,
``patch_size=1``, ``standardize=False``). For 1 and 64 streams, after a history of 10 and
of 10,000 steps, the time to answer after one new step:

- ``stream``: sklstm's ``stream.predict`` of the new step, the state carried;
- ``predict``: ``model.predict`` on each stream's whole prefix (what users do without a
  stream);
- ``torch``: PyTorch's ``nn.LSTM`` fed the step with the carried ``(h, c)``, then the same
  ``Linear`` head, under ``inference_mode``, the weights copied from the sklstm model (its
  gate blocks i, f, g, o are PyTorch's order; ``b_ih = b``, ``b_hh = 0``);
- ``torchcell``: the same with ``nn.LSTMCell`` (PyTorch's lighter call for one step:
  ``nn.LSTM`` of one step pays for its oneDNN set-up);
- ``onnx``: ONNX Runtime on the stateful export (``sklstm.onnx.to_onnx_stream``), one run a
  step; the column is skipped without the onnx extra.

All answers are checked against ``model.predict`` on the prefix before any timing. Every
side runs on one thread (``torch.set_num_threads(1)``, NumPy's BLAS limited to 1 by
threadpoolctl, ONNX Runtime with one intra-op thread). For each number of streams, every
side at both histories is interleaved, the order rotating each repeat, and the median of 7
repeats is reported. Each repeat of a stepping side is the median of a block of ``BLOCK``
one-step calls (the machine is shared: a pause of a few ms would weigh on a block's mean),
from a copy of the state after the history (so the history grows by at most ``BLOCK``
steps); of ``predict``, one call (the median of ``BLOCK`` on the short history).

Acceptance ratios: (i) sklstm's stream per step at 10,000 steps of history over 10 steps
(goal <= 1.2); (ii) sklstm's stream, one step of one stream, over PyTorch's (goal <= 2.0).

Run: ``python benchmarks/bench_stream.py [--repeats 7] [--profile]`` (needs the ``bench``
extra for torch; ``--profile`` adds a cProfile of one stream's one-step calls).
"""

import argparse
import copy
import cProfile
import io
import pstats
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

D, H = 4, 32
HISTORIES = (10, 10_000)
STREAMS = (1, 64)
BLOCK = 50
TOL = 1e-3  # float32 over 10,000 steps, against predict on the prefix


def fit_model():
    from sklearn.exceptions import ConvergenceWarning

    from sklstm import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 40, D)).astype(np.float32)
    y = X[:, -3:, 0].sum(axis=1) + 0.5 * X[:, -1, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LSTMRegressor(
            hidden_layer_sizes=(H,), max_iter=3, patch_size=1, standardize=False,
            pooling="last", linear_steps=0, random_kernels=0, bidirectional=False,
            early_stopping=False, random_state=0,
        ).fit(X, y)  # fmt: skip


# ------------------------------------------------------------------- PyTorch
def torch_stepper(model):
    """PyTorch's LSTM and head with the sklstm model's weights; a one-step function."""
    import torch

    Wx, Wh, b, W_dense, b_dense = (np.asarray(c, np.float32) for c in model.coefs_)
    lstm, head = torch.nn.LSTM(D, H, batch_first=True), torch.nn.Linear(H, 1)
    scale = 1.0 if model._y_scale is None else float(np.ravel(model._y_scale)[0])
    mean = 0.0 if model._y_mean is None else float(np.ravel(model._y_mean)[0])
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b))
        lstm.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(W_dense.T * scale))
        head.bias.copy_(torch.from_numpy(b_dense * scale + mean))
    lstm.eval()
    head.eval()
    cell = torch.nn.LSTMCell(D, H)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, name + "_l0"))
    cell.eval()

    class State:
        def __init__(self, n):
            self.hc = (torch.zeros(1, n, H), torch.zeros(1, n, H))

        def feed(self, X):  # X: (n, steps, D) float32 numpy
            with torch.inference_mode():
                out, self.hc = lstm(torch.from_numpy(X), self.hc)
                return head(out[:, -1]).numpy()[:, 0]

    class CellState:
        def __init__(self, n):
            self.hc = (torch.zeros(n, H), torch.zeros(n, H))

        def feed(self, X):
            with torch.inference_mode():
                steps = torch.from_numpy(X)
                for t in range(X.shape[1]):
                    self.hc = cell(steps[:, t], self.hc)
                return head(self.hc[0]).numpy()[:, 0]

    return State, CellState


# ------------------------------------------------------------ ONNX (optional)
def onnx_stepper(model):
    """A stateful ONNX export's one-step function, or the reason there is none."""
    try:
        import onnxruntime as ort

        import sklstm.onnx as sk_onnx
    except ImportError as error:
        return None, f"no onnx extra ({error})"
    try:
        proto = sk_onnx.to_onnx_stream(model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = ort.InferenceSession(proto.SerializeToString(), options)
    except Exception as error:  # noqa: BLE001 - any failure skips the column
        return None, f"to_onnx_stream failed: {error!r}"
    outputs = [o.name for o in session.get_outputs()]

    class State:
        def __init__(self, n):
            self.state = sk_onnx.stream_state(model, n)

        def feed(self, X):
            for t in range(X.shape[1]):
                feeds = {"X": np.ascontiguousarray(X[:, t : t + 1]), **self.state}
                y, *new = session.run(outputs, feeds)
                self.state = {name[: -len("_out")]: a for name, a in zip(outputs[1:], new)}
            return np.asarray(y).reshape(X.shape[0])

    return State, "to_onnx_stream"


# ------------------------------------------------------------------ timing
def snapshot(state):
    """A copy of a stream's or stepper's state that shares the model and folded weights."""
    new = copy.copy(state)
    shared = ("model", "_made_plan")
    new.__dict__ = {k: v if k in shared else copy.deepcopy(v) for k, v in vars(state).items()}
    return new


def block_us(call, n_calls):
    """The median time of ``n_calls`` calls, in us."""
    times = []
    for _ in range(n_calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def prepare(model, n_streams, history, steppers):
    """Each side's timed block after ``history`` steps, once every answer is checked."""
    rng = np.random.default_rng(n_streams * 100_003 + history)
    X = rng.standard_normal((n_streams, history + BLOCK + 1, D)).astype(np.float32)
    hist, new = X[:, :history], X[:, history : history + 1]
    prefix = X[:, : history + 1]
    expected = model.predict(prefix)

    # The states after the history, and a check of each side's answer after the new step.
    stream = model.stream(n_streams)
    stream.predict(hist if n_streams > 1 else hist[0])
    states = {"stream": stream}
    errors = {}
    check = snapshot(stream)
    errors["stream"] = np.abs(check.predict(new if n_streams > 1 else new[0]) - expected).max()
    for name, make in steppers.items():
        state = make(n_streams)
        state.feed(hist)
        states[name] = state
        errors[name] = np.abs(snapshot(state).feed(new) - expected).max()
    bad = {k: float(v) for k, v in errors.items() if not v <= TOL}
    if bad:
        raise AssertionError(f"answers differ from predict (max abs error): {bad}")

    # One new step a call; each stepping block starts from a copy of the state.
    def stepping(name):
        def run():
            state = snapshot(states[name])
            steps = [X[:, history + k : history + k + 1] for k in range(BLOCK)]
            if name == "stream":
                steps = [s if n_streams > 1 else s[0] for s in steps]
                it = iter(steps)
                return block_us(lambda: state.predict(next(it)), BLOCK)
            it = iter(steps)
            return block_us(lambda: state.feed(next(it)), BLOCK)

        return run

    n_predict = BLOCK if history < 1000 else 1
    sides = {"stream": stepping("stream")}
    sides["predict"] = lambda: block_us(lambda: model.predict(prefix), n_predict)
    sides.update({name: stepping(name) for name in steppers})
    return sides, errors


def measure(model, n_streams, repeats, steppers):
    """Medians (us a step) for every history and side, all interleaved, and the errors."""
    sides, errors = {}, {}
    for history in HISTORIES:
        blocks, errors[history] = prepare(model, n_streams, history, steppers)
        sides.update({(history, name): run for name, run in blocks.items()})
    for run in sides.values():  # warm-up
        run()
    times = {key: [] for key in sides}
    order = list(sides)
    for r in range(repeats):
        for key in order[r % len(order) :] + order[: r % len(order)]:
            times[key].append(sides[key]())
    medians = {key: statistics.median(v) for key, v in times.items()}
    return {h: {n: medians[h, n] for k, n in medians if k == h} for h in HISTORIES}, errors


def profile_one_step(model, n_calls=3000):
    """cProfile of one stream's one-step predict calls, after a short history."""
    rng = np.random.default_rng(1)
    stream = model.stream(1)
    stream.predict(rng.standard_normal((10, D)).astype(np.float32))
    steps = rng.standard_normal((n_calls, 1, D)).astype(np.float32)
    profiler = cProfile.Profile()
    profiler.enable()
    for x in steps:
        stream.predict(x)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(f"cProfile of {n_calls} one-step calls, one stream (per call: divide by {n_calls})")
    print(out.getvalue())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    with threadpool_limits(limits=1, user_api="blas"):
        model = fit_model()
        torch_lstm, torch_cell = torch_stepper(model)
        steppers = {"torch": torch_lstm, "torchcell": torch_cell}
        onnx, note = onnx_stepper(model)
        if onnx is not None:
            steppers["onnx"] = onnx
        print(f"D={D}, H={H}, float32, one thread each (torch 1 thread, BLAS 1 thread)")
        print(f"ONNX Runtime column: {note if onnx is not None else 'skipped: ' + note}")
        print(f"us per new step, median of {args.repeats} repeats, sides interleaved")
        names = ["stream", "predict", *steppers]
        print(
            f"{'streams':>7} {'history':>7} | "
            + " ".join(f"{n:>9}" for n in names)
            + f" | {'stream/torch':>12} {'/torchcell':>10} {'predict/stream':>14} | "
            + "max abs error vs predict"
        )
        results = {}
        for n_streams in STREAMS:
            medians, errors = measure(model, n_streams, args.repeats, steppers)
            for history in HISTORIES:
                t, err = medians[history], errors[history]
                results[n_streams, history] = t
                print(
                    f"{n_streams:>7} {history:>7} | "
                    + " ".join(f"{t[n]:9.1f}" for n in names)
                    + f" | {t['stream'] / t['torch']:12.2f} {t['stream'] / t['torchcell']:10.2f} "
                    + f"{t['predict'] / t['stream']:14.1f}"
                    + " | "
                    + ", ".join(f"{k} {v:.1e}" for k, v in err.items())
                )
        print()
        for n_streams in STREAMS:
            long, short = results[n_streams, HISTORIES[1]], results[n_streams, HISTORIES[0]]
            print(
                f"(i)  {n_streams} stream(s): stream at {HISTORIES[1]} / at {HISTORIES[0]} "
                f"steps of history = {long['stream'] / short['stream']:.2f} (goal <= 1.2)"
            )
        for history in HISTORIES:
            r = results[1, history]
            print(
                f"(ii) one step, one stream, history {history}: sklstm stream / torch = "
                f"{r['stream'] / r['torch']:.2f} (goal <= 2.0); / torch LSTMCell = "
                f"{r['stream'] / r['torchcell']:.2f}"
            )
        if args.profile:
            print()
            profile_one_step(model)


if __name__ == "__main__":
    main()
