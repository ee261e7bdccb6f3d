"""The optimisers against their update rules written out per parameter."""

import numpy as np

from sklstm._optimizers import AdamOptimizer


def test_adam_matches_its_rule_parameter_by_parameter():
    # Kingma & Ba (2015), Algorithm 1 with the bias corrections folded into the step size,
    # as scikit-learn's MLP writes it; the optimiser keeps all moments in one flat array.
    rng = np.random.default_rng(0)
    params = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 1))]
    expected = [p.copy() for p in params]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    adam = AdamOptimizer(params, 0.01)
    for t in range(1, 4):
        grads = [rng.standard_normal(p.shape) for p in params]
        step = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        for p, m, v, g in zip(expected, ms, vs, grads):
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g**2
            p -= step * m / (np.sqrt(v) + 1e-8)
        adam.update_params(params, [g.copy() for g in grads])
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p, e, rtol=1e-12, atol=1e-15)
