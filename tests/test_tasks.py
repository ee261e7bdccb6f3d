"""The estimators learn: the tasks issue 4 names, with their thresholds."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMClassifier, LSTMRegressor


def sine_lag_windows(n_points=700, lags=20, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n_points)
    series = np.sin(0.15 * t) + 0.1 * rng.standard_normal(n_points)
    X = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
    return X[:, :-1], X[:, -1]


def test_grid_search_pipeline_on_noisy_sine():
    X, y = sine_lag_windows()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, shuffle=False)
    pipe = make_pipeline(StandardScaler(), LSTMRegressor(random_state=0))
    search = GridSearchCV(
        pipe,
        {"lstmregressor__hidden_layer_sizes": [(8,), (16,)],
         "lstmregressor__alpha": [1e-4, 1e-2]},
        cv=3,
        n_jobs=2,
    )  # fmt: skip
    search.fit(X_train, y_train)
    assert search.score(X_test, y_test) >= 0.95
    assert len(search.cv_results_["params"]) == 4


def test_two_class_string_labels_3d():
    rng = np.random.RandomState(1)
    n, T = 300, 30
    labels = rng.choice(["slow", "fast"], size=n)
    freq = np.where(labels == "slow", 0.2, 0.5)[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(T)[None, :]
    X = np.stack([np.sin(freq * t + phase), np.cos(freq * t + phase)], axis=2)
    X += 0.3 * rng.standard_normal(X.shape)
    X_train, X_test, y_train, y_test = train_test_split(X, labels, random_state=0)
    clf = LSTMClassifier(hidden_layer_sizes=(16,), random_state=0).fit(X_train, y_train)
    assert set(clf.classes_) == {"slow", "fast"}
    assert set(clf.predict(X_test)) <= {"slow", "fast"}
    assert clf.score(X_test, y_test) >= 0.95


def test_ragged_sequences_sign_of_mean():
    rng = np.random.RandomState(2)
    seqs = [rng.standard_normal((rng.randint(5, 31), 1)) for _ in range(600)]
    y = np.array([s.mean() > 0 for s in seqs])
    clf = LSTMClassifier(hidden_layer_sizes=(16,), random_state=0)
    clf.fit(seqs[:450], y[:450])
    assert clf.score(seqs[450:], y[450:]) >= 0.85


def test_hell_to_ello_next_character():
    # Seed 003: after "hell" comes "ello"; the two l's need the context.
    vocab = ["e", "h", "l", "o"]
    onehot = np.eye(4)[[vocab.index(c) for c in "hell"]][None]  # (1, 4, 4)
    y = np.array([list("ello")])
    clf = LSTMClassifier(hidden_layer_sizes=(16,), return_sequences=True, random_state=0)
    clf.fit(onehot, y)
    assert "".join(clf.predict(onehot)[0]) == "ello"
    assert clf.score(onehot, y) == 1.0


def test_per_timestep_running_mean():
    rng = np.random.RandomState(3)
    X = rng.standard_normal((400, 15, 1))
    y = np.cumsum(X[:, :, 0], axis=1) / np.arange(1, 16)
    reg = LSTMRegressor(hidden_layer_sizes=(16,), return_sequences=True, random_state=0)
    reg.fit(X[:300], y[:300])
    assert reg.predict(X[300:]).shape == (100, 15)
    assert reg.score(X[300:], y[300:]) >= 0.9


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_pooling_readouts_learn(pooling):
    rng = np.random.RandomState(4)
    X = rng.standard_normal((300, 12, 1))
    y = X[:, :, 0].max(axis=1) if pooling == "max" else X[:, :, 0].mean(axis=1)
    reg = LSTMRegressor(hidden_layer_sizes=(16,), pooling=pooling, random_state=0)
    reg.fit(X[:200], y[:200])
    assert reg.score(X[200:], y[200:]) >= 0.8


def test_bidirectional_stacked_with_dropout_learns():
    # The label depends on the first step only: easy for the backward direction.
    rng = np.random.RandomState(5)
    X = rng.standard_normal((300, 20, 1))
    y = np.where(X[:, 0, 0] > 0, "pos", "neg")
    clf = LSTMClassifier(
        hidden_layer_sizes=(16, 8), bidirectional=True, dropout=0.1, random_state=0
    ).fit(X[:200], y[:200])
    assert clf.score(X[200:], y[200:]) >= 0.9
