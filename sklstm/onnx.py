"""Export fitted sklstm models to ONNX, for ONNX Runtime and other ONNX backends.

Importing this module registers converters for :class:`~sklstm.LSTMRegressor` and
:class:`~sklstm.LSTMClassifier` with `skl2onnx <https://onnx.ai/sklearn-onnx/>`_, so that
``skl2onnx.to_onnx(model_or_pipeline, X_sample)`` converts them, alone or as the last
step of a Pipeline. It needs the optional extra: ``pip install "sklstm[onnx]"``.

The graph takes the input a model was fitted on: a 3D ``(n_samples, n_timesteps,
n_features)`` tensor, or a 2D one read as steps (``features_per_step``). Ragged
sequences are passed padded, with a second input ``lengths`` (int64, the real steps
of each sequence): :func:`to_onnx` adds it for a list X, and :func:`pad_sequences`
pads a list. Lengths outside ``1..n_timesteps`` are clipped into it (sklstm refuses them,
but an ONNX graph has no way to fail with a message). Outputs:

- regressor: ``variable``, ``(n_samples, n_outputs)``, or ``(n_samples, n_timesteps,
  n_outputs)`` with ``return_sequences=True`` (values at padded steps are meaningless);
- classifier: ``label`` and ``probabilities`` (``(n_samples, n_classes)``), through
  skl2onnx's ZipMap unless ``options={"zipmap": False}``; per-step classifiers need
  ``zipmap=False`` (:func:`to_onnx` sets it), and give ``(n_samples, n_timesteps)``
  labels and ``(n_samples, n_timesteps, n_classes)`` probabilities. Labels are the classes
  exactly: strings, int64, or uint64 for unsigned classes past int64's range, which only
  ``zipmap=False`` converts (ZipMap takes int64 keys).

A model that streams also exports its stream's step (:func:`to_onnx_stream`): one new
step of every stream per run, the streams' state (:func:`stream_state`) in and out.

ONNX Runtime runs LSTM and Conv in float32 only, so the network runs in float32 even for
``dtype='float64'`` models.
"""

import numpy as np

try:
    import skl2onnx
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        UInt64TensorType,
    )
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "sklstm.onnx needs skl2onnx, onnx and onnxruntime: pip install 'sklstm[onnx]'."
    ) from error

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from . import _onnx_graph as graph
from . import _onnx_stream, core
from ._classifier import LSTMClassifier
from ._data import is_ragged
from ._regressor import LSTMRegressor

__all__ = ["pad_sequences", "stream_state", "to_onnx", "to_onnx_stream"]


def pad_sequences(X, dtype=np.float32):
    """Pad a list of sequences into the ``X`` and ``lengths`` inputs of an exported model.

    Parameters
    ----------
    X : list of array-like of shape (n_timesteps_i, n_features)
        Sequences of different lengths.
    dtype : data-type, default=numpy.float32
        Dtype of the padded array; the exported model's input type.

    Returns
    -------
    X_padded : ndarray of shape (n_samples, max_timesteps, n_features)
        The sequences, zeros after each one's end.
    lengths : ndarray of int64 of shape (n_samples,)
        Real steps of each sequence.

    Examples
    --------
    >>> from sklstm.onnx import pad_sequences
    >>> X, lengths = pad_sequences([[[1.0], [2.0]], [[3.0]]])
    >>> X[:, :, 0].tolist(), lengths.tolist()
    ([[1.0, 2.0], [3.0, 0.0]], [2, 1])
    """
    seqs = [np.asarray(x, dtype=dtype) for x in X]
    return core.pad_sequences([x.reshape(-1, 1) if x.ndim == 1 else x for x in seqs], dtype)


def to_onnx(model, X, *, target_opset=None, options=None):
    """Convert a fitted estimator, or a Pipeline ending in one, to an ONNX model.

    Like ``skl2onnx.to_onnx(model, X)``, but the number of steps is left free (any
    sequence length is accepted), a list X adds the ``lengths`` input, and a per-step
    classifier gets ``zipmap=False``.

    Parameters
    ----------
    model : LSTMRegressor, LSTMClassifier or Pipeline
        Fitted.
    X : array-like or list of array-like
        A sample of the input: its type (float32 or float64) and features per step, or
        columns, become the graph's input. A list is padded to float32.
    target_opset : int, default=None
        ONNX opset, from 13 to skl2onnx's latest tested; None takes that latest.
    options : dict, default=None
        The conversion options of skl2onnx, for example ``{"zipmap": False}``.

    Returns
    -------
    onnx.ModelProto
        The graph, with input ``X`` (and ``lengths`` for a list X).

    Raises
    ------
    ValueError
        If X is not 2D or 3D, has another width than the model was fitted with, or the
        options ask a ZipMap of labels that ZipMap cannot hold (per-step probabilities,
        unsigned classes past int64's range): pass ``{"zipmap": False}``.

    Notes
    -----
    ``lengths`` is int64 ``(n_samples,)``, the real steps of each padded sequence, from 1 to
    ``n_timesteps`` of the padded X. The graph clips lengths outside that range into it (0 or
    less reads the first step alone, more reads the whole padded row), where sklstm raises:
    ONNX has no operator that fails with a message, and ONNX Runtime would otherwise give NaN
    for 0 and an internal error for the others.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.onnx import to_onnx
    >>> X = np.random.default_rng(0).normal(size=(40, 10, 2)).astype(np.float32)
    >>> model = LSTMRegressor(hidden_layer_sizes=(8,), random_state=0).fit(X, X[:, -1, 0])
    >>> onx = to_onnx(model, X)
    >>> runtime = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> (pred,) = runtime.run(None, {"X": X})
    >>> pred.shape, bool(np.allclose(pred[:, 0], model.predict(X), rtol=1e-5, atol=1e-6))
    ((40, 1), True)
    """
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if isinstance(final, LSTMClassifier | LSTMRegressor):
        check_is_fitted(final)
    ragged = is_ragged(X)
    X = pad_sequences(X)[0] if ragged else np.asarray(X)
    tensor = DoubleTensorType if X.dtype == np.float64 else FloatTensorType
    if X.ndim == 3:
        types = [("X", tensor([None, None, X.shape[2]]))]
    elif X.ndim == 2:
        types = [("X", tensor([None, X.shape[1]]))]
    else:
        raise ValueError(f"X must be 2D or 3D (or a list of sequences); got {X.ndim}D.")
    if ragged:
        types.append(("lengths", Int64TensorType([None])))
    options = {} if options is None else dict(options)
    if isinstance(final, LSTMClassifier) and final._per_step and not options:
        options = {id(final): {"zipmap": False}}
    if not isinstance(target_opset, dict):  # skl2onnx also takes {domain: version}
        target_opset = _checked_opset(target_opset)
    return skl2onnx.to_onnx(
        model, initial_types=types, target_opset=target_opset, options=options or None
    )


def _checked_opset(target_opset):
    """``target_opset`` as an int from 13 (sklstm's converters) to the newest that
    skl2onnx has tested; None gives that newest."""
    newest = skl2onnx.get_latest_tested_opset_version()
    if target_opset is None:
        return newest
    whole = isinstance(target_opset, int | np.integer) and not isinstance(target_opset, bool)
    if not (whole and 13 <= target_opset <= newest):
        raise ValueError(
            f"target_opset must be an integer from 13 to {newest} (the newest this skl2onnx "
            f"has tested), or None for {newest}; got {target_opset!r}."
        )
    return int(target_opset)


def to_onnx_stream(model, n_streams=None, *, target_opset=None):
    """Convert a fitted estimator's stream to an ONNX model of one step.

    The graph is the step function of ``model.stream(n_streams)``: each run feeds every
    stream one new step and gives the answer on each stream's whole prefix (what
    ``predict`` gives on it) and the streams' new state, which the next run takes. A device
    thus runs live streams with ONNX Runtime alone. :func:`stream_state` gives the state to
    start from.

    Parameters
    ----------
    model : LSTMRegressor or LSTMClassifier
        Fitted, and streamable: not bidirectional, without convolutions or the
        random-kernel base (see the estimators' ``stream``).
    n_streams : int, default=None
        Streams fed side by side, fixed in the graph's shapes; None leaves it free.
    target_opset : int, default=None
        ONNX opset, from 13 to skl2onnx's latest tested; None takes that latest.

    Returns
    -------
    onnx.ModelProto
        Inputs: ``X``, float32 ``(n_streams, 1, n_features)``, the new step of each
        stream, and the state, named as :func:`stream_state` names it. Outputs: the answer,
        then each state array under its name with the suffix ``_out``. The answer is the
        regressor's ``variable``, float32 ``(n_streams, n_outputs)``; the classifier's
        ``label`` ``(n_streams,)`` and ``probabilities`` ``(n_streams, n_classes)`` (no
        ZipMap; labels typed as in :func:`to_onnx`); per step (``return_sequences=True``),
        the new step's, with a step axis of 1 after the streams'.

    Raises
    ------
    ValueError
        If the model does not stream, with the message of its ``stream`` method.

    Notes
    -----
    The graph does what the stream does, operation by operation, for streams at any
    phase (steps seen modulo ``patch_size``); the network runs in float32 (ONNX's
    ``LSTM``), standardization and the ridge on the last steps in float64. Answers agree
    with the Python stream's within 1e-5 of the largest value, after every step of
    500-step streams (``tests/test_onnx_stream.py``).

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.onnx import stream_state, to_onnx_stream
    >>> X = np.random.default_rng(0).normal(size=(40, 10, 2)).astype(np.float32)
    >>> model = LSTMRegressor(hidden_layer_sizes=(8,), random_state=0).fit(X, X[:, -1, 0])
    >>> runtime = ort.InferenceSession(
    ...     to_onnx_stream(model).SerializeToString(), providers=["CPUExecutionProvider"]
    ... )
    >>> names = [output.name for output in runtime.get_outputs()]
    >>> state = stream_state(model, n_streams=3)
    >>> for t in range(10):  # three streams, one step a run
    ...     out = dict(zip(names, runtime.run(None, {"X": X[:3, t : t + 1], **state})))
    ...     state = {name: out[name + "_out"] for name in state}
    >>> bool(np.allclose(out["variable"][:, 0], model.predict(X[:3]), rtol=1e-5, atol=1e-6))
    True
    """
    if not isinstance(model, LSTMClassifier | LSTMRegressor):
        raise TypeError(
            f"to_onnx_stream converts an LSTMRegressor or LSTMClassifier; got {type(model)}."
        )
    whole = isinstance(n_streams, int | np.integer) and not isinstance(n_streams, bool)
    if n_streams is not None and not (whole and n_streams >= 1):
        raise ValueError(f"n_streams must be a positive integer or None; got {n_streams!r}.")
    target_opset = _checked_opset(target_opset)
    labels = _class_labels(model) if isinstance(model, LSTMClassifier) else None
    n = None if n_streams is None else int(n_streams)
    return _onnx_stream.stream_graph(model, n, target_opset, labels)


def stream_state(model, n_streams=None):
    """The state that a stream graph (:func:`to_onnx_stream`) starts from, by input name.

    Parameters
    ----------
    model : LSTMRegressor, LSTMClassifier or Stream
        A fitted, streamable model: the state of ``n_streams`` new streams (no step seen);
        or a stream (``model.stream(...)``): its current state, so that the graph goes on
        where the Python stream stopped.
    n_streams : int, default=None
        Streams, for a model (None: 1); for a stream, None or its ``n_streams``.

    Returns
    -------
    state : dict of str to ndarray
        The arrays that :class:`sklstm.Stream` carries, network arrays in float32:

        - ``n_steps_seen`` (int64, ``(n_streams,)``): steps seen, 0 at the start;
        - ``window`` ``(n_streams, patch_size, n_features)``: the last ``patch_size``
          steps, standardized (zeros at the start);
        - ``h_k`` and ``c_k`` ``(patch_size, n_streams, n_hidden_k)``: hidden and cell
          states of LSTM layer ``k`` (from 0), one per phase (zeros at the start);
        - ``total`` and ``peak`` ``(patch_size, n_streams, n_hidden)``: running sum (zeros)
          and maximum (``-inf``) of the top layer's states, per phase;
        - ``patches`` ``(patch_size, n_streams, linear_steps_, patch_size * n_features)``,
          the regressor's ridge on the last steps only: each phase's last patches (zeros).

    Raises
    ------
    ValueError
        If the model does not stream, or ``n_streams`` is not the stream's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.onnx import stream_state
    >>> X = np.random.default_rng(0).normal(size=(40, 10, 2)).astype(np.float32)
    >>> model = LSTMRegressor(hidden_layer_sizes=(8,), patch_size=2, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> {name: a.shape for name, a in stream_state(model, n_streams=3).items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'n_steps_seen': (3,), 'window': (3, 2, 2), 'h_0': (2, 3, 8), 'c_0': (2, 3, 8),
     'total': (2, 3, 8), 'peak': (2, 3, 8), 'patches': (2, 3, 5, 4)}
    >>> stream = model.stream(3)
    >>> _ = stream.predict(X[:3, :4])  # four steps in Python, the next ones in the graph
    >>> stream_state(stream)["n_steps_seen"].tolist()
    [4, 4, 4]
    """
    return _onnx_stream.stream_state(model, n_streams)


def _input_shape(operator, model):
    """The rank of X, after checking the inputs against the fitted model."""
    inputs = operator.inputs
    if not 1 <= len(inputs) <= 2:
        raise ValueError(f"{type(model).__name__} takes X and optionally lengths as inputs.")
    shape = inputs[0].type.shape
    if len(shape) not in (2, 3):
        raise ValueError(f"X must be a 2D or 3D tensor; got shape {shape}.")
    expected = model.n_features_in_ if len(shape) == 2 else model._step_features
    if isinstance(shape[-1], int) and shape[-1] != expected:
        raise ValueError(
            f"X has {shape[-1]} {'columns' if len(shape) == 2 else 'features per step'}, "
            f"but {type(model).__name__} was fitted with {expected}."
        )
    if len(inputs) == 2:
        if len(shape) != 3 or not isinstance(inputs[1].type, Int64TensorType):
            raise ValueError("lengths must be an int64 tensor, with a 3D X.")
    return len(shape)


def _output_shape(operator, model, *tail):
    n_samples = operator.inputs[0].get_first_dimension()
    return [n_samples, None, *tail] if model._per_step else [n_samples, *tail]


def _calculate_regressor_shape(operator):
    model = operator.raw_operator
    _input_shape(operator, model)
    tensor = type(operator.inputs[0].type)
    operator.outputs[0].type = tensor(_output_shape(operator, model, model.n_outputs_))


def _class_labels(model):
    """The classes as ONNX labels, exactly: strings; uint64 for unsigned integers past
    int64's range; int64 otherwise (integers, booleans as 0/1, integral floats: scikit-learn
    refuses floats that int64 would change)."""
    classes = model.classes_
    if classes.dtype.kind in "US":
        return classes.astype(str)
    if classes.dtype.kind == "u" and classes.max() > np.iinfo(np.int64).max:
        return classes.astype(np.uint64)
    return classes.astype(np.int64)


def _label_type(labels):
    return {"U": StringTensorType, "u": UInt64TensorType}.get(labels.dtype.kind, Int64TensorType)


def _calculate_classifier_shape(operator):
    model = operator.raw_operator
    _input_shape(operator, model)
    labels = _class_labels(model)
    label_type = _label_type(labels)
    operator.outputs[0].type = label_type(_output_shape(operator, model))
    tensor = type(operator.inputs[0].type)
    operator.outputs[1].type = tensor(_output_shape(operator, model, len(labels)))


def _raw_output(scope, operator, container):
    """The model's raw outputs (float64): every part of the composite, blended."""
    model = operator.raw_operator
    e = graph.Emitter(scope, container)
    lengths = operator.inputs[1].full_name if len(operator.inputs) == 2 else None
    rank = len(operator.inputs[0].type.shape)
    inputs = graph.GraphInputs(e, model, operator.inputs[0].full_name, rank, lengths)
    raw = model._composite_model().to_onnx(e, inputs, model._network_part(model.coefs_))
    return model, e, raw


def _output_type(operator):
    return graph.DOUBLE if isinstance(operator.inputs[0].type, DoubleTensorType) else graph.FLOAT


def _convert_regressor(scope, operator, container):
    model, e, raw = _raw_output(scope, operator, container)
    if model._y_mean is not None:
        raw = e.op("Add", e.op("Mul", raw, e.const(model._y_scale)), e.const(model._y_mean))
    e.op("Cast", raw, outputs=[operator.outputs[0].full_name], to=_output_type(operator))


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    zipmap = container.get_options(model, dict(zipmap=True))["zipmap"]
    if model._per_step and zipmap is not False:
        raise ValueError(
            "A classifier with return_sequences=True gives probabilities per step, which "
            "ZipMap cannot take: convert with options={'zipmap': False} (sklstm.onnx.to_onnx "
            "sets it)."
        )
    labels = _class_labels(model)
    if labels.dtype == np.uint64 and zipmap is not False:
        raise ValueError(
            f"The classes {model.classes_.tolist()} do not fit in int64, the only integer type "
            "of skl2onnx's ZipMap: convert with options={'zipmap': False}, which gives uint64 "
            "labels."
        )
    model, e, raw = _raw_output(scope, operator, container)
    index = e.op("ArgMax", raw, axis=-1, keepdims=0)
    e.op("Gather", e.const(labels), index, outputs=[operator.outputs[0].full_name])
    probabilities = e.op("Softmax", raw, axis=-1)
    e.op("Cast", probabilities, outputs=[operator.outputs[1].full_name], to=_output_type(operator))


skl2onnx.update_registered_converter(
    LSTMRegressor, "SklstmLSTMRegressor", _calculate_regressor_shape, _convert_regressor
)
skl2onnx.update_registered_converter(
    LSTMClassifier,
    "SklstmLSTMClassifier",
    _calculate_classifier_shape,
    _convert_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
