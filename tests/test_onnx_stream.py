"""ONNX export of a stream's step: ONNX Runtime answers what the Python stream answers.

Parity as in ``test_onnx.py``: within 1e-5 of the largest value of each step's answers
(``atol``), or of the value itself (``rtol``); labels identical. Streams run 500 steps, from
different starts (so at different phases of the patches), and are checked after every step.
"""

import warnings

import numpy as np
import onnxruntime as ort
import pytest
from sklearn.exceptions import NotFittedError

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.onnx import stream_state, to_onnx_stream

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 15, 2)).astype(np.float32)
Y = X[:, -4:, 0].sum(axis=1) + 2 * X[:, :, 1].mean(axis=1) + 3.0
TINY = {"hidden_layer_sizes": (5,), "max_iter": 2, "random_state": 0, "early_stopping": False}
STEPS = 500


def fitted(estimator, y):
    if estimator.return_sequences:
        y = np.repeat(y[:, None], X.shape[1], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter is kept small on purpose
        return estimator.fit(X, y)


def session(onx):
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


class Runtime:
    """A stream graph in ONNX Runtime and the state it carries from run to run."""

    def __init__(self, model, state, **kwargs):
        self.session = session(to_onnx_stream(model, **kwargs))
        self.names = [o.name for o in self.session.get_outputs()]
        self.state = state

    def step(self, x):
        out = dict(zip(self.names, self.session.run(None, {"X": x, **self.state})))
        self.state = {name: out.pop(name + "_out") for name in self.state}
        return out


def assert_parity(got, expected):
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def stream_in_step(model, starts=(1, 3, 5), n_steps=STEPS):
    """Feed the Python stream the first ``starts`` steps, then both it and the graph every
    step to ``n_steps``, checking the graph's answers after each."""
    n = len(starts)
    steps = np.random.default_rng(1).normal(size=(n, n_steps, X.shape[2])).astype(np.float32)
    stream = model.stream(n)
    stream.predict([steps[k, :start] for k, start in enumerate(starts)])
    runtime = Runtime(model, stream_state(stream))
    classifier = isinstance(model, LSTMClassifier)
    for t in range(n_steps - max(starts)):
        x = np.stack([steps[k, start + t] for k, start in enumerate(starts)])[:, None]
        out = runtime.step(x)
        if classifier:
            expected = stream.predict_proba(x)
            assert_parity(out["probabilities"], expected)
            labels = model.classes_[np.asarray(expected).argmax(axis=-1)]
            assert out["label"].tolist() == labels.reshape(out["label"].shape).tolist()
        else:
            assert_parity(out["variable"], stream.predict(x))
    assert runtime.state["n_steps_seen"].tolist() == stream.n_steps_seen_.tolist()
    return stream, runtime


REGRESSOR_CASES = {
    "patches, ridge, mean": {"patch_size": 3, "linear_steps": 2, "pooling": "mean"},
    "stacked, patches, ridge, concat": {"patch_size": 3, "linear_steps": 2, "pooling": "concat",
                                        "hidden_layer_sizes": (6, 4)},
    "last, dropout, float64": {"pooling": "last", "dropout": 0.3, "dtype": "float64"},
    "max, no standardize, no ridge": {"pooling": "max", "standardize": False, "linear_steps": 0},
    "per step, stacked": {"return_sequences": True, "hidden_layer_sizes": (4, 4)},
}  # fmt: skip


@pytest.mark.parametrize("case", REGRESSOR_CASES)
def test_regressor_stream_parity(case):
    model = fitted(LSTMRegressor(**{**TINY, **REGRESSOR_CASES[case]}), Y)
    assert model.blend_weights_["lstm"] == 1.0  # the network is in every answer
    stream_in_step(model)


CLASSIFIER_CASES = {
    "per sequence, patches, concat": {"patch_size": 3, "pooling": "concat"},
    "per sequence, stacked, mean": {"hidden_layer_sizes": (4, 3), "pooling": "mean"},
    "per step": {"return_sequences": True},
}


@pytest.mark.parametrize("case", CLASSIFIER_CASES)
def test_classifier_stream_parity(case):
    params = {**TINY, "bidirectional": False, **CLASSIFIER_CASES[case]}
    model = fitted(LSTMClassifier(**params), np.digitize(Y, [2.5, 3.5]))
    stream_in_step(model)


def test_string_labels_and_multi_output_regressor():
    labels = np.array(["low", "mid", "high"])[np.digitize(Y, [2.5, 3.5])]
    model = fitted(LSTMClassifier(**TINY, bidirectional=False, patch_size=2), labels)
    stream_in_step(model, starts=(2, 1), n_steps=40)
    Y2 = np.stack([Y, -10 * Y], axis=1)
    model = fitted(LSTMRegressor(**TINY, patch_size=2, linear_steps=3), Y2)
    stream_in_step(model, starts=(2, 1), n_steps=40)


@pytest.mark.parametrize("weight", [0.0, 0.37])
def test_network_weighed_or_dropped(weight):
    model = fitted(LSTMRegressor(**TINY, patch_size=2, linear_steps=3), Y)
    model.blend_weights_["lstm"] = weight
    stream_in_step(model, n_steps=40)


def test_from_the_initial_state_as_predict_on_each_prefix():
    # Streams started in ONNX Runtime from stream_state(model): each answer is predict's
    # on the prefix; a graph for a fixed number of streams says so in its shapes.
    model = fitted(LSTMRegressor(**TINY, patch_size=3, linear_steps=2, pooling="concat"), Y)
    state = stream_state(model, n_streams=2)
    assert state["n_steps_seen"].dtype == np.int64 and not state["n_steps_seen"].any()
    assert state["window"].shape == (2, 3, 2) and state["h_0"].shape == (3, 2, 5)
    assert np.all(state["peak"] == -np.inf) and not state["total"].any()
    assert state["patches"].shape == (3, 2, 2, 6)
    assert all(a.dtype == np.float32 for k, a in state.items() if k != "n_steps_seen")
    onx = to_onnx_stream(model, n_streams=2, target_opset=13)
    assert [d.dim_value for d in onx.graph.input[0].type.tensor_type.shape.dim] == [2, 1, 2]
    assert onx.opset_import[0].version == 13
    runtime = Runtime(model, state, n_streams=2, target_opset=13)
    steps = np.random.default_rng(2).normal(size=(2, 8, 2)).astype(np.float32)
    for t in range(steps.shape[1]):
        out = runtime.step(steps[:, t : t + 1])
        assert_parity(out["variable"][:, 0], model.predict(steps[:, : t + 1]))
    with pytest.raises(ValueError, match="positive integer"):
        to_onnx_stream(model, n_streams=0)
    with pytest.raises(ValueError, match="positive integer"):
        to_onnx_stream(model, n_streams=True)
    with pytest.raises(ValueError, match="but the stream has 2"):
        stream_state(model.stream(2), n_streams=5)


def test_state_names_match_the_graph():
    model = fitted(
        LSTMClassifier(**{**TINY, "hidden_layer_sizes": (3, 2)}, bidirectional=False), Y > 3
    )
    onx = to_onnx_stream(model)
    state = stream_state(model, n_streams=4)
    assert [i.name for i in onx.graph.input] == ["X", *state]
    assert [o.name for o in onx.graph.output] == ["label", "probabilities"] + [
        f"{name}_out" for name in state
    ]
    assert set(state) == {"n_steps_seen", "window", "h_0", "c_0", "h_1", "c_1", "total", "peak"}


@pytest.mark.parametrize(
    "estimator",
    [
        LSTMClassifier(**TINY),  # bidirectional by default
        LSTMRegressor(**TINY, conv_filters=(3,), conv_kernel_sizes=3),
        LSTMRegressor(**TINY, random_kernels=84),
    ],
    ids=["bidirectional", "conv", "random kernels"],
)
def test_models_that_do_not_stream_are_refused_as_stream_refuses_them(estimator):
    model = fitted(estimator, Y > 3 if isinstance(estimator, LSTMClassifier) else Y)
    with pytest.raises(ValueError) as refused:
        model.stream()
    message = str(refused.value)
    for call in (to_onnx_stream, stream_state):
        with pytest.raises(ValueError) as error:
            call(model)
        assert str(error.value) == message


def test_clear_errors():
    with pytest.raises(NotFittedError):
        to_onnx_stream(LSTMRegressor())
    with pytest.raises(TypeError, match="LSTMRegressor or LSTMClassifier"):
        to_onnx_stream(object())
    model = fitted(LSTMRegressor(**TINY), Y)
    for opset in (12, 99, "13", 13.5, True):
        with pytest.raises(ValueError, match="target_opset must be an integer from 13 to"):
            to_onnx_stream(model, target_opset=opset)
