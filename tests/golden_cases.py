"""Fits whose predictions and weights are pinned bit for bit (tests/test_golden.py).

Each case fits one configuration on small fixed data and returns its arrays:
predictions (or probabilities), every fitted weight, the loss curve and, with early
stopping, the validation scores. ``python -m tests.golden_cases`` writes them to
``tests/data/golden.npz``; it was run on the code before the estimator was split into
the training loop, the prediction runtime and a network of layers, so the test shows
that the split changed no arithmetic. The file also records the BLAS kernel and NumPy
version it was made with: bit-identity is a property of the same floating-point work,
which another BLAS kernel (another CPU) or NumPy's own SIMD loops may order differently.
The regressor's cases name ``linear_alpha=10.0``, the default when the arrays were written.
"""

import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info

from sklstm import LSTMClassifier, LSTMRegressor

PATH = Path(__file__).parent / "data" / "golden.npz"

_rng = np.random.RandomState(20)
X3 = _rng.standard_normal((40, 12, 2))
Y = X3[:, -4:].sum(axis=(1, 2)) + 0.1 * _rng.standard_normal(40)
Y2 = np.column_stack([Y, X3[:, :, 0].mean(axis=1)])
LABELS = np.array(["a", "b", "c"])[np.digitize(Y, [-1.0, 1.0])]
RAGGED = [X3[k, : 4 + k % 9] for k in range(40)]
STEP_Y = np.cumsum(X3[:, :, 0], axis=1)
STEP_LABELS = [np.where(np.cumsum(s[:, 1]) > 0, "up", "down") for s in RAGGED]
SW = 0.5 + _rng.uniform(size=40)
X_BIG = np.random.RandomState(21).standard_normal((700, 12, 2))  # several prediction blocks


def _fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _with_network(model):
    """The regressor as the arrays were written: ridge plus network, whatever the held-out
    sequences chose (``network_weight_``, which came later, may drop the network)."""
    if hasattr(model, "network_weight_"):
        model.blend_weights_["lstm"] = 1.0
    return model


def _arrays(model, pred):
    out = {"pred": np.asarray(pred), "loss_curve": np.array(model.loss_curve_)}
    out.update({f"coef{k}": p for k, p in enumerate(model.coefs_)})
    if model.validation_scores_ is not None:
        out["validation_scores"] = np.array(model.validation_scores_)
    return out


def reg_default():
    model = LSTMRegressor(hidden_layer_sizes=(8,), max_iter=6, linear_alpha=10.0, random_state=0)
    _fit(model, X3, Y)
    return _arrays(model, _with_network(model).predict(X_BIG))


def reg_stacked_bidirectional_float64():
    model = LSTMRegressor(
        hidden_layer_sizes=(6, 4), bidirectional=True, pooling="last", dtype="float64",
        dropout=0.2, early_stopping=False, linear_steps=0, max_iter=4, random_state=1,
    )  # fmt: skip
    _fit(model, X3, Y2, sample_weight=SW)
    return _arrays(model, _with_network(model).predict(X3))


def reg_ragged_mean():
    model = LSTMRegressor(
        hidden_layer_sizes=(5,), pooling="mean", max_iter=5, linear_alpha=10.0, random_state=2
    )
    _fit(model, RAGGED, Y)
    return _arrays(model, _with_network(model).predict(RAGGED))


def reg_per_step():
    model = LSTMRegressor(
        hidden_layer_sizes=(5,), return_sequences=True, max_iter=4, random_state=3
    )
    _fit(model, X3, STEP_Y)
    return _arrays(model, _with_network(model).predict(X3))


def reg_warm_start_2d_sgd():
    model = LSTMRegressor(
        hidden_layer_sizes=(6,), features_per_step=2, solver="sgd", learning_rate="adaptive",
        pooling="max", warm_start=True, max_iter=3, patch_size=3, linear_alpha=10.0,
        random_state=4,
    )  # fmt: skip
    flat = X3.reshape(40, -1)
    _fit(model, flat, Y)
    _fit(model.set_params(max_iter=2), flat, Y)
    return _arrays(model, _with_network(model).predict(flat))


def reg_partial_fit():
    model = LSTMRegressor(
        hidden_layer_sizes=(4,), linear_steps=3, linear_alpha=10.0, random_state=5
    )
    for k in range(3):
        model.partial_fit(X3[k::2], Y[k::2])
    return _arrays(model, _with_network(model).predict(X3))


def clf_default_early_stopping():
    model = LSTMClassifier(
        hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.2, max_iter=6,
        random_state=6,
    )  # fmt: skip
    _fit(model, X3, LABELS)
    return _arrays(model, model.predict_proba(X_BIG))


def clf_stacked_concat_float64():
    model = LSTMClassifier(
        hidden_layer_sizes=(5, 3), bidirectional=False, dropout=0.3, dtype="float64",
        patch_size=3, class_weight="balanced", max_iter=4, random_state=7,
    )  # fmt: skip
    _fit(model, X3, LABELS, sample_weight=SW)
    return _arrays(model, model.predict_proba(X3))


def clf_ragged_per_step():
    model = LSTMClassifier(
        hidden_layer_sizes=(4,), return_sequences=True, pooling="last", batch_size=40,
        max_iter=4, random_state=8,
    )  # fmt: skip
    _fit(model, RAGGED, STEP_LABELS)
    return _arrays(model, np.concatenate(model.predict_proba(RAGGED)))


def clf_warm_start_and_partial_fit():
    model = LSTMClassifier(hidden_layer_sizes=(4,), warm_start=True, max_iter=2, random_state=9)
    _fit(model, X3[:20], LABELS[:20])
    _fit(model, X3, LABELS)
    model.partial_fit(X3[::-1], LABELS[::-1])
    return _arrays(model, model.predict_proba(X3))


CASES = [
    reg_default, reg_stacked_bidirectional_float64, reg_ragged_mean, reg_per_step,
    reg_warm_start_2d_sgd, reg_partial_fit, clf_default_early_stopping,
    clf_stacked_concat_float64, clf_ragged_per_step, clf_warm_start_and_partial_fit,
]  # fmt: skip


def machine():
    """The BLAS kernel and NumPy version that decide the floating-point work."""
    blas = {f"{i['internal_api']} {i['version']} {i.get('architecture')}" for i in
            threadpool_info() if i["user_api"] == "blas"}  # fmt: skip
    return f"numpy {np.__version__}; " + "; ".join(sorted(blas))


if __name__ == "__main__":
    stored = {"machine": np.array(machine())}
    for case in CASES:
        stored.update({f"{case.__name__}/{k}": v for k, v in case().items()})
    PATH.parent.mkdir(exist_ok=True)
    np.savez_compressed(PATH, **stored)
    print(f"{len(CASES)} cases, {len(stored) - 1} arrays -> {PATH} ({machine()})")
