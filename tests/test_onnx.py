"""ONNX export: ONNX Runtime predicts what sklstm predicts, for every option.

Parity is float32's: each prediction within 1e-5 of the value, relative to the largest
prediction of the batch (``atol``), or to itself (``rtol``); labels identical.
"""

import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import skl2onnx
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.onnx import pad_sequences, to_onnx

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(48, 21, 3)).astype(np.float32)
Y = X3[:, -4:, 0].sum(axis=1) + X3[:, :, 1].mean(axis=1) * 2
RAGGED = [X3[k, : 3 + (k * 7) % 19] for k in range(len(X3))]
FAST = {"max_iter": 4, "random_state": 0, "hidden_layer_sizes": (6,)}


def fitted(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter is kept small on purpose
        return estimator.fit(X, y)


def session(onx):
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def feeds(X):
    if isinstance(X, list):
        X, lengths = pad_sequences(X)
        return {"X": X, "lengths": lengths}
    return {"X": np.asarray(X)}


def assert_parity(got, expected):
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def real_steps(padded, X):
    """The per-step outputs of a padded batch at the real steps of a list X."""
    return np.concatenate([p[: len(x)] for p, x in zip(padded, X)])


REGRESSOR_CASES = {
    "defaults": {},
    "bidirectional, stacked": {"bidirectional": True, "hidden_layer_sizes": (5, 4)},
    "last": {"pooling": "last", "bidirectional": True},
    "mean": {"pooling": "mean"},
    "max": {"pooling": "max"},
    "patches": {"patch_size": 4},
    "conv front end": {"conv_filters": (4, 5), "conv_kernel_sizes": (5, 2), "conv_pool_size": 3},
    "float64": {"dtype": "float64"},
    "no standardize": {"standardize": False},
    "no linear base": {"linear_steps": 0},
    "fixed linear base": {"linear_steps": 3, "linear_alpha": 1.0, "patch_size": 2},
    "dropout": {"dropout": 0.3},
    "random kernels": {"random_kernels": 336},
    "random kernels alone, float64": {"random_kernels": 168, "linear_steps": 0,
                                      "dtype": "float64"},
}  # fmt: skip


@pytest.mark.parametrize("ragged", [False, True], ids=["3D", "ragged"])
@pytest.mark.parametrize("case", REGRESSOR_CASES)
def test_regressor_parity(case, ragged):
    X = RAGGED if ragged else X3
    model = fitted(
        LSTMRegressor(**{**FAST, "early_stopping": False, **REGRESSOR_CASES[case]}), X, Y
    )
    onx = to_onnx(model, X)
    assert [i.name for i in onx.graph.input] == (["X", "lengths"] if ragged else ["X"])
    (pred,) = session(onx).run(None, feeds(X))
    assert pred.shape == (len(X3), 1) and pred.dtype == np.float32
    assert_parity(pred, model.predict(X))


@pytest.mark.parametrize("weight", [0.0, 0.37, 1.0])
def test_regressor_parity_with_and_without_the_network(weight):
    # Early stopping weighs the network by what held-out sequences bear out; every weight exports.
    model = fitted(LSTMRegressor(**FAST, early_stopping=True), X3, Y)
    model.blend_weights_["lstm"] = weight
    (pred,) = session(to_onnx(model, X3)).run(None, feeds(X3))
    assert_parity(pred, model.predict(X3))


@pytest.mark.parametrize("kernel_weight", [0.0, 0.3, 1.0])
def test_regressor_random_kernel_base_blended(kernel_weight):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 140, 2)).astype(np.float32)
    y = X[:, 60:70, 0].max(axis=1) + X[:, -1, 1]
    model = fitted(LSTMRegressor(**FAST), X, y)
    assert model.random_kernels_ == 9996 // 84 * 84  # 'auto': on from 100 steps
    model.blend_weights_.update(linear_steps=1.0 - kernel_weight, random_kernels=kernel_weight)
    (pred,) = session(to_onnx(model, X)).run(None, feeds(X))
    assert_parity(pred, model.predict(X))


def test_regressor_multi_output_any_length_and_float64_input():
    Y2 = np.column_stack([Y, -2 * Y + 1])
    model = fitted(LSTMRegressor(**FAST), X3, Y2)
    run = session(to_onnx(model, X3[:2].astype(np.float64)))
    for steps in (21, 40, 1):  # the graph leaves the number of steps free
        X = RNG.normal(size=(5, steps, 3))
        (pred,) = run.run(None, {"X": X})
        assert pred.dtype == np.float64
        assert_parity(pred, model.predict(X))


@pytest.mark.parametrize("ragged", [False, True], ids=["3D", "ragged"])
@pytest.mark.parametrize("front_end", [False, True], ids=["lstm", "conv"])
def test_per_step_regressor_parity(ragged, front_end):
    X = RAGGED if ragged else X3
    y = [np.cumsum(x[:, 0]) for x in X] if ragged else np.cumsum(X3[:, :, 0], axis=1)
    params = {"conv_filters": (3,), "conv_pool_size": 1} if front_end else {}
    model = fitted(LSTMRegressor(**FAST, return_sequences=True, bidirectional=True, **params), X, y)
    (pred,) = session(to_onnx(model, X)).run(None, feeds(X))
    assert pred.shape[-1] == 1
    expected = model.predict(X)
    if ragged:
        pred, expected = real_steps(pred[..., 0], X), np.concatenate(expected)
    assert_parity(pred, expected)


@pytest.mark.parametrize("newest_first", [False, True])
def test_2d_columns_and_pipeline_with_scaler(newest_first):
    X2 = X3.reshape(len(X3), -1) * 10 + 3
    model = make_pipeline(
        StandardScaler(), LSTMRegressor(**FAST, features_per_step=3, newest_first=newest_first)
    )
    model = fitted(model, X2, Y)
    for onx in (to_onnx(model, X2[:1]), skl2onnx.to_onnx(model, X2[:1])):
        (pred,) = session(onx).run(None, {"X": X2})
        assert_parity(pred, model.predict(X2))


CLASSIFIER_CASES = {
    "defaults": {},
    "bidirectional, last": {"bidirectional": True, "pooling": "last"},
    "conv, mean": {"conv_filters": (4,), "conv_pool_size": 2, "pooling": "mean"},
    "stacked, max, patches": {"hidden_layer_sizes": (5, 4), "pooling": "max", "patch_size": 3},
    "float64": {"dtype": "float64"},
    "random kernels": {"random_kernels": 336},
    "random kernels, patches, float64": {"random_kernels": 168, "patch_size": 2,
                                         "dtype": "float64"},
}  # fmt: skip
LABELS = {
    "ints": np.array([3, 7, 9]),
    "strings": np.array(["cat", "dog", "eel"]),
    "bools": np.array([False, True, True]),
}


@pytest.mark.parametrize("labels", LABELS)
@pytest.mark.parametrize("ragged", [False, True], ids=["3D", "ragged"])
@pytest.mark.parametrize("case", CLASSIFIER_CASES)
def test_classifier_parity(case, ragged, labels):
    X = RAGGED if ragged else X3
    y = LABELS[labels][np.digitize(Y, np.quantile(Y, [1 / 3, 2 / 3]))]
    model = fitted(LSTMClassifier(**{**FAST, **CLASSIFIER_CASES[case]}), X, y)
    label, proba = session(to_onnx(model, X, options={"zipmap": False})).run(None, feeds(X))
    expected = model.predict(X)
    np.testing.assert_array_equal(label, expected.astype(label.dtype))
    assert_parity(proba, model.predict_proba(X))


@pytest.mark.parametrize("weight", [0.0, 0.4, 1.0])
def test_random_kernel_base_with_the_network_weighed(weight):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 140, 2)).astype(np.float32)
    y = (X[:, 60:70, 0].mean(axis=1) > 0).astype(int)
    model = fitted(LSTMClassifier(**FAST), X, y)
    assert model.random_kernels_ == 9996 // 84 * 84  # 'auto': on from 100 steps
    model.blend_weights_["lstm"] = weight
    label, proba = session(to_onnx(model, X, options={"zipmap": False})).run(None, feeds(X))
    np.testing.assert_array_equal(label, model.predict(X))
    assert_parity(proba, model.predict_proba(X))


def test_classifier_zipmap_as_skl2onnx_gives_it():
    y = np.where(Y > 0, "up", "down")
    model = fitted(LSTMClassifier(**FAST), X3, y)
    label, proba = session(skl2onnx.to_onnx(model, X3[:1])).run(None, {"X": X3})
    np.testing.assert_array_equal(label, model.predict(X3))
    expected = model.predict_proba(X3)
    assert_parity([[p[c] for c in model.classes_] for p in proba], expected)
    columns = session(to_onnx(model, X3, options={"zipmap": "columns"})).run(None, {"X": X3})
    assert_parity(np.column_stack(columns[1:]), expected)


def test_integer_labels_of_every_dtype_exact():
    # The graph's labels are the classes exactly, int64 or (past int64's range) uint64.
    model = fitted(LSTMClassifier(**FAST), X3, Y > 0)
    run_each = []
    for dtype in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64):
        info = np.iinfo(dtype)
        run_each.append(np.array([info.min, info.max], dtype=dtype))
    run_each.append(np.array([5, 2**63 + 7], dtype=np.uint64))  # the labels
    for classes in run_each:
        model.classes_ = classes
        big = classes.max() > np.iinfo(np.int64).max
        label, _ = session(to_onnx(model, X3, options={"zipmap": False})).run(None, feeds(X3))
        assert label.dtype == (np.uint64 if big else np.int64)
        assert label.tolist() == model.predict(X3).tolist()  # Python ints: exact
        assert set(label.tolist()) == set(classes.tolist())
        if big:  # ZipMap's keys are int64: refused, with the way out
            for options in (None, {"zipmap": "columns"}):
                with pytest.raises(ValueError, match=rf"{classes.max()}.*'zipmap': False"):
                    to_onnx(model, X3, options=options)


def test_uint64_labels_past_int64_per_step_and_ragged():
    y = [np.array([2**63 + 7, 5], dtype=np.uint64)[(x[:, 0] > 0).astype(int)] for x in RAGGED]
    model = fitted(LSTMClassifier(**FAST, return_sequences=True), RAGGED, y)
    label, proba = session(to_onnx(model, RAGGED)).run(None, feeds(RAGGED))
    assert label.dtype == np.uint64
    expected = np.concatenate(model.predict(RAGGED))
    assert real_steps(label, RAGGED).tolist() == expected.tolist()
    assert_parity(real_steps(proba, RAGGED), np.concatenate(model.predict_proba(RAGGED)))


LENGTHS_CASES = {
    "regressor: patches, linear and random-kernel bases": (
        LSTMRegressor, {"patch_size": 2, "random_kernels": 168, "early_stopping": False}
    ),
    "classifier: bidirectional, last, random kernels": (
        LSTMClassifier, {"bidirectional": True, "pooling": "last", "random_kernels": 168}
    ),
    "classifier: conv front end": (LSTMClassifier, {"conv_filters": (3,), "conv_pool_size": 2}),
}  # fmt: skip


@pytest.mark.parametrize("case", LENGTHS_CASES)
def test_lengths_outside_the_steps_are_clipped(case):
    # Documented: lengths outside 1..T are clipped into it (ONNX cannot fail with a message;
    # unclipped, 0 gave NaN and the others errors inside ONNX Runtime).
    estimator, params = LENGTHS_CASES[case]
    y = Y if estimator is LSTMRegressor else Y > 0
    model = fitted(estimator(**FAST, **params), RAGGED, y)
    assert model.random_kernels_ == params.get("random_kernels", 0)
    X, lengths = pad_sequences(RAGGED[:8])
    T = X.shape[1]
    lengths[:6] = [0, -1, -(2**62), T + 1, 2**40, 1]
    options = None if estimator is LSTMRegressor else {"zipmap": False}
    run = session(to_onnx(model, RAGGED, options=options))
    outputs = run.run(None, {"X": X, "lengths": lengths})
    clipped = np.clip(lengths, 1, T)
    assert clipped[:6].tolist() == [1, 1, 1, T, T, 1]
    as_clipped = [x[:n] for x, n in zip(X, clipped)]
    if estimator is LSTMRegressor:
        assert_parity(outputs[0], model.predict(as_clipped))
    else:
        np.testing.assert_array_equal(outputs[0], model.predict(as_clipped))
        assert_parity(outputs[1], model.predict_proba(as_clipped))
    assert np.all(np.isfinite(outputs[-1]))
    with pytest.raises(ValueError):
        model.predict([x[:0] for x in X[:1]])  # sklstm refuses what the graph clips


def test_persistence_docs_onnx_snippet():
    # docs/user_guide/persistence.rst's ONNX snippet, run as written: it feeds the graph
    # float32 X and checks it against sklstm on that same float32 X within 1e-5.
    docs = Path(__file__).resolve().parent.parent / "docs" / "user_guide" / "persistence.rst"
    section = docs.read_text().split("\nONNX\n----\n")[1]
    code = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section).group(1)
    rng = np.random.default_rng(3)
    X_train, X_test = rng.normal(size=(40, 30, 2)), rng.normal(size=(12, 30, 2))
    model = fitted(LSTMRegressor(**FAST), X_train, X_train[:, -3:, 0].sum(axis=1))
    namespace = {"model": model, "X_train": X_train, "X_test": X_test}
    exec(textwrap.dedent(code), namespace)  # raises if the snippet's check fails
    assert namespace["X32"].dtype == np.float32 and namespace["pred"].shape == (12, 1)
    np.testing.assert_array_equal(
        namespace["expected"][:, 0], model.predict(X_test.astype(np.float32))
    )


@pytest.mark.parametrize("ragged", [False, True], ids=["3D", "ragged"])
def test_per_step_classifier_parity(ragged):
    X = RAGGED if ragged else X3
    y = [x[:, 0] > 0 for x in X] if ragged else X3[:, :, 0] > 0
    model = fitted(LSTMClassifier(**FAST, return_sequences=True), X, y)
    label, proba = session(to_onnx(model, X)).run(None, feeds(X))
    expected_label, expected_proba = model.predict(X), model.predict_proba(X)
    if ragged:
        label, proba = real_steps(label, X), real_steps(proba, X)
        expected_label, expected_proba = (
            np.concatenate(expected_label),
            np.concatenate(expected_proba),
        )
    np.testing.assert_array_equal(label, expected_label.astype(np.int64))
    assert_parity(proba, expected_proba)
    with pytest.raises(ValueError, match="zipmap"):
        skl2onnx.to_onnx(model, X3[:1])


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_older_opsets(opset):
    model = fitted(LSTMRegressor(**FAST, pooling="concat", early_stopping=False), RAGGED, Y)
    onx = to_onnx(model, RAGGED, target_opset=opset)
    assert max(o.version for o in onx.opset_import if o.domain in ("", "ai.onnx")) <= opset
    (pred,) = session(onx).run(None, feeds(RAGGED))
    assert_parity(pred, model.predict(RAGGED))


def test_clear_errors():
    with pytest.raises(NotFittedError):
        to_onnx(LSTMClassifier(), X3)
    model = fitted(LSTMRegressor(**FAST), X3, Y)
    for opset in (12, 99, "13", 13.5, True):
        with pytest.raises(ValueError, match="target_opset must be an integer from 13 to"):
            to_onnx(model, X3, target_opset=opset)
    with pytest.raises(ValueError, match="target_opset >= 13"):  # skl2onnx's own entry
        skl2onnx.to_onnx(model, X3[:1], target_opset=12)
    with pytest.raises(ValueError, match="fitted with 3"):
        to_onnx(model, X3[:, :, :2])
    with pytest.raises(ValueError, match="2D or 3D"):
        to_onnx(model, X3[0, 0])
    with pytest.raises(ValueError, match="lengths must be an int64 tensor, with a 3D X"):
        columns = fitted(LSTMRegressor(**FAST, features_per_step=3), X3.reshape(48, 63), Y)
        skl2onnx.to_onnx(columns, initial_types=[
            ("X", skl2onnx.common.data_types.FloatTensorType([None, 63])),
            ("lengths", skl2onnx.common.data_types.Int64TensorType([None])),
        ])  # fmt: skip


def test_pad_sequences():
    X, lengths = pad_sequences(RAGGED[:3])
    assert X.dtype == np.float32 and lengths.dtype == np.int64
    assert lengths.tolist() == [3, 10, 17] and X.shape == (3, 17, 3)
    np.testing.assert_array_equal(X[1, :10], RAGGED[1])
    assert not X[1, 10:].any()
