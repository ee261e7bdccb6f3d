"""LSTMClassifier: an LSTM network with a softmax head and cross-entropy loss."""

from collections.abc import Mapping, MappingView, Set

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils import check_array, column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseLSTM, _store_parameters
from ._data import check_weights
from ._parameters import RANDOM_KERNELS
from ._stream import ClassifierStream
from .core import log_softmax

__all__ = ["LSTMClassifier"]


class LSTMClassifier(ClassifierMixin, BaseLSTM):
    """Recurrent (LSTM) classifier for sequences, with a random-kernel ridge beside it.

    The model sums the log-odds of its parts, weighed as ``blend_weights_``
    reports after a fit:

    - ``"random_kernels"``: a ridge classifier on MiniRocket's random-kernel
      features, its scores read as log-odds (on by default when the training
      sequences reach 100 steps; ``random_kernels``);
    - ``"lstm"``: stacked LSTM layers and a softmax layer on the pooled state
      (or, with ``return_sequences=True``, the state at every step), trained
      with the ridge's log-odds added to its own on the cross-entropy, like
      ``MLPClassifier``, by Adam or SGD on minibatches and backpropagation
      through time.

    Beside the ridge, ``validation_fraction`` of the sequences is held out to
    weigh the LSTM; a network that adds nothing there gets weight 0, its
    training then stopping early. Short sequences get the LSTM alone. For a
    plain LSTM at any length: ``LSTMClassifier(random_kernels=0)``. See the
    user guide's "What model you get". Labels may be of any type (strings too)
    and are predicted back as given.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Units of each LSTM layer; one stacked layer per entry.
    bidirectional : bool, default=True
        Whether each layer also reads the sequences backward in time. On by
        default for classification, where the whole sequence is known: see the
        user guide's defaults page (LSTMRegressor's default is False).
    pooling : {'concat', 'last', 'mean', 'max'}, default='concat'
        How one vector per sequence is read from the top layer: its state at
        the last real step, the mean or the maximum over all real steps, or
        'concat', those three side by side ("concat pooling", Howard & Ruder
        2018).
    return_sequences : bool, default=False
        Predict one label per step instead of one per sequence.
    dropout : float, default=0.0
        Fraction of each LSTM layer's outputs zeroed during training.
    features_per_step : int, default=1
        How a 2D X is read: each row holds ``n_columns / features_per_step``
        steps of ``features_per_step`` features, step after step.
    newest_first : bool, default=False
        How a 2D X's steps are ordered: False reads the first columns as the
        oldest step, True as the newest (the layout of skforecast's lag
        columns, ``lag_1`` first), so that the LSTM always reads forward in
        time. 3D and list X have their own time axis and are read as given.
    patch_size : int or 'auto', default='auto'
        Consecutive steps the LSTM reads as one step (a "patch" of
        ``patch_size * n_features`` values), so that long sequences become
        short ones; groups end at each sequence's last step. 'auto' picks the
        smallest size that makes the longest training sequence at most 32
        steps, and 1 with ``return_sequences=True``. See the user guide.
    conv_filters : int or tuple of int, default=()
        Filters of each convolution of a front end that reads the sequences before
        the LSTM: each convolution ('same' padding, stride 1) is followed by a
        ReLU and, with ``conv_pool_size > 1``, max pooling over time, so that long
        sequences reach the LSTM shorter and as local shapes (LSTM-FCN, Karim et
        al. 2018). Empty: no front end.
    conv_kernel_sizes : int or tuple of int, default=5
        Steps each convolution's filters read (Keras' ``kernel_size``): one size
        for all convolutions, or one per convolution.
    conv_pool_size : int, default=4
        Steps per max-pooling run (and stride) after each convolution (Keras'
        ``pool_size``); 1 keeps every step, as ``return_sequences=True`` needs.
    random_kernels : int or 'auto', default='auto'
        Features of a fixed random-kernel base beside the LSTM: MiniRocket's
        convolutional kernels (Dempster et al. 2021), never trained, each read as
        the share of a sequence's steps where its output exceeds a bias, and a
        ridge classifier on those features (penalty chosen by leave-one-out). Its
        scores enter the softmax as fixed log-odds and the LSTM learns what they
        leave; ``validation_fraction`` of the sequences is then held out to weigh
        the LSTM against the base (``network_weight_``). 0: no base; at most
        100,000, rounded down to a multiple of 84 (at least 84). 'auto' is 10,000
        when the longest training sequence has at least 100 steps (and
        ``return_sequences=False``), else 0: on long sequences whose classes
        differ by local shape the base is far more accurate than the LSTM, on
        short ones the LSTM alone is. See the user guide. Aeon's ``n_kernels``.
    standardize : bool, default=True
        Scale each feature of X to zero mean and unit variance (over the
        training set's real steps, weighted by ``sample_weight``) before the
        network sees it. The statistics are fixed at the first fit.
    dtype : {'float32', 'float64'}, default='float32'
        Floating-point type of the network's weights and computation.
        float32 trains 1.5-2.5x faster and reaches the same accuracy;
        float64 is there for exact comparisons. Predictions are float64
        either way.
    class_weight : dict, 'balanced' or None, default=None
        Weight of each class in the loss; 'balanced' weighs classes inversely
        to their frequency in y. A dict maps classes of y to finite,
        non-negative weights (at most 1e12; classes left out weigh 1).
    solver : {'adam', 'sgd'}, default='adam'
        Optimiser.
    alpha : float, default=1e-4
        L2 penalty on the weight matrices.
    batch_size : int or 'auto', default='auto'
        Sequences per minibatch; 'auto' is ``min(32, n_samples)`` (smaller than
        MLP's 200: measured better and faster for LSTMs on small data).
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule, as in MLP: 'constant'; 'invscaling'
        (``learning_rate_init / t**power_t``, 'sgd' only); 'adaptive' divides
        the rate by 5 each time the loss (or validation score) stalls for
        ``n_iter_no_change`` epochs, and stops training once it is below 1e-6.
        With 'adam', 'adaptive' is reduce-on-plateau and 'invscaling' acts as
        'constant'.
    learning_rate_init : float, default=0.01
        Initial learning rate.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Whether to shuffle the sequences each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, shuffling, dropout and the validation split; an int
        makes fits identical.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts.
    verbose : bool, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights.
    momentum : float, default=0.9
        Momentum of the 'sgd' solver.
    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified, when each
        class has two sequences and the share holds every class), stop when its
        accuracy stalls and keep the weights of the best epoch. Skipped, with
        a warning, when that share is fewer than 2 sequences, when
        ``sample_weight`` gives all of them, or all the others, weight 0, or
        when a warm start keeps a first fit's split that held none out.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates.
    epsilon : float, default=1e-8
        Adam's numerical stability term.
    n_iter_no_change : int, default=30
        Epochs without improvement of at least ``tol`` before stopping (or,
        with ``learning_rate='adaptive'``, before the rate is divided by 5).
        Larger than MLP's 10: an LSTM's loss often rests on a plateau for a
        while before it falls.
    max_grad_norm : float or None, default=5.0
        Clip the joint L2 norm of each minibatch's gradients to this value;
        None disables clipping.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    coefs_ : list of ndarray
        Weights: for each convolution its kernel ``W (kernel_size, n_in,
        filters)`` and bias; for each LSTM layer and direction ``Wx, Wh, b``
        (gate blocks i, f, g, o); then the head's ``W_out`` and ``b_out``.
    n_outputs_ : int
        Number of classes (units of the softmax head).
    blend_weights_ : dict
        Weight of each fitted part's log-odds: ``"random_kernels"`` (1 when
        fitted) and ``"lstm"`` (``network_weight_``). ``{"lstm": 1.0}`` is a
        plain LSTM.
    random_kernels_ : int
        Features of the random-kernel base (``random_kernels`` resolved, a
        multiple of 84), 0 without one.
    kernel_alpha_ : float or None
        The base's ridge penalty; None without a base.
    kernel_scale_ : float or None
        Temperature that reads the base's scores as log-odds; None without a base.
    network_weight_ : float
        Share of the LSTM's log-odds in predictions: 1 without the base; with it,
        the weight in [0, 1] of least cross-entropy on the held-out sequences,
        shrunk by the evidence for it there (0 when the cross-entropy it saves
        is chance-sized; 1 when fewer than 2 can be held out, and after
        ``partial_fit``). The same as ``blend_weights_["lstm"]``. Training stops
        early when no epoch has given the LSTM weight and its held-out loss has
        not fallen for 5 epochs.
    patch_size_ : int
        Steps the network reads as one (``patch_size``, with 'auto' resolved
        at the first fit).
    loss_curve_ : list of float
        Training loss after each epoch.
    best_loss_ : float
        Lowest training loss seen.
    validation_scores_ : list of float or None
        Accuracy on the held-out data after each epoch, with early stopping
        (beside the base: of the base plus the LSTM at full weight).
    best_validation_score_ : float or None
        Best of ``validation_scores_`` (the fitted model, which weighs the
        LSTM, may score otherwise).
    n_iter_ : int
        Epochs run.
    t_ : int
        Training sequences seen.
    n_features_in_ : int
        Columns of a 2D X, or features per step of a 3D or list X.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 8, 1))
    >>> y = np.where(X.mean(axis=(1, 2)) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_layer_sizes=(16,), random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['down', 'up']
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _numeric_targets = False
    _link = "softmax"
    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_kernels": RANDOM_KERNELS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        *,
        bidirectional=True,
        pooling="concat",
        return_sequences=False,
        dropout=0.0,
        features_per_step=1,
        newest_first=False,
        patch_size="auto",
        conv_filters=(),
        conv_kernel_sizes=5,
        conv_pool_size=4,
        random_kernels="auto",
        standardize=True,
        dtype="float32",
        class_weight=None,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=30,
        max_grad_norm=5.0,
    ):
        _store_parameters(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over X and y, starting from the current weights.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.
        y : array-like
            Labels, in the form :meth:`fit` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.
        classes : array-like, default=None
            Every label the model will ever see. Needed at the first call
            unless that call's y holds them all; ignored afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities for sequences X.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``. With ``return_sequences=True``:
            ``(n_samples, n_timesteps, n_classes)``, or a list of per-sequence
            arrays for a list X.
        """
        log_proba = self._log_proba(X)
        if isinstance(log_proba, list):
            return [np.exp(p) for p in log_proba]
        return np.exp(log_proba)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities for sequences X.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Shaped as :meth:`predict_proba` returns.
        """
        return self._log_proba(X)

    def _log_proba(self, X):
        raw, batch, ragged = self._raw_predict(X)
        return self._split_steps(log_softmax(raw), batch, ragged)

    # The mixin's score would shadow the base's, which also scores per-step targets.
    score = BaseLSTM.score

    def stream(self, n_streams=1):
        """A live stream: answers after each new step, without reading the past again.

        The stream carries the LSTM's state (and the readout's), so each new step costs
        the same whatever the history. After each chunk of steps, its predict,
        predict_proba and predict_log_proba give what this model's give on each
        stream's whole prefix.
        Models with ``bidirectional=True``, convolutions or the random-kernel base read
        the future or the whole sequence, and raise ``ValueError`` here. See the user
        guide's "Live streams".

        Parameters
        ----------
        n_streams : int, default=1
            Streams fed side by side.

        Returns
        -------
        stream : ClassifierStream
            With ``predict(X_new)``, ``predict_proba`` and ``predict_log_proba`` and ``reset()``.
        """
        return ClassifierStream(self, n_streams)

    def _validate_y(self, y, n_samples, per_step=False):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if not per_step:
            y = column_or_1d(y, warn=True)
        if y.ndim != 1 or len(y) != n_samples:
            raise ValueError(f"y has shape {y.shape}; expected ({n_samples},) to match X.")
        if y.dtype == object:
            _check_label_types(y)
        check_classification_targets(y)
        return y

    def _encode(self, y, first, classes=None):
        if first:
            given = classes is not None
            classes = np.unique(_checked_classes(classes) if given else y)
            if classes.dtype == object and all(isinstance(c, str) for c in classes):
                # Plain strings (from pandas, say): a unicode array, so that the
                # fitted state holds no object array (secure loading refuses them).
                classes = classes.astype(str)
            if len(classes) < 2:
                where = "classes" if given else "y"
                hint = "" if given else " (with partial_fit, pass every label as classes=)"
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes; {where} holds one class "
                    f"only, {classes.tolist()[0]!r}{hint}."
                )
            unseen = np.setdiff1d(y, classes)
            if unseen.size:
                raise ValueError(
                    f"y contains labels that are not in classes: {unseen.tolist()}; "
                    f"classes holds {classes.tolist()}. Pass every label as classes=."
                )
            self.classes_ = classes
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen at the first fit: {unseen.tolist()}; "
                f"the model knows {self.classes_.tolist()}."
            )
        index = np.searchsorted(self.classes_, y)
        Y = np.zeros((len(y), len(self.classes_)))
        Y[np.arange(len(y)), index] = 1.0
        return Y

    def _target_weights(self, Y):
        if self.class_weight is None:
            return None
        index = Y.argmax(axis=1)
        present = np.unique(index)
        labels = self.classes_
        weights = np.ones(len(labels))
        if self.class_weight == "balanced":
            weights[present] = compute_class_weight(
                "balanced", classes=labels[present], y=labels[index]
            )
        else:
            weights = _class_weights(self.class_weight, labels)
        return weights[index]

    def _stratify_labels(self, Y):
        if self.return_sequences:
            return None
        labels = Y.argmax(axis=1)
        counts = np.bincount(labels)
        return labels if counts[counts > 0].min() >= 2 else None

    def _base_settings(self):
        """The closed-form part the parameters ask for (see sklstm._composite)."""
        return {"linear_steps": 0, "linear_alpha": None, "random_kernels": self.random_kernels}

    @staticmethod
    def _loss(out, Y, w):
        log_p = log_softmax(out)
        loss = -np.sum(w[..., None] * Y * log_p)
        return loss, (np.exp(log_p) - Y) * w[..., None]

    def _decode(self, raw):
        return self.classes_[raw.argmax(axis=-1)]

    @staticmethod
    def _score_metric(y, pred, sample_weight):
        return accuracy_score(y, pred, sample_weight=sample_weight)


def _check_label_types(y, name="y"):
    """Labels of one type, none missing: NumPy cannot sort None beside strings."""
    missing = [k for k, label in enumerate(y) if label is None]
    if missing:
        raise ValueError(
            f"{name} has {len(missing)} missing labels (None), the first at index "
            f"{missing[0]}. Drop those samples, or give them a label of their own."
        )
    types = {type(label).__name__ for label in y}
    if len(types) > 1 and not all(isinstance(label, str) for label in y):
        try:
            np.unique(y)
        except TypeError:
            raise ValueError(
                f"{name} mixes labels of types {sorted(types)}, which cannot be sorted "
                "together. Give every label the same type (for example y.astype(str))."
            ) from None


def _checked_classes(classes):
    """``partial_fit``'s ``classes`` as a 1-D array of labels, none missing or NaN."""
    if isinstance(classes, Mapping):
        raise TypeError(
            f"classes must be a list or array of labels, got a {type(classes).__name__}; "
            "pass list(classes) for its keys."
        )
    if isinstance(classes, Set | MappingView):  # unordered: np.unique sorts them
        classes = list(classes)
    if isinstance(classes, list | tuple):
        # As objects first: NumPy would read [1, "a"] or ["a", nan] as strings.
        labels = np.empty(len(classes), dtype=object)
        labels[:] = classes
        _check_label_types(labels, "classes")
        if any(isinstance(c, float) and np.isnan(c) for c in classes):
            raise ValueError("classes contains NaN; every label must be a value of y.")
    classes = check_array(
        classes, ensure_2d=False, dtype=None, ensure_min_samples=0, input_name="classes"
    )
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(
            f"classes must be a 1-D list of at least 2 labels; got shape {classes.shape}."
        )
    if classes.dtype == object:
        _check_label_types(classes, "classes")
    return classes


def _class_weights(class_weight, labels):
    """The weights of a ``class_weight`` dict for ``labels``, checked: each key a known
    class, each value a finite, non-negative number, not all zero."""
    unknown = [key for key in class_weight if key not in set(labels.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight has keys that are not classes of y: {unknown}; the classes "
            f"are {labels.tolist()}."
        )
    try:
        weights = np.array([class_weight.get(label, 1.0) for label in labels], dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"class_weight's values must be numbers; got {list(class_weight.values())}."
        ) from None
    check_weights(weights, "class_weight")
    if not np.any(weights > 0):
        raise ValueError("class_weight gives every class weight 0: at least one needs > 0.")
    return weights
