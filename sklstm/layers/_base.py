"""The contract every layer keeps."""

__all__ = ["Layer"]


class Layer:
    """A step of a network: parameters, a forward pass and its exact backward pass.

    A layer reads a padded batch ``X`` (``(n_samples, n_timesteps, n_in)``, or
    ``(n_samples, n_in)`` once a readout has made one vector per sequence) with
    the real steps of each sequence in ``lengths`` (None when none is padded).
    Its parameters are a list of arrays that the network keeps in one flat list;
    this base class is a layer with none, which passes its input through.

    Attributes
    ----------
    n_params : int
        Number of parameter arrays.
    state_units : int
        Units whose state the layer keeps at each step while predicting (about
        six values a unit: an LSTM's gates and cell); 0 for layers that keep
        none. Prediction blocks are sized by the network's largest.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.layers import Layer
    >>> X = np.ones((2, 3, 4))
    >>> Layer().forward([], X, None)[0] is X
    True
    """

    n_params = 0
    state_units = 0

    def init_params(self, n_in, random_state, dtype):
        """Draw initial parameters for inputs of ``n_in`` features.

        Parameters
        ----------
        n_in : int
            Features of each input step (or of each input vector).
        random_state : numpy.random.RandomState or numpy.random.Generator
            Source of randomness.
        dtype : data-type
            Dtype of the parameters.

        Returns
        -------
        params : list of ndarray
            ``n_params`` arrays.
        """
        return []

    def n_out(self, n_in):
        """Return the features of the output, given ``n_in`` input features.

        Parameters
        ----------
        n_in : int
            Input features.

        Returns
        -------
        n_out : int
            Output features.
        """
        return n_in

    def penalised(self):
        """Which parameters an L2 penalty applies to (weights, not biases).

        Returns
        -------
        flags : tuple of bool
            One per parameter array.
        """
        return ()

    def forward(self, params, X, lengths, workspace=None, rng=None, keep_cache=True):
        """Compute the layer's output.

        Parameters
        ----------
        params : list of ndarray
            The layer's parameters.
        X : ndarray
            Input batch.
        lengths : ndarray of int or None
            Real steps per sequence.
        workspace : Workspace, default=None
            Buffers reused from the last call (see :class:`sklstm.core.Workspace`).
        rng : numpy.random.RandomState, default=None
            Randomness for training (dropout); None when predicting.
        keep_cache : bool, default=True
            Whether to keep what :meth:`backward` needs.

        Returns
        -------
        Y : ndarray
            Output batch.
        lengths : ndarray of int or None
            Real steps per sequence of ``Y``.
        cache : object
            What :meth:`backward` needs.
        """
        return X, lengths, None

    def backward(self, params, dY, cache, workspace=None, need_dX=True):
        """Backpropagate through the layer.

        Parameters
        ----------
        params : list of ndarray
            The layer's parameters.
        dY : ndarray
            Gradient of the loss with respect to the output.
        cache : object
            What :meth:`forward` kept.
        workspace : Workspace, default=None
            Buffers reused from the last call.
        need_dX : bool, default=True
            Whether the gradient with respect to the input is needed.

        Returns
        -------
        dX : ndarray or None
            Gradient with respect to ``X``; None when not needed.
        grads : list of ndarray
            Gradients of the parameters, in their order.
        """
        return dY, []

    def to_onnx(self, e, batch, params):
        """Emit the layer's prediction as ONNX nodes (dropout's identity by default).

        Parameters
        ----------
        e : sklstm._onnx_graph.Emitter
            Adds nodes and constants to the graph being built.
        batch : sklstm._onnx_graph.GraphBatch
            The batch in the graph: its tensor ``x``, layout and real steps; the layer
            replaces them with its output's.
        params : list of ndarray
            The layer's parameters.
        """


def implements(method):
    """Document a layer's method with the contract's sections from :class:`Layer`.

    A method with a docstring keeps it as its summary (what this layer does); the
    Parameters and Returns sections, the same for every layer, come from :class:`Layer`.
    A method without one takes :class:`Layer`'s docstring whole.

    Parameters
    ----------
    method : function
        A method overriding one of :class:`Layer`'s.

    Returns
    -------
    method : function
        The same function, documented as the method it implements.
    """
    contract = getattr(Layer, method.__name__).__doc__
    if method.__doc__:
        summary, sections = method.__doc__.strip(), contract.split("\n", 1)[1]
        method.__doc__ = f"{summary}\n{sections}"
    else:
        method.__doc__ = contract
    return method
