"""Saved models load back, and predict bit-identically: skops with sklstm.TRUSTED_TYPES,
and MLflow's scikit-learn flavour (which saves with skops)."""

import warnings

import numpy as np
import pytest
import skops.io as sio

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor

rng = np.random.default_rng(0)
X3 = rng.standard_normal((24, 6, 2))
Y = X3.sum(axis=(1, 2))
LABELS = np.where(Y > 0, "pos", "neg")
RAGGED = [x[: 2 + k % 5] for k, x in enumerate(X3)]
FAST = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)

# Every kind of fitted state: each solver and schedule, warm starts and partial_fit, the
# front end, the random-kernel base, ragged and per-step targets, early stopping, float64.
MODELS = {
    "regressor adam, early stopping": lambda: LSTMRegressor(**FAST).fit(X3, Y),
    "regressor sgd invscaling, conv": lambda: LSTMRegressor(
        **FAST, solver="sgd", learning_rate="invscaling", conv_filters=(3,)
    ).fit(X3, Y),
    "regressor partial_fit, float64, ragged": lambda: (
        LSTMRegressor(**FAST, dtype="float64").partial_fit(RAGGED, Y).partial_fit(RAGGED, Y)
    ),
    "regressor per step, warm start": lambda: (
        LSTMRegressor(**FAST, return_sequences=True, warm_start=True)
        .fit(X3, X3[:, :, 0])
        .fit(X3, X3[:, :, 0])
    ),
    "classifier adaptive, bidirectional": lambda: LSTMClassifier(
        **FAST, learning_rate="adaptive", bidirectional=True, class_weight="balanced"
    ).fit(X3, LABELS),
    "classifier partial_fit, ints": lambda: LSTMClassifier(**FAST).partial_fit(
        X3, (Y > 0).astype(int), classes=[0, 1]
    ),
    "classifier random kernels, ragged": lambda: LSTMClassifier(**FAST, random_kernels=168).fit(
        RAGGED, LABELS
    ),
    "regressor random kernels, ragged": lambda: LSTMRegressor(**FAST, random_kernels=168).fit(
        RAGGED, Y
    ),
}


def fitted(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter is kept small on purpose
        return MODELS[name]()


def test_trusted_types_names_the_estimators():
    assert sorted(sklstm.TRUSTED_TYPES) == [
        "sklstm._classifier.LSTMClassifier",
        "sklstm._regressor.LSTMRegressor",
    ]


@pytest.mark.parametrize("name", MODELS)
def test_skops_loads_with_trusted_types(name):
    model = fitted(name)
    data = sio.dumps(model)
    assert set(sio.get_untrusted_types(data=data)) <= set(sklstm.TRUSTED_TYPES)
    loaded = sio.loads(data, trusted=sklstm.TRUSTED_TYPES)
    X = RAGGED if "ragged" in name else X3
    np.testing.assert_array_equal(np.concatenate(loaded.predict(X), axis=None),
                                  np.concatenate(model.predict(X), axis=None))  # fmt: skip
    # The loaded model trains on exactly as the original does.
    if "partial_fit" in name:
        y = Y if isinstance(model, LSTMRegressor) else (Y > 0).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_array_equal(
                loaded.partial_fit(X, y).predict(X), model.partial_fit(X, y).predict(X)
            )


@pytest.mark.parametrize(
    "name", ["regressor adam, early stopping", "classifier adaptive, bidirectional"]
)
def test_mlflow_round_trip(name, tmp_path):
    import mlflow.sklearn

    model = fitted(name)
    path = str(tmp_path / "model")
    mlflow.sklearn.save_model(
        model,
        path,
        serialization_format="skops",
        skops_trusted_types=sklstm.TRUSTED_TYPES,
        pip_requirements=["sklstm"],  # named: inferring them runs the model in a subprocess
    )
    loaded = mlflow.sklearn.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X3), model.predict(X3))
    if isinstance(model, LSTMClassifier):
        np.testing.assert_array_equal(loaded.predict_proba(X3), model.predict_proba(X3))
