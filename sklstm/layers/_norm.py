"""Layer normalisation of each step over its channels, with a learnt scale and shift."""

import numpy as np

from ..core import layer_norm_backward, layer_norm_forward
from ._base import Layer, implements

__all__ = ["LayerNorm"]


class LayerNorm(Layer):
    """Normalise each step over its channels (Ba et al. 2016); ``gamma`` ones, ``beta`` zeros.

    Unlike batch normalisation it keeps no running statistics and never mixes
    sequences, so training and prediction compute the same thing at any batch size,
    and a padded batch gives what each sequence gives alone.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import LayerNorm
    >>> layer = LayerNorm()
    >>> params = layer.init_params(2, None, np.float64)
    >>> layer.forward(params, np.array([[[1.0, 3.0]]]), None)[0].round(3).tolist()
    [[[-1.0, 1.0]]]
    """

    n_params = 2

    @implements
    def init_params(self, n_in, random_state, dtype):
        """Set the scale to one and the shift to zero."""
        return [np.ones(n_in, dtype=dtype), np.zeros(n_in, dtype=dtype)]

    @implements
    def penalised(self):
        """Neither the scale nor the shift."""
        return (False, False)

    @implements
    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        Y, cache = layer_norm_forward(X, params[0], params[1], lengths)
        return Y, lengths, cache if keep_cache else None

    @implements
    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        dX, dgamma, dbeta = layer_norm_backward(dY, params[0], cache)
        return dX, [dgamma, dbeta]
