"""LSTMRegressor: an LSTM network with a linear head and squared loss."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array

from ._base import BaseLSTM

__all__ = ["LSTMRegressor"]


class LSTMRegressor(RegressorMixin, BaseLSTM):
    """Recurrent (LSTM) regressor for sequences.

    Stacked LSTM layers read each sequence; a linear layer maps the pooled
    state (or, with ``return_sequences=True``, the state at every step) to the
    targets. Trained on the mean squared error, like ``MLPRegressor``, with
    Adam or SGD on minibatches and backpropagation through time.

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
    patch_size : int or 'auto', default='auto'
        Consecutive steps the LSTM reads as one step (a "patch" of
        ``patch_size * n_features`` values), so that long sequences become
        short ones; groups end at each sequence's last step. 'auto' picks the
        smallest size that makes the longest training sequence at most 32
        steps, and 1 with ``return_sequences=True``. See the user guide.
    standardize : bool, default=True
        Scale each feature of X, and each target, to zero mean and unit
        variance (over the training set's real steps, weighted by
        ``sample_weight``) before the network sees them; predictions come back
        in the units of y. The statistics are fixed at the first fit.
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
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score stalls
        and keep the weights of the best epoch.
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
    coefs_ : list of ndarray
        Weights: for each layer and direction ``Wx, Wh, b`` (gate blocks
        i, f, g, o), then the head's ``W_out`` and ``b_out``.
    n_outputs_ : int
        Number of targets.
    patch_size_ : int
        Steps the network reads as one (``patch_size``, with 'auto' resolved
        at the first fit).
    loss_curve_ : list of float
        Training loss after each epoch (of the standardized targets when
        ``standardize=True``).
    best_loss_ : float
        Lowest training loss seen.
    validation_scores_ : list of float or None
        R^2 on the held-out data after each epoch, with early stopping.
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
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

    _numeric_targets = True

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

    def _validate_y(self, y, n_samples, per_step=False):
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2) or len(y) != n_samples:
            raise ValueError(
                f"y has shape {y.shape}; expected ({n_samples},) or ({n_samples}, n_outputs) "
                "to match X."
            )
        return y

    def _encode(self, y, first):
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
        scaler = StandardScaler().fit(Y.reshape(-1, k), sample_weight=W.ravel())
        self._y_mean, self._y_scale = scaler.mean_, scaler.scale_

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
