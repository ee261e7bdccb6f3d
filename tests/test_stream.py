"""Streams: after every chunk of new steps, the answer ``predict`` gives on the whole prefix.

float64 models agree within 1e-12, float32 ones within 1e-5 of the largest value (how BLAS
rounds a product of another width shows at ~1e-7 in float32); labels are equal.
"""

import pickle

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor

rng = np.random.RandomState(0)
X = rng.standard_normal((30, 12, 2))
Y = X[:, -4:, 0].sum(axis=1)
LABELS = np.digitize(Y, [-1.0, 1.0])  # 3 classes
STEP_Y = np.cumsum(X[:, :, 0], axis=1)
STEP_LABELS = (STEP_Y > 0).astype(int)
STREAMS = [rng.standard_normal((n, 2)) for n in (11, 7, 9)]  # ragged: fed side by side
TOL = {"float64": 1e-12, "float32": 1e-5}
FAST = dict(max_iter=2, random_state=0)

# (id, estimator, targets): every streamable kind of model.
CONFIGS = [
    ("reg last", LSTMRegressor(hidden_layer_sizes=(6,), pooling="last", **FAST), Y),
    ("reg mean patches", LSTMRegressor(hidden_layer_sizes=(6,), pooling="mean", patch_size=3,
                                       **FAST), Y),
    ("reg max stacked", LSTMRegressor(hidden_layer_sizes=(6, 4), pooling="max", **FAST), Y),
    ("reg concat patches ridge", LSTMRegressor(hidden_layer_sizes=(5,), pooling="concat",
                                               patch_size=2, linear_steps=3, **FAST), Y),
    ("reg per step", LSTMRegressor(hidden_layer_sizes=(6,), return_sequences=True, **FAST),
     STEP_Y),
    ("clf last", LSTMClassifier(hidden_layer_sizes=(6,), bidirectional=False, pooling="last",
                                **FAST), LABELS),
    ("clf concat stacked patches", LSTMClassifier(hidden_layer_sizes=(5, 4),
                                                  bidirectional=False, pooling="concat",
                                                  patch_size=4, dropout=0.1, **FAST), LABELS),
    ("clf per step", LSTMClassifier(hidden_layer_sizes=(6,), bidirectional=False,
                                    return_sequences=True, **FAST), STEP_LABELS),
]  # fmt: skip


def _close(got, expected, dtype):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    scale = max(1.0, np.abs(expected).max(initial=0.0))
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL[dtype] * scale)


def _check(got, expected, method_name, dtype):
    if method_name == "predict" and not np.issubdtype(np.asarray(expected).dtype, np.floating):
        np.testing.assert_array_equal(got, expected)  # labels
    else:
        _close(got, expected, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("chunk", [1, 3, None], ids=["chunk 1", "chunk 3", "whole"])
@pytest.mark.parametrize("model, y", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_stream_answers_what_predict_gives_on_the_prefix(model, y, chunk, dtype):
    model = model.set_params(dtype=dtype).fit(X, y)
    n_longest = max(len(s) for s in STREAMS)
    size = chunk or n_longest
    methods = ("predict_proba", "predict") if hasattr(model, "classes_") else ("predict",)
    for method_name in methods:
        stream = model.stream(len(STREAMS))
        for done in range(0, n_longest, size):
            # Streams of different lengths side by side: one ended is fed nothing.
            pieces = [s[done : done + size] for s in STREAMS]
            got = getattr(stream, method_name)(pieces)
            prefixes = [s[: done + size] for s in STREAMS]
            expected = getattr(model, method_name)(prefixes)
            if model.return_sequences:  # one answer a new step
                for g, e, piece in zip(got, expected, pieces):
                    _check(g, e[len(e) - len(piece) :], method_name, dtype)
            else:
                _check(got, expected, method_name, dtype)
        np.testing.assert_array_equal(stream.n_steps_seen_, [len(s) for s in STREAMS])


def test_array_chunks_of_one_or_many_streams_and_reset():
    model = LSTMRegressor(hidden_layer_sizes=(6,), patch_size=2, dtype="float64", **FAST)
    model.fit(X, Y)
    one = model.stream()
    for t in range(9):  # (n_new_steps, n_features) for one stream
        got = one.predict(STREAMS[0][t : t + 1])
    _close(got, model.predict(STREAMS[0][None, :9]), "float64")
    block = np.stack([s[:7] for s in STREAMS])
    many = model.stream(3)
    many.predict(block[:, :4])  # (n_streams, n_new_steps, n_features)
    _close(many.predict(block[:, 4:]), model.predict(block), "float64")
    many.reset()
    assert not many.n_steps_seen_.any()
    _close(many.predict(block[:, :2]), model.predict(block[:, :2]), "float64")
    series = STREAMS[0][:, :1]  # one feature: a 1-D chunk is its steps
    uni = LSTMRegressor(hidden_layer_sizes=(4,), dtype="float64", **FAST).fit(X[:, :, :1], Y)
    stream = uni.stream()
    stream.predict(series[:5, 0])
    _close(stream.predict(series[5:, 0]), uni.predict(series[None]), "float64")


def test_a_pickled_stream_resumes_as_if_it_never_stopped():
    model = LSTMClassifier(hidden_layer_sizes=(6,), bidirectional=False, patch_size=3,
                           pooling="concat", **FAST).fit(X, LABELS)  # fmt: skip
    going = model.stream(3)
    going.predict_proba([s[:5] for s in STREAMS])
    resumed = pickle.loads(pickle.dumps(going))
    rest = [s[5:] for s in STREAMS]
    np.testing.assert_array_equal(resumed.predict_proba(rest), going.predict_proba(rest))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(bidirectional=True), r"bidirectional=True: .* Fit the \w+ with bidirectional=False"),
        (dict(conv_filters=(4,)), r"conv_filters=\(4,\): .*'same'.* with conv_filters=\(\)"),
        (dict(random_kernels=84), r"random-kernel base \(random_kernels_=84\).* random_kernels=0"),
    ],
    ids=["bidirectional", "convolution", "random kernels"],
)
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_settings_that_read_the_future_are_refused_at_stream(Estimator, params, message):
    y = Y if Estimator is LSTMRegressor else LABELS
    params = {"hidden_layer_sizes": (4,), "bidirectional": False, **FAST, **params}
    model = Estimator(**params).fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.stream()


def test_bad_chunks_are_refused_clearly():
    model = LSTMRegressor(hidden_layer_sizes=(4,), **FAST).fit(X, Y)
    with pytest.raises(ValueError, match="n_streams must be a positive integer"):
        model.stream(0)
    stream = model.stream(2)
    with pytest.raises(ValueError, match=r"list of 3 chunks, but the stream has 2 streams"):
        stream.predict(STREAMS)
    with pytest.raises(ValueError, match=r"the steps of one stream, but the stream has 2"):
        stream.predict(STREAMS[0])
    with pytest.raises(ValueError, match=r"with the 2 features per step the model"):
        stream.predict([np.zeros((3, 5)), np.zeros((3, 5))])
    with pytest.raises(ValueError, match="NaN or infinity"):
        stream.predict([np.full((1, 2), np.nan), np.zeros((1, 2))])
    with pytest.raises(ValueError, match="fed no step yet"):
        stream.predict([np.zeros((1, 2)), np.zeros((0, 2))])
    assert not stream.n_steps_seen_.any()  # a refused chunk changes nothing


def test_a_stream_keeps_the_model_it_was_made_from():
    model = LSTMRegressor(hidden_layer_sizes=(6,), patch_size=2, **FAST).fit(X, Y)
    before = model.predict(STREAMS[0][None])
    stream = model.stream()
    stream.predict(STREAMS[0][:4])
    model.set_params(random_state=1, hidden_layer_sizes=(3,)).fit(X, 2 * Y)
    _close(stream.predict(STREAMS[0][4:]), before, "float32")
    with pytest.raises(ValueError, match="n_streams must be a positive integer; got True"):
        model.stream(True)
    with pytest.raises(ValueError, match="X_new must hold numbers"):
        model.stream().predict(np.array([["a", "b"]]))


def test_one_streams_steps_as_nested_lists_read_as_an_array():
    model = LSTMRegressor(hidden_layer_sizes=(4,), **FAST).fit(X, Y)
    steps = STREAMS[0][:3]
    np.testing.assert_array_equal(
        model.stream().predict(steps.tolist()), model.stream().predict(steps)
    )
    one_feature = LSTMRegressor(hidden_layer_sizes=(4,), **FAST).fit(X[:, :, :1], Y)
    column = STREAMS[0][:3, :1]
    np.testing.assert_array_equal(
        one_feature.stream().predict(column.tolist()), one_feature.stream().predict(column)
    )
    np.testing.assert_array_equal(
        one_feature.stream().predict(column[:, 0].tolist()), one_feature.stream().predict(column)
    )
    with pytest.raises(ValueError, match="list of 2 chunks, but the stream has 1 stream"):
        model.stream().predict([steps, steps[:2]])
    with pytest.raises(ValueError, match=r"X_new\[1\] must hold numbers"):
        model.stream(2).predict([steps, [[1.0, 2.0], [3.0]]])
    with pytest.raises(ValueError, match="X_new holds complex numbers"):
        model.stream().predict(steps + 1j)
    with pytest.raises(ValueError, match=r"X_new\[1\] holds complex numbers"):
        model.stream(2).predict([steps, steps + 1j])
    with pytest.raises(MemoryError, match="use fewer streams"):
        model.stream(10**15)


def test_empty_chunks_feed_nothing_and_pipelines_do_not_stream():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = LSTMClassifier(hidden_layer_sizes=(6,), bidirectional=False, **FAST).fit(X, LABELS)
    stream = model.stream()
    proba = stream.predict_proba(STREAMS[0][:4])
    # An empty chunk feeds nothing and gives the answer again: labels of the same steps.
    labels = stream.predict(np.empty((0, 2)))
    np.testing.assert_array_equal(labels, model.classes_[proba.argmax(axis=-1)])
    assert stream.n_steps_seen_.tolist() == [4]
    per_step = LSTMRegressor(hidden_layer_sizes=(4,), return_sequences=True, **FAST)
    per_step = per_step.fit(X, STEP_Y).stream(2)
    out = per_step.predict([STREAMS[0][:3], np.empty((0, 2))])  # the second not begun
    assert [o.shape for o in out] == [(3,), (0,)]
    with pytest.raises(ValueError, match=r"Streams \[1\] have been fed no step yet"):
        model.stream(2).predict([STREAMS[0][:3], np.empty((0, 2))])
    pipe = make_pipeline(StandardScaler(), LSTMRegressor(**FAST)).fit(X[:, :, 0], Y)
    from sklstm._stream import Stream

    with pytest.raises(TypeError, match=r"A Pipeline does not stream.*pipeline\[-1\].stream"):
        Stream(pipe)
