"""Stochastic optimisers over a list of parameter arrays, updated in place.

Same update rules and parameter names as scikit-learn's MLP (SGD with
momentum/Nesterov and the 'constant', 'invscaling', 'adaptive' schedules; Adam
of Kingma & Ba 2015).
"""

import math

import numpy as np

__all__ = ["SGDOptimizer", "AdamOptimizer", "clip_by_global_norm", "make_optimizer"]


def clip_by_global_norm(grads, max_norm):
    """Scale ``grads`` in place so that their joint L2 norm is at most ``max_norm``.

    Parameters
    ----------
    grads : list of ndarray
    max_norm : float or None
        None leaves the gradients unchanged.

    Returns
    -------
    norm : float
        The joint norm before clipping.
    """
    norm = float(np.sqrt(sum(np.vdot(g, g) for g in grads)))
    if max_norm is not None and norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


class _Optimizer:
    """What both optimisers share: a ``learning_rate`` that 'adaptive' lowers on plateaus."""

    def trigger_stopping(self, verbose):
        """Whether to stop when training stalls; 'adaptive' divides the rate by 5 instead."""
        if self.lr_schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"Setting learning rate to {self.learning_rate:f}")
        return False


class SGDOptimizer(_Optimizer):
    """Stochastic gradient descent with momentum and a learning-rate schedule.

    Parameters
    ----------
    params : list of ndarray
        Arrays to update in place.
    learning_rate_init : float
    lr_schedule : {'constant', 'invscaling', 'adaptive'}
    momentum : float
    nesterov : bool
    power_t : float
        Exponent of the 'invscaling' schedule.
    """

    def __init__(
        self,
        params,
        learning_rate_init,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        """Take one step along ``-grads``."""
        for p, v, g in zip(params, self.velocities, grads):
            v *= self.momentum
            v -= self.learning_rate * g
            if self.nesterov:
                p += self.momentum * v - self.learning_rate * g
            else:
                p += v

    def iteration_ends(self, time_step):
        """Apply the 'invscaling' schedule after ``time_step`` samples."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t


class AdamOptimizer(_Optimizer):
    """Adam (Kingma & Ba 2015).

    Parameters
    ----------
    params : list of ndarray
        Arrays to update in place.
    learning_rate_init : float
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
    lr_schedule : {'constant', 'adaptive'}
        'adaptive' divides the rate by 5 each time training stalls
        (reduce-on-plateau), and stops only once it is below 1e-6.
    """

    def __init__(
        self,
        params,
        learning_rate_init,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        lr_schedule="constant",
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        # The moments of all parameters in one flat array each: a step is then a dozen
        # NumPy calls, not a dozen per parameter (which, for small networks, cost more
        # than the arithmetic).
        size = sum(p.size for p in params)
        self.m = np.zeros(size, dtype=params[0].dtype)
        self.v = np.zeros(size, dtype=params[0].dtype)

    def update_params(self, params, grads):
        """Take one Adam step."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # A Python float: a NumPy float64 would promote a float32 update to float64 (NEP
        # 50), 1.4-1.7x the time of the step, for precision the float32 parameters drop.
        step = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        m, v = self.m, self.v
        g = np.concatenate([grad.ravel() for grad in grads])
        m *= b1
        m += (1 - b1) * g
        v *= b2
        g *= g
        g *= 1 - b2
        v += g
        denominator = np.sqrt(v, out=g)
        denominator += self.epsilon
        update = step * m
        update /= denominator
        start = 0
        for p in params:
            p -= update[start : start + p.size].reshape(p.shape)
            start += p.size

    def iteration_ends(self, time_step):
        """Adam keeps its own rate."""


def make_optimizer(estimator, params, state=None):
    """The optimiser an estimator's MLP-named parameters describe, for ``params``.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        Its ``solver``, ``learning_rate_init``, ``learning_rate`` and the solver's own
        settings (``beta_1``, ``beta_2``, ``epsilon``; ``momentum``,
        ``nesterovs_momentum``, ``power_t``).
    params : list of ndarray
        The parameters it updates.
    state : dict, default=None
        The state of the optimiser that made the last update (``partial_fit``), restored.

    Returns
    -------
    optimizer : AdamOptimizer or SGDOptimizer
    """
    est = estimator
    if est.solver == "adam":
        schedule = "adaptive" if est.learning_rate == "adaptive" else "constant"
        args = (est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon, schedule)
        optimizer = AdamOptimizer(params, *args)
    else:
        args = (est.learning_rate_init, est.learning_rate, est.momentum)
        optimizer = SGDOptimizer(params, *args, est.nesterovs_momentum, est.power_t)
    if state is not None:
        vars(optimizer).update(state)
    return optimizer
