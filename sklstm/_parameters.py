"""The parameters both estimators take, declared as scikit-learn validates them."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from .core._pooling import POOLINGS

__all__ = ["LINEAR_STEPS", "PARAMETER_CONSTRAINTS", "RANDOM_KERNELS"]

# The most random-kernel features a base may have: ten times MiniRocket's (and the
# default's) 10,000, twice MultiRocket's 50,000, the most the kernels' authors use. The fit
# holds 8 bytes a feature a sequence (0.8 MB a sequence here) and its time grows with the
# features; far past this, e.g. 10**7 on 10 short sequences, a fit took 4 GB and 14 s for
# biases no sequence has the steps to tell apart.
MAX_RANDOM_KERNELS = 100_000


class _IntNotBool(Interval):
    """An integer interval that refuses bools: ``random_kernels=True`` is not a count."""

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "pooling": [StrOptions(set(POOLINGS))],
    "return_sequences": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "features_per_step": [Interval(Integral, 1, None, closed="left")],
    "newest_first": ["boolean"],
    "patch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "standardize": ["boolean"],
    "dtype": [StrOptions({"float32", "float64"}), Options(type, {np.float32, np.float64})],
    "solver": [StrOptions({"adam", "sgd"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "conv_filters": ["array-like", Interval(Integral, 1, None, closed="left")],
    "conv_kernel_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "conv_pool_size": [Interval(Integral, 1, None, closed="left")],
}

# Both estimators' random_kernels (kept out of the shared constraints, as its docs differ).
RANDOM_KERNELS = [
    StrOptions({"auto"}),
    _IntNotBool(Integral, 0, MAX_RANDOM_KERNELS, closed="both"),
]

# The regressor's ridge on the last steps: a count of steps (not a bool), or 'auto'.
LINEAR_STEPS = [StrOptions({"auto"}), _IntNotBool(Integral, 0, None, closed="left")]
