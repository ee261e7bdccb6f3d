"""LSTMRegressor: an LSTM network with a linear head and squared loss."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseLSTM, _store_parameters
from ._parameters import LINEAR_STEPS, RANDOM_KERNELS
from ._preprocessing import standard_scale
from ._stream import Stream

__all__ = ["LSTMRegressor"]


class LSTMRegressor(RegressorMixin, BaseLSTM):
    """Recurrent (LSTM) regressor for sequences, with ridge models beside it.

    The model is a weighted sum of parts, reported after a fit in
    ``blend_weights_``:

    - ``"linear_steps"``: a ridge regression on the last steps (on by default
      for one target per sequence; ``linear_steps``);
    - ``"random_kernels"``: a ridge on MiniRocket's random-kernel features (on
      by default from 100 steps, except on a series' sliding windows;
      ``random_kernels``);
    - ``"lstm"``: stacked LSTM layers and a linear layer on the pooled state (or,
      with ``return_sequences=True``, the state at every step), trained on what
      the ridges leave with the mean squared error, like ``MLPRegressor``, by
      Adam or SGD on minibatches and backpropagation through time.

    The two ridges are blended by leave-one-out error; the LSTM is weighed on
    held-out sequences (early stopping's) and dropped (weight 0) when they
    cannot tell its help from chance, its training then stopping early. For a
    plain LSTM: ``LSTMRegressor(linear_steps=0, random_kernels=0)``. See the
    user guide's "What model you get".

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Units of each LSTM layer; one stacked layer per entry.
    bidirectional : bool, default=False
        Whether each layer also reads the sequences backward in time.
    pooling : {'concat', 'last', 'mean', 'max'}, default='concat'
        How one vector per sequence is read from the top layer: its state at
        the last real step, the mean or the maximum over all real steps, or
        'concat', those three side by side ("concat pooling", Howard & Ruder
        2018).
    return_sequences : bool, default=False
        Predict one target per step instead of one per sequence.
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
    standardize : bool, default=True
        Scale each feature of X, and each target, to zero mean and unit
        variance (over the training set's real steps, weighted by
        ``sample_weight``) before the network sees them; predictions come back
        in the units of y. The statistics are fixed at the first fit.
    linear_steps : int or 'auto', default='auto'
        The last ``linear_steps`` steps the network reads (after patching and
        standardizing) also feed a ridge regression, fitted first in closed
        form; the LSTM then learns what the ridge leaves, and predictions are
        the sum (the linear "highway" of LSTNet, Lai et al. 2018). A linear
        model extrapolates trends that an LSTM's bounded state cannot, and it
        is hard to beat on small sets of short windows. 'auto' takes as many
        steps as fit in 1,024 values (all of them for windows of up to 32
        steps); a number above the steps the network reads from the training
        sequences takes them all; 0 disables it. Not used with ``return_sequences=True``.
    linear_alpha : float or 'auto', default='auto'
        L2 penalty of that ridge regression (``Ridge``'s ``alpha``, on
        standardized inputs and targets). 'auto' chooses it from the training
        data, among 36 values from 1e-3 to 1e4, by generalised
        cross-validation with sample weights read as counts, so that a weight
        of 2 still equals a repeated sequence (see the user guide's training
        page); the chosen value is ``linear_alpha_``. A number fixes it.
    random_kernels : int or 'auto', default='auto'
        Features of a fixed random-kernel base: MiniRocket's convolutional
        kernels (Dempster et al. 2021), never trained, each read as the share of
        a sequence's steps where its output exceeds a bias, and a ridge
        regression on those features (penalty chosen by generalised
        cross-validation). With the ridge on the last steps as well, the two are
        blended by the weight of least leave-one-out error
        (``kernel_weight_``); the LSTM learns what the blend leaves of each
        training sequence when it is left out, and ``validation_fraction`` of
        the sequences is held out to weigh the LSTM (``network_weight_``). 0: no
        base; at most 100,000, rounded down to a multiple of 84 (at least 84).
        'auto' is 10,000 when the longest training sequence has at least 100
        steps, ``return_sequences=False``, and the rows are not sliding
        windows of one series (a forecast needs the level, which the features
        drop, and neighbouring windows flatter the features' held-out error);
        else 0. See the user guide. Aeon's ``n_kernels``.
    dtype : {'float32', 'float64'}, default='float32'
        Floating-point type of the network's weights and computation.
        float32 trains 1.5-2.5x faster and reaches the same accuracy;
        float64 is there for exact comparisons. Predictions are float64
        either way.
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
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the data, stop when its score stalls
        and keep the weights of the best epoch. On by default for regression:
        it keeps the LSTM from fitting noise in what the ridge leaves (see
        the user guide's defaults page). The held-out sequences also weigh the
        LSTM (``network_weight_``): on small sets it is often dropped, which
        ``early_stopping=False`` prevents (without a random-kernel base, which
        holds sequences out itself). Skipped, with a warning, when
        ``validation_fraction`` of the data is fewer than 2 sequences (R^2
        needs two), when ``sample_weight`` gives all of them, or all the
        others, weight 0, or when a warm start keeps a first fit's split that
        held none out.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates.
    epsilon : float, default=1e-8
        Adam's numerical stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement of at least ``tol`` before stopping (or,
        with ``learning_rate='adaptive'``, before the rate is divided by 5).
        MLP's 10, measured on the validation score (LSTMClassifier, which
        watches the training loss, waits 30).
    max_grad_norm : float or None, default=5.0
        Clip the joint L2 norm of each minibatch's gradients to this value;
        None disables clipping.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weights: for each convolution its kernel ``W (kernel_size, n_in,
        filters)`` and bias; for each LSTM layer and direction ``Wx, Wh, b``
        (gate blocks i, f, g, o); then the head's ``W_out`` and ``b_out``.
    n_outputs_ : int
        Number of targets.
    blend_weights_ : dict
        Weight of each fitted part in the predictions: ``"linear_steps"``,
        ``"random_kernels"`` (the two ridges' shares, summing to 1) and
        ``"lstm"`` (``network_weight_``). ``{"lstm": 1.0}`` is a plain LSTM.
    linear_steps_ : int
        Steps read by the ridge regression (``linear_steps`` with 'auto'
        resolved); 0 without one.
    linear_alpha_ : float or None
        The ridge regression's penalty (``linear_alpha``, with 'auto'
        resolved); None without one.
    random_kernels_ : int
        Features of the random-kernel base (``random_kernels`` resolved, a
        multiple of 84), 0 without one.
    kernel_alpha_ : float or None
        The base's ridge penalty; None without a base.
    kernel_weight_ : float
        Share of the random-kernel ridge in the linear part of the predictions,
        in [0, 1] (the ridge on the last steps has the rest): 0 without a base,
        1 with a base but no ridge on the last steps.
        ``blend_weights_["random_kernels"]``.
    network_weight_ : float
        Share of the LSTM in the predictions, in [0, 1]: with early stopping
        (or a random-kernel base), the weight that best fits (least squares)
        what the linear part leaves of the held-out sequences' targets, shrunk
        by ``1 - 4 / F`` where F, the squared error it saves over the residual
        variance, is its squared t-statistic; 0.0 (the predictions are the
        linear part's) when F < 4, that is when the held-out sequences (sample
        weights read as counts) cannot tell its help from chance. 1.0 without
        early stopping or without a linear part. The same as
        ``blend_weights_["lstm"]``. Training stops early when no epoch has
        given the LSTM weight and its held-out loss has not fallen for 5 epochs.
    patch_size_ : int
        Steps the network reads as one (``patch_size``, with 'auto' resolved
        at the first fit).
    loss_curve_ : list of float
        Training loss after each epoch (of the standardized targets when
        ``standardize=True``).
    best_loss_ : float
        Lowest training loss seen.
    validation_scores_ : list of float or None
        R^2 of the whole model (the ridges plus the LSTM at full weight) on the
        held-out data after each epoch, with early stopping.
    best_validation_score_ : float or None
        Best of ``validation_scores_`` (of the LSTM at full weight: the fitted
        model, which weighs the LSTM, may score otherwise).
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
    >>> from sklstm import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 10, 1))
    >>> y = X.sum(axis=(1, 2))
    >>> model = LSTMRegressor(hidden_layer_sizes=(16,), random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "linear_steps": LINEAR_STEPS,
        "linear_alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "random_kernels": RANDOM_KERNELS,
    }
    _numeric_targets = True
    _link = "identity"

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        *,
        bidirectional=False,
        pooling="concat",
        return_sequences=False,
        dropout=0.0,
        features_per_step=1,
        newest_first=False,
        patch_size="auto",
        conv_filters=(),
        conv_kernel_sizes=5,
        conv_pool_size=4,
        standardize=True,
        linear_steps="auto",
        linear_alpha="auto",
        random_kernels="auto",
        dtype="float32",
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
        early_stopping=True,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_grad_norm=5.0,
    ):
        _store_parameters(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over X and y, starting from the current weights.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, in any form :meth:`fit` accepts.
        y : array-like
            Targets, in the form :meth:`fit` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    # The mixin's score would shadow the base's, which also scores per-step targets.
    score = BaseLSTM.score

    def stream(self, n_streams=1):
        """A live stream: answers after each new step, without reading the past again.

        The stream carries the LSTM's state (and the readout's and the ridge's), so each
        new step costs the same whatever the history. After each chunk of steps, its
        predict gives what this model's predict gives on each stream's whole prefix.
        Models with ``bidirectional=True``, convolutions or the random-kernel base read
        the future or the whole sequence, and raise ``ValueError`` here. See the user
        guide's "Live streams".

        Parameters
        ----------
        n_streams : int, default=1
            Streams fed side by side.

        Returns
        -------
        stream : Stream
            With ``predict(X_new)`` and ``reset()``.
        """
        return Stream(self, n_streams)

    def _validate_y(self, y, n_samples, per_step=False):
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        except ValueError as exc:
            if "convert" not in str(exc):
                raise
            raise ValueError(
                f"y must hold numbers for {type(self).__name__} ({exc}). To predict class "
                "labels, use LSTMClassifier."
            ) from None
        if y.ndim not in (1, 2) or len(y) != n_samples:
            raise ValueError(
                f"y has shape {y.shape}; expected ({n_samples},) or ({n_samples}, n_outputs) "
                "to match X."
            )
        return y

    def _encode(self, y, first, classes=None):
        Y = y.reshape(len(y), -1)
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the model was fitted with {self.n_outputs_}."
            )
        return Y

    def _target_weights(self, Y):
        return None

    def _stratify_labels(self, Y):
        return None

    @staticmethod
    def _loss(out, Y, w):
        diff = out - Y
        k = Y.shape[-1]
        loss = 0.5 * np.sum(w[..., None] * diff * diff) / k
        return loss, diff * (w[..., None] / k)

    def _fit_target_transform(self, Y, W):
        if not self.standardize:
            self._y_mean = self._y_scale = None
            return
        k = Y.shape[-1]
        self._y_mean, self._y_scale = standard_scale(Y.reshape(-1, k), W.ravel(), "y")

    def _base_settings(self):
        """The closed-form parts the parameters ask for (see sklstm._composite)."""
        return {
            "linear_steps": self.linear_steps,
            "linear_alpha": self.linear_alpha,
            "random_kernels": self.random_kernels,
        }

    @property
    def kernel_weight_(self):
        """The random-kernel ridge's share of the two ridges, ``blend_weights_``'s."""
        return self.blend_weights_.get("random_kernels", 0.0)

    def _scale_targets(self, Y):
        if self._y_mean is None:
            return Y
        return (Y - self._y_mean) / self._y_scale

    def _decode(self, raw):
        if self._y_mean is not None:
            raw = raw * self._y_scale + self._y_mean
        return raw[..., 0] if self.n_outputs_ == 1 else raw

    @staticmethod
    def _score_metric(y, pred, sample_weight):
        return r2_score(y, pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
