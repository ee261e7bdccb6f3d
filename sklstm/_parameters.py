"""The parameters both estimators take, declared as scikit-learn validates them."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from .core._pooling import POOLINGS

__all__ = ["PARAMETER_CONSTRAINTS"]

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
