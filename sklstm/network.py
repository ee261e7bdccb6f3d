"""A network: an ordered list of layers, and its parameters as one flat list.

The parameters of every layer sit one after another in a single list, in the
order of the layers (for the estimators: each LSTM layer's ``Wx, Wh, b`` per
direction, then the head's ``W`` and ``b``), so that optimisers, clipping and
persistence see one list of arrays. A network holds only its layers' shapes,
never weights or state, so one network object can serve many threads.
"""

import numpy as np

from .core._workspace import FRESH

__all__ = ["Network"]


class Network:
    """Layers run one after another, forward and backward.

    Parameters
    ----------
    layers : list of Layer
        From the input upwards (see :mod:`sklstm.layers`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import LSTM, Dense, Readout
    >>> from sklstm.network import Network
    >>> net = Network([LSTM(8), Readout("last"), Dense(2)])
    >>> params = net.init_params(3, np.random.RandomState(0))
    >>> out, cache = net.forward(params, np.ones((4, 5, 3)))
    >>> out.shape, len(net.backward(params, np.ones_like(out), cache)) == len(params)
    ((4, 2), True)
    """

    def __init__(self, layers):
        self.layers = list(layers)

    @property
    def state_units(self):
        """Largest ``state_units`` of any layer (see :class:`sklstm.layers.Layer`)."""
        return max(layer.state_units for layer in self.layers)

    def init_params(self, n_features, random_state, dtype=np.float64):
        """Draw every layer's initial parameters, layer after layer.

        Parameters
        ----------
        n_features : int
            Features of each input step.
        random_state : numpy.random.RandomState or numpy.random.Generator
            Source of randomness, drawn from in the order of the layers.
        dtype : data-type, default=numpy.float64
            Dtype of the parameters, and so of the computation.

        Returns
        -------
        params : list of ndarray
            Every layer's parameters, one flat list.
        """
        params, n_in = [], n_features
        for layer in self.layers:
            params += layer.init_params(n_in, random_state, dtype)
            n_in = layer.n_out(n_in)
        return params

    def penalised(self):
        """Which parameters an L2 penalty applies to (weights, not biases).

        Returns
        -------
        flags : list of bool
            One per parameter array, in the order of the flat list.
        """
        return [flag for layer in self.layers for flag in layer.penalised()]

    def split(self, params):
        """Cut the flat parameter list into each layer's parameters.

        Parameters
        ----------
        params : list of ndarray
            Parameters of the whole network, layer after layer.

        Returns
        -------
        parts : list of list of ndarray
            One list per layer, in order (empty for layers without parameters).
        """
        parts, start = [], 0
        for layer in self.layers:
            parts.append(params[start : start + layer.n_params])
            start += layer.n_params
        return parts

    def forward(self, params, X, lengths=None, dropout_rng=None, keep_cache=True, workspace=None):
        """Compute the network's output.

        Parameters
        ----------
        params : list of ndarray
            The flat list of parameters.
        X : ndarray, shape (n_samples, n_timesteps, n_features)
            Padded batch.
        lengths : ndarray of int, shape (n_samples,), default=None
            Real steps per sequence; None when none is padded.
        dropout_rng : numpy.random.RandomState, default=None
            Randomness for training (dropout masks); None (prediction) applies none.
        keep_cache : bool, default=True
            Whether to keep what :meth:`backward` needs; prediction passes False.
        workspace : Workspace, default=None
            Buffers reused from the last call (training passes one for all its
            minibatches); see :class:`sklstm.core.Workspace`.

        Returns
        -------
        out : ndarray
            The top layer's output: ``(n_samples, n_outputs)``, or
            ``(n_samples, n_timesteps, n_outputs)`` without a readout.
        cache : list or None
            Each layer's cache, in the order of the layers.
        """
        ws = FRESH if workspace is None else workspace
        caches = []
        for k, (layer, layer_params) in enumerate(zip(self.layers, self.split(params))):
            X, lengths, cache = layer.forward(
                layer_params, X, lengths, ws.child(k), dropout_rng, keep_cache
            )
            caches.append(cache)
        return X, caches if keep_cache else None

    def backward(self, params, d_out, cache, workspace=None):
        """Compute the gradients of the loss with respect to ``params``, in their order.

        Parameters
        ----------
        params : list of ndarray
            The flat list of parameters.
        d_out : ndarray
            Gradient of the loss with respect to the output of :meth:`forward`.
        cache : list
            What :meth:`forward` kept.
        workspace : Workspace, default=None
            Buffers reused from the last call; see :meth:`forward`.

        Returns
        -------
        grads : list of ndarray
            One per parameter array.
        """
        ws = FRESH if workspace is None else workspace
        grads, d = [], d_out
        parts = self.split(params)
        for k in range(len(self.layers) - 1, -1, -1):
            d, layer_grads = self.layers[k].backward(
                parts[k], d, cache[k], ws.child(k), need_dX=k > 0
            )
            grads[:0] = layer_grads
        return grads

    def to_onnx(self, e, params, batch):
        """Emit the network's prediction as ONNX nodes, layer after layer.

        Parameters
        ----------
        e : sklstm._onnx_graph.Emitter
            Adds nodes and constants to the graph being built.
        params : list of ndarray
            The flat list of parameters.
        batch : sklstm._onnx_graph.GraphBatch
            The input batch in the graph; each layer replaces it with its output.

        Returns
        -------
        out : str
            The float32 output's name: ``(N, k)``, or ``(N, T, k)`` without a readout.
        """
        for layer, layer_params in zip(self.layers, self.split(params)):
            layer.to_onnx(e, batch, layer_params)
        return batch.x
