"""The regressor's ridge: its penalty chosen by weighted GCV, and the fallback to it alone."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from sklstm import LSTMRegressor
from sklstm._composite._blend import held_out_share as _held_out_share
from sklstm._composite._blend import least_squares_share as _least_squares_share
from sklstm._composite._blend import log_odds_share as _log_odds_share
from sklstm._ridge import ALPHAS, _decompose, ridge_gcv

pytestmark = pytest.mark.usefixtures("quiet_convergence")


def problem(seed=0, n=40, d=6, k=2):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    Y = X @ rng.standard_normal((d, k)) + rng.standard_normal((n, k))
    return X, Y, rng.randint(1, 4, n).astype(float)


def gcv_by_definition(X, Y, w, alpha):
    """GCV with weights as counts, from a Ridge fit and an explicit hat matrix."""
    ridge = Ridge(alpha=alpha).fit(X, Y, sample_weight=w)
    n = w.sum()
    Xc = X - w @ X / n
    A = Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1])
    leverage = np.einsum("ij,jk,ik->i", Xc, np.linalg.inv(A), Xc)
    df = 1.0 + np.sum(w * leverage)
    residual = np.sum(w[:, None] * (Y - ridge.predict(X)) ** 2)
    return residual / n / (1.0 - df / n) ** 2


@pytest.mark.parametrize("seed, n, d", [(0, 40, 6), (1, 12, 30), (2, 200, 3)])
def test_gcv_chooses_the_penalty_the_definition_chooses_and_fits_as_ridge_does(seed, n, d):
    X, Y, w = problem(seed, n, d)
    coef, intercept, alpha, _ = ridge_gcv(X, Y, w)
    assert alpha == min(ALPHAS, key=lambda a: gcv_by_definition(X, Y, w, a))
    ridge = Ridge(alpha=alpha).fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(coef, ridge.coef_.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(intercept, ridge.intercept_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed, n, d", [(0, 40, 6), (1, 12, 30)])
def test_held_out_predictions_are_those_of_fits_without_one_copy_of_each_sample(seed, n, d):
    X, Y, w = problem(seed, n, d)  # integer weights 1 .. 3, read as copies
    w[0] = 0.0  # in no fit: its held-out prediction is the fit's
    coef, intercept, alpha, held_out = ridge_gcv(X, Y, w)
    for i in range(n):
        one_less = w.copy()
        one_less[i] = max(w[i] - 1, 0)
        ridge = Ridge(alpha=alpha).fit(X, Y, sample_weight=one_less)
        np.testing.assert_allclose(held_out[i], ridge.predict(X[i : i + 1])[0], rtol=1e-8)
    np.testing.assert_allclose(held_out[0], X[0] @ coef + intercept, rtol=1e-12)


def test_a_weight_of_two_chooses_as_a_repeated_row_does():
    X, Y, w = problem(3)
    repeats = w.astype(int)
    weighted = ridge_gcv(X, Y, w)
    repeated = ridge_gcv(np.repeat(X, repeats, axis=0), np.repeat(Y, repeats, axis=0),
                         np.ones(repeats.sum()))  # fmt: skip
    assert weighted[2] == repeated[2]
    np.testing.assert_allclose(weighted[0], repeated[0], rtol=1e-10)
    # And the held-out predictions: each copy's equals its weighted row's.
    np.testing.assert_allclose(np.repeat(weighted[3], repeats, axis=0), repeated[3], rtol=1e-8)


def test_the_penalty_follows_the_noise():
    rng = np.random.RandomState(4)
    X = rng.standard_normal((60, 10))
    signal = X @ rng.standard_normal((10, 1))
    quiet = ridge_gcv(X, signal + 0.01 * rng.standard_normal((60, 1)), np.ones(60))[2]
    noisy = ridge_gcv(X, signal + 10 * rng.standard_normal((60, 1)), np.ones(60))[2]
    assert quiet < noisy


def test_regressor_reports_the_penalty_it_chose_or_was_given():
    rng = np.random.RandomState(5)
    X = rng.standard_normal((50, 8, 1))
    y = X[:, -3:, 0].sum(axis=1)
    auto = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    assert auto.linear_alpha_ in ALPHAS
    fixed = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2, linear_alpha=3.0).fit(X, y)
    assert fixed.linear_alpha_ == 3.0
    none = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2, linear_steps=0).fit(X, y)
    assert none.linear_alpha_ is None and none.network_weight_ == 1.0


def test_network_is_all_but_dropped_when_the_ridge_alone_fits_held_out_sequences():
    # A target the ridge fits exactly: a network trained a few epochs only adds noise, and
    # the least-squares weight of noise against held-out residuals of zero is about zero.
    rng = np.random.RandomState(6)
    X = rng.standard_normal((80, 6, 1))
    y = X[:, :, 0] @ rng.standard_normal(6)
    model = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=3, learning_rate_init=0.05,
                          random_state=0).fit(X, y)  # fmt: skip
    assert 0.0 <= model.network_weight_ < 0.01
    np.testing.assert_allclose(model.predict(X), y, atol=1e-3)  # the ridge's predictions
    # Without early stopping nothing is held out to decide on: the network stays.
    kept = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=3, early_stopping=False).fit(X, y)
    assert kept.network_weight_ == 1.0


def test_network_is_kept_when_it_helps():
    rng = np.random.RandomState(7)
    X = rng.uniform(-2, 2, size=(300, 6, 1))
    y = np.sin(2 * X[:, -1, 0]) * X[:, -2, 0]  # no linear model comes close
    model = LSTMRegressor(hidden_layer_sizes=(16,), max_iter=60, random_state=0).fit(X, y)
    assert 0.5 < model.network_weight_ <= 1.0
    assert model.score(X, y) > 0.5
    # The weight scales the network's share of the predictions, nothing else.
    ridge_alone = clone(model).fit(X, y)
    ridge_alone.blend_weights_["lstm"] = 0.0
    full = clone(model).fit(X, y)
    full.blend_weights_["lstm"] = 1.0
    np.testing.assert_allclose(
        model.predict(X),
        ridge_alone.predict(X) + model.network_weight_ * (full.predict(X) - ridge_alone.predict(X)),
        rtol=1e-6, atol=1e-9,
    )  # fmt: skip


def test_held_out_share_drops_a_chance_fit_and_shrinks_by_the_evidence():
    rng = np.random.RandomState(3)
    target = rng.standard_normal((12, 1))
    w = np.ones(12)
    # A network output unrelated to the target: least squares still gives it a share,
    # which a dozen held-out rows cannot tell from chance.
    noise = rng.standard_normal((12, 1))
    assert _least_squares_share(noise, target, w) > 0.0
    assert _held_out_share(noise, target, w) == 0.0
    # F = fall in squared error over the residual variance (n - 1 degrees of freedom);
    # the share is scaled by 1 - 4 / F.
    part = target + 0.5 * rng.standard_normal((12, 1))
    share = _least_squares_share(part, target, w)
    rest = np.sum((target - share * part) ** 2)
    F = (np.sum(target**2) - rest) / (rest / 11)
    assert F > 4
    np.testing.assert_allclose(_held_out_share(part, target, w), share * (1 - 4 / F))
    # A part that explains the target exactly keeps its whole share.
    assert _held_out_share(target, target, w) == 1.0


def test_held_out_share_reads_weights_as_counts():
    rng = np.random.RandomState(4)
    part = rng.standard_normal((20, 2))
    target = 0.6 * part + rng.standard_normal((20, 2))
    w = rng.randint(1, 4, 20).astype(float)
    repeated = np.repeat(np.arange(20), w.astype(int))
    weighted = _held_out_share(part, target, w)
    assert 0.0 < weighted < _least_squares_share(part, target, w)
    np.testing.assert_allclose(
        weighted, _held_out_share(part[repeated], target[repeated], np.ones(len(repeated)))
    )
    # Held-out weights summing to one or less carry no evidence: the network is dropped.
    assert _held_out_share(part, target, w / w.sum()) == 0.0


def test_weights_below_two_counts_are_rejected_only_where_a_penalty_is_chosen():
    X, Y, _ = problem()
    with pytest.raises(ValueError, match="sums to 0.4"):
        ridge_gcv(X, Y, np.full(40, 0.01))
    # One sequence, or two sequences' worth spread thin, still choose.
    assert ridge_gcv(X[:1], Y[:1], np.ones(1))[2] in ALPHAS
    assert ridge_gcv(X, Y, np.full(40, 0.05))[2] in ALPHAS
    # The way out the message gives: a fixed penalty and no random-kernel base.
    rng = np.random.RandomState(0)
    Xs = rng.standard_normal((30, 5, 1))
    fixed = LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2, linear_alpha=1.0)
    fixed.fit(Xs, Xs[:, -1, 0], sample_weight=np.full(30, 1 / 30))
    assert fixed.linear_alpha_ == 1.0


def test_gram_path_reads_zero_and_tiny_weights_as_the_explicit_products_do():
    X, Y, w = problem(4, 12, 40)  # more features than twice the samples: the Gram path
    w[1], w[2] = 1e-12, 0.0
    Xc = X - w @ X / w.sum()
    root_w = np.sqrt(w)[:, None]
    U, s, XV, coef_of = _decompose(Xc, root_w)
    V = (root_w * Xc).T @ U / s  # what the decomposition avoids forming
    np.testing.assert_allclose(XV, Xc @ V, rtol=1e-10, atol=1e-12)
    b = np.random.RandomState(0).standard_normal((len(s), 2))
    np.testing.assert_allclose(coef_of(b), V @ b, rtol=1e-10, atol=1e-12)


def test_centring_in_place_gives_the_same_fit():
    X, Y, w = problem(4, 12, 40)
    w[2] = 0.0
    coef, intercept, alpha, held_out = ridge_gcv(X, Y, w)
    np.testing.assert_allclose(held_out[2], X[2] @ coef + intercept, rtol=1e-12)
    inplace = X.copy()
    got = ridge_gcv(inplace, Y, w, overwrite_X=True)
    assert got[2] == alpha
    for a, b in zip(got[:2] + got[3:], (coef, intercept, held_out)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w @ inplace, 0.0, atol=1e-12)  # left centred


def test_log_odds_share_needs_evidence_and_shrinks_by_it():
    from sklstm.core import log_softmax

    rng = np.random.RandomState(5)
    Y = np.eye(3)[rng.randint(0, 3, 8)]
    base = rng.standard_normal((8, 3))
    # A network that happens to lean the right way on 8 held-out sequences: the best share
    # on them is above 0, but the cross-entropy it saves is chance-sized.
    lucky = 0.3 * Y + 0.3 * rng.standard_normal((8, 3))
    w = np.ones(8)

    def loss(c, network):
        return -np.sum(Y * log_softmax(base + c * network))

    assert loss(1.0, lucky) < loss(0.0, lucky) < loss(0.0, lucky) + 2.0
    assert _log_odds_share(base, lucky, Y, w) == 0.0
    # A network that is right by a wide margin keeps its best share, times 1 - 4 / D, D
    # twice the cross-entropy it saves.
    strong = 4.0 * Y
    D = 2.0 * (loss(0.0, strong) - loss(1.0, strong))
    assert D > 4.0
    np.testing.assert_allclose(_log_odds_share(base, strong, Y, w), 1.0 - 4.0 / D)
    # Weights are counts: the same evidence given twice is stronger.
    assert _log_odds_share(base, 2.5 * Y, Y, 2 * w) > _log_odds_share(base, 2.5 * Y, Y, w)
