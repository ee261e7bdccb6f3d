"""Fixed random convolutional kernels read as proportions of positive values.

The kernels are MiniRocket's (Dempster, Schmidt & Webb 2021, "MiniRocket: a very fast
(almost) deterministic transform for time series classification"): length 9, weight 2
at three of the nine taps and -1 at the other six, so 84 kernels (every choice of three
taps), each at dilations ``2^0 .. (T - 1) / 8`` spaced on a log scale. A kernel's output
at one dilation gives several features: the proportion of a sequence's real steps where
the output exceeds a bias (PPV), with biases drawn as quantiles of that kernel's output on
a random training sequence. Nothing is trained by gradients; a linear model reads the
features.

Each kernel reads a random subset of the input's features, summed (MiniRocket's
multivariate form); with one feature it reads that one. Padding is 'same', with zeros,
so a padded batch gives each sequence exactly the features it gives alone.
"""

from itertools import combinations
from typing import NamedTuple

import numpy as np

from ._sequences import step_mask

__all__ = ["RandomKernels", "fit_random_kernels", "random_kernel_features"]

# The three weight-2 taps of each of the 84 kernels.
KERNEL_TAPS = np.array(list(combinations(range(9), 3)))
N_KERNELS = len(KERNEL_TAPS)
# Low-discrepancy quantiles for the biases, (k * golden ratio) mod 1, as MiniRocket draws them.
_GOLDEN = (np.sqrt(5) - 1) / 2
# Sequences transformed at once: bounds the (rows, kernels, biases, steps) comparison.
_BLOCK_VALUES = 2**24


class RandomKernels(NamedTuple):
    """The fixed kernels' settings: dilations, channel subsets and biases.

    Parameters
    ----------
    dilations : ndarray of int, shape (n_dilations,)
        Dilation of each group of 84 kernels.
    channels : ndarray of float, shape (n_dilations, n_features, 84)
        1 where a kernel reads an input feature (its output is the sum over those).
    biases : ndarray of float, shape (n_biases_total,)
        Every kernel's biases, dilation by dilation, kernel by kernel.
    bias_counts : ndarray of int, shape (n_dilations,)
        Biases per kernel at each dilation; features are ``84 * bias_counts.sum()``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import fit_random_kernels
    >>> X = np.random.RandomState(0).normal(size=(4, 50, 1))
    >>> kernels = fit_random_kernels(X, None, 1000, np.random.RandomState(0))
    >>> kernels.dilations.tolist(), kernels.bias_counts.tolist()
    ([1, 2, 6], [4, 3, 4])
    """

    dilations: np.ndarray
    channels: np.ndarray
    biases: np.ndarray
    bias_counts: np.ndarray


def _kernel_outputs(X, dilation, channels):
    """The 84 kernels' outputs over a zero-padded ``X (N, T, D)``: ``(N, 84, T)``."""
    N, T, _ = X.shape
    out = np.empty((N, N_KERNELS, T), dtype=X.dtype)
    # Kernels that read the same channels share their input and its shifted copies (with
    # one feature, all 84 do); the convolution is linear, so a kernel reads their sum.
    reads, group = np.unique(channels.T, axis=0, return_inverse=True)
    for g, read in enumerate(reads.astype(X.dtype)):
        wide = np.zeros((N, T + 8 * dilation), dtype=X.dtype)
        wide[:, 4 * dilation : 4 * dilation + T] = X @ read
        taps = [wide[:, j * dilation : j * dilation + T] for j in range(9)]
        # Weight -1 at every tap, and 3 more at each of the kernel's three.
        minus_all = -sum(taps[1:], taps[0])
        for k in np.flatnonzero(group.ravel() == g):
            a, b, c = KERNEL_TAPS[k]
            row = out[:, k]
            np.add(taps[a], taps[b], out=row)
            row += taps[c]
            row *= 3
            row += minus_all
    return out


def _zero_padding(X, lengths):
    """``X`` with its padded steps zeroed (a copy; ``X`` itself when none is padded)."""
    if lengths is None:
        return X
    real = step_mask(lengths, X.shape[1])
    return np.where(real[:, :, None], X, 0)


def fit_random_kernels(X, lengths, n_features, rng, sample_weight=None):
    """Draw the dilations, channel subsets and biases for training sequences ``X``.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Training sequences, right-padded.
    lengths : ndarray of int, shape (n_samples,), or None
        Real steps per sequence; None when none is padded.
    n_features : int
        Features wanted; rounded down to a multiple of 84 (at least 84).
    rng : numpy.random.RandomState
        Draws the sequences that set the biases, and the channel subsets.
    sample_weight : ndarray of shape (n_samples,), default=None
        Chance of each sequence to set a kernel's biases, in proportion; drawn by
        position in the cumulated weights of the sequences ordered by their values,
        so that a weight of 2 draws as a repeated sequence does, in any row order. Finite
        and non-negative, of any scale; with none positive, ``ValueError``.

    Returns
    -------
    kernels : RandomKernels
        What :func:`random_kernel_features` needs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import fit_random_kernels
    >>> X = np.random.RandomState(0).normal(size=(4, 300, 1))
    >>> kernels = fit_random_kernels(X, None, 10_000, np.random.RandomState(0))
    >>> kernels.dilations.tolist()
    [1, 2, 4, 8, 18, 37]
    >>> 84 * int(kernels.bias_counts.sum())
    9996
    """
    N, T, D = X.shape
    X = _zero_padding(X, lengths)
    lengths = np.full(N, T) if lengths is None else np.asarray(lengths)
    per_kernel = max(1, n_features // N_KERNELS)
    # Dilations up to (T - 1) / 8, so that the widest kernel spans the longest sequence.
    top = np.log2(max(T - 1, 1) / 8)
    n_dilations = min(per_kernel, 32, int(np.floor(top)) + 1) if top > 0 else 1
    spread = np.floor(2 ** np.linspace(0, max(top, 0), n_dilations)).astype(int)
    dilations, repeats = np.unique(spread, return_counts=True)
    # Biases per kernel at each dilation, in proportion to how often it was drawn, rounded
    # so that they add up to per_kernel (each dilation was drawn at least once of at most
    # per_kernel draws, so each gets at least one).
    edges = np.floor(per_kernel * np.cumsum(repeats) / repeats.sum() + 0.5).astype(int)
    bias_counts = np.diff(edges, prepend=0)
    weight = np.ones(N) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if not weight.max(initial=0.0) > 0:
        raise ValueError(
            "sample_weight has no positive weight (weights too small for the network's dtype "
            "round to 0: in float32, below about 1e-45): scale the weights up, for example "
            "to a mean of 1."
        )
    # Scaled by a power of two to a largest weight in [0.5, 1): exact, so ordinary weights
    # draw as they are, while weights of 1e-300 or 1e300 neither underflow nor overflow
    # the cumulated sum.
    weight = np.ldexp(weight, -np.frexp(weight.max())[1])
    # Sequences in an order set by their values (a fixed random projection), not by their
    # rows: shuffled or repeated rows then draw the same sequences.
    key = X.reshape(N, -1) @ np.random.RandomState(0).standard_normal(T * D)
    order = np.argsort(key, kind="stable")
    cumulated = np.cumsum(weight[order])
    # A draw that rounds up to the total would fall past the end: it takes the last
    # sequence of positive weight, as one just below the total does.
    last = int(np.flatnonzero(weight[order] > 0)[-1])
    channels, biases = [], []
    start = 1
    for dilation, count in zip(dilations, bias_counts):
        # Each kernel reads 1 to min(D, 9) features, of every sequence the same.
        chosen = np.zeros((D, N_KERNELS))
        n_read = np.exp2(rng.uniform(0, np.log2(min(D, 9) + 1), N_KERNELS)).astype(int)
        for k, n in enumerate(n_read):
            chosen[rng.choice(D, n, replace=False), k] = 1.0
        channels.append(chosen)
        # One random training sequence a kernel (zero weights never drawn).
        drawn = rng.uniform(0, cumulated[-1], N_KERNELS)
        rows = order[np.minimum(np.searchsorted(cumulated, drawn, "right"), last)]
        # Kernel k on sequence rows[k] only: one 'sequence' whose feature k is what kernel k reads.
        read = np.einsum("ktd,dk->tk", X[rows], chosen)[None]
        out = _kernel_outputs(read, dilation, np.eye(N_KERNELS))[0]
        quantiles = ((np.arange(start, start + N_KERNELS * count) * _GOLDEN) % 1).reshape(
            N_KERNELS, count
        )
        start += N_KERNELS * count
        for output, row, q in zip(out, rows, quantiles):
            biases.append(np.quantile(output[: lengths[row]].astype(np.float64), q))
    return RandomKernels(dilations, np.stack(channels), np.concatenate(biases), bias_counts)


def random_kernel_features(X, lengths, kernels, dtype=np.float32):
    """The proportion of real steps where each kernel's output exceeds each of its biases.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_timesteps, n_features)
        Sequences, right-padded.
    lengths : ndarray of int, shape (n_samples,), or None
        Real steps per sequence; None when none is padded.
    kernels : RandomKernels
        From :func:`fit_random_kernels`.
    dtype : dtype, default=float32
        Type the convolutions run in.

    Returns
    -------
    features : ndarray of float64, shape (n_samples, 84 * kernels.bias_counts.sum())
        Dilation by dilation, kernel by kernel, bias by bias.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import fit_random_kernels, random_kernel_features
    >>> X = np.random.RandomState(0).normal(size=(4, 50, 1))
    >>> kernels = fit_random_kernels(X, None, 500, np.random.RandomState(0))
    >>> random_kernel_features(X, None, kernels).shape
    (4, 420)
    """
    N, T, _ = X.shape
    lengths = np.full(N, T) if lengths is None else np.asarray(lengths)
    n_features = N_KERNELS * int(kernels.bias_counts.sum())
    features = np.empty((N, n_features))
    # Sequences of similar length together, each block padded only to its longest.
    order = np.argsort(lengths, kind="stable")
    per_block = max(1, _BLOCK_VALUES // (N_KERNELS * int(kernels.bias_counts.max()) * T))
    for begin in range(0, N, per_block):
        rows = order[begin : begin + per_block]
        steps = int(lengths[rows].max())
        _block_features(X[rows, :steps].astype(dtype), lengths[rows], kernels, features, rows)
    return features


def _block_features(X, lengths, kernels, features, rows):
    """Features of one block of sequences (see :func:`random_kernel_features`), written
    dilation by dilation into ``features[rows]``."""
    T = X.shape[1]
    padding = ~step_mask(lengths, T)
    if not padding.any():
        padding = None
    X = _zero_padding(X, None if padding is None else lengths)
    first = 0
    for dilation, channels, count in zip(kernels.dilations, kernels.channels, kernels.bias_counts):
        out = _kernel_outputs(X, dilation, channels)
        if padding is not None:
            np.copyto(out, -np.inf, where=padding[:, None, :])  # never above a bias
        columns = slice(first, first + N_KERNELS * count)
        biases = kernels.biases[columns].reshape(N_KERNELS, count)
        first += N_KERNELS * count
        above = out[:, :, None, :] > biases.astype(out.dtype)[None, :, :, None]
        counts = above.view(np.uint8).sum(axis=3, dtype=np.int32)  # (N, 84, count)
        del out, above  # before the next dilation's are made: one comparison held at a time
        features[rows, columns] = counts.reshape(len(X), -1) / lengths[:, None]
