"""How much of each part the blend takes, chosen on outputs of sequences the part has not seen.

Two links, two rules. For regression (the identity link) a part's share is the weighted
least-squares weight that brings it closest to what the other parts leave; the network's share
is also shrunk by the evidence for it. For classification (the softmax link) the network's
log-odds are added to the bases' with the share of least cross-entropy.
"""

import numpy as np

from ..core import log_softmax

__all__ = ["NETWORK_WEIGHTS", "held_out_share", "least_squares_share", "log_odds_share"]

# The network's share must be about two standard errors from zero to stay: F, its squared
# t-statistic, is at least this.
EVIDENCE = 4.0
# Shares of the network's log-odds tried beside the bases'.
NETWORK_WEIGHTS = np.linspace(0.0, 1.0, 21)


def least_squares_share(part, target, sample_weight):
    """The weight ``c`` in [0, 1] that makes ``c * part`` closest to ``target``.

    Parameters
    ----------
    part, target : ndarray, shape (n_samples, n_outputs)
        A part's outputs, and what it should explain.
    sample_weight : ndarray, shape (n_samples,)
        Weights of the squared errors.

    Returns
    -------
    share : float
        In [0, 1]; 0 when ``part`` is all zeros.
    """
    w = sample_weight[:, None]
    size = np.sum(w * part * part)
    return float(np.clip(np.sum(w * part * target) / size, 0.0, 1.0)) if size > 0 else 0.0


def held_out_share(part, target, sample_weight):
    """The least-squares share of ``part`` in ``target``, shrunk by the evidence for it.

    A few held-out windows that favour the network by chance (they also chose its epoch)
    would keep noise in the predictions. With F = (fall in squared error) / (residual
    variance), weights read as counts, the share is scaled by ``1 - EVIDENCE / F``, and
    is 0 where that is negative.

    Parameters
    ----------
    part, target : ndarray, shape (n_samples, n_outputs)
        The network's outputs on held-out sequences, and what the bases leave of their
        targets.
    sample_weight : ndarray, shape (n_samples,)
        Weights, read as counts.

    Returns
    -------
    share : float
        In [0, 1].
    """
    share = least_squares_share(part, target, sample_weight)
    w = sample_weight[:, None]
    n = np.sum(w) * target.shape[1]
    rest = np.sum(w * (target - share * part) ** 2)
    gain = np.sum(w * target * target) - rest
    if share == 0.0 or n <= 1.0 or gain <= 0.0:
        return 0.0
    if rest == 0.0:
        return share
    return share * max(0.0, 1.0 - EVIDENCE * float(rest) / (float(gain) * (n - 1.0)))


def log_odds_share(base, network, Y, sample_weight):
    """The share of the network's log-odds beside the bases' on held-out sequences, shrunk
    by the evidence for it.

    The share of least cross-entropy among ``NETWORK_WEIGHTS`` is scaled by
    ``1 - EVIDENCE / D``, and is 0 where that is negative, with ``D`` twice the fall in
    cross-entropy from the bases alone (the deviance it saves; weights read as counts),
    which plays the part of the regression rule's ``F``: a few held-out sequences that
    favour the network by chance no longer give it weight.

    Parameters
    ----------
    base, network : ndarray, shape (n_samples, n_classes)
        Log-odds of the bases and of the network.
    Y : ndarray, shape (n_samples, n_classes)
        One-hot targets.
    sample_weight : ndarray, shape (n_samples,)
        Weights.

    Returns
    -------
    share : float
        In [0, 1].
    """
    w = sample_weight[:, None]
    losses = [-np.sum(w * Y * log_softmax(base + c * network)) for c in NETWORK_WEIGHTS]
    best = int(np.argmin(losses))
    deviance = 2.0 * float(losses[0] - losses[best])
    if best == 0 or deviance <= EVIDENCE:
        return 0.0
    return float(NETWORK_WEIGHTS[best]) * (1.0 - EVIDENCE / deviance)
