"""The training loop: minibatch gradient descent over a network's parameters.

Each epoch shuffles the training sequences, and for each minibatch runs the network
forward and backward, adds the L2 penalty, clips the gradients and takes an optimiser
step. After each epoch it records the loss, scores the held-out sequences (early
stopping) and decides whether training has stalled, as scikit-learn's MLP does; beside
closed-form parts, it also stops once the held-out sequences have given the network no
weight for ``drop_after`` epochs in a row. A
loss or weight that is no longer finite ends training with a clear error; Ctrl-C ends
it with what was learnt kept. Nothing here knows of estimators: they describe the
network, the loss and the optimiser, and hand the work here.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from ._optimizers import clip_by_global_norm
from .core import Workspace, take_sequences

__all__ = ["History", "TrainingLoop"]


@dataclass
class History:
    """What training records and carries from one call to the next (warm start, partial_fit).

    The estimators publish these as ``n_iter_``, ``t_``, ``loss_curve_``, ``best_loss_``,
    ``validation_scores_`` and ``best_validation_score_``.
    """

    n_iter: int = 0
    t: int = 0
    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0


@dataclass
class TrainingLoop:
    """How to train: the network, its loss, the optimiser and the stopping rule.

    ``loss(out, Y, w)`` gives the weighted loss of the network's outputs (plus their
    fixed offsets, if any) and its gradient, with ``w`` the loss weights of the minibatch
    normalised to sum to one. ``early_stopping`` keeps the epoch of best held-out score.
    ``drop_unhelpful`` (None: never) stops training once the network is clearly no help
    beside closed-form parts: no epoch has given it weight on the held-out sequences, and
    its held-out loss has not improved for that many epochs in a row.
    """

    network: object
    loss: object
    optimizer: object
    alpha: float
    batch_size: int
    shuffle: bool
    max_grad_norm: float | None
    tol: float
    n_iter_no_change: int
    verbose: bool
    early_stopping: bool = False
    drop_unhelpful: int | None = None
    # Minibatch updates made by run(), and after Ctrl-C, those of the unfinished epoch
    # and how many it had.
    updates: int = field(default=0, init=False)
    interrupted_at: tuple = field(default=(0, 0), init=False)
    _epoch_updates: int = field(default=0, init=False, repr=False)

    def run(self, params, data, history, rng, n_epochs, held_out=None):
        """Train ``params`` in place for up to ``n_epochs`` epochs.

        ``data`` is ``(batch, Y, offset, W, sw, train_idx)``: the padded batch, the
        targets, fixed outputs added to the network's in the loss (or None), the loss
        weights (per sequence, or per step), the sequences' weights and the rows to train
        on. ``held_out(params)`` gives the held-out rows' score, the network's weight
        (None without closed-form parts) and its loss (None: nothing held out). Returns
        the parameters to keep (the best epoch's, with early stopping), their held-out
        weight (None if not measured) and why training ended: 'stalled', 'max_iter',
        'dropped' (the network added nothing) or 'interrupted'. Raises ValueError when
        training diverges.
        """
        best, kept_weight, helped, best_held_out_loss, stale = None, None, False, np.inf, 0
        workspace = Workspace()  # one for all minibatches: their arrays reuse the memory
        reason = "max_iter"
        try:
            for epoch in range(n_epochs):
                start = time.perf_counter()
                # Non-finite values are looked for explicitly and end training with a
                # clear error: NumPy's overflow warnings on the way would only be noise.
                with np.errstate(over="ignore", invalid="ignore"):
                    finite = self._epoch(params, data, history, rng, workspace)
                if not finite:
                    raise ValueError(
                        f"Training diverged in epoch {epoch + 1} of this call: the loss or the "
                        "weights became infinite or NaN, so the model was left as it was "
                        "before the call. Lower learning_rate_init, keep max_grad_norm set, "
                        "or scale X and y (for example with StandardScaler in a Pipeline)."
                    )
                weight = None
                # Without early stopping the held-out rows only decide whether to drop the
                # network: once it has earned weight, its final weight is measured once,
                # after training (the caller's), not every epoch.
                watching = self.early_stopping or (self.drop_unhelpful and not helped)
                if held_out is not None and watching:
                    score, weight, loss = held_out(params)
                    helped = helped or bool(weight)
                    stale = stale + 1 if loss >= best_held_out_loss else 0
                    best_held_out_loss = min(best_held_out_loss, loss)
                if self.early_stopping:
                    history.validation_scores.append(float(score))
                    if score > history.best_validation_score:
                        best, kept_weight = [p.copy() for p in params], weight
                else:
                    kept_weight = weight
                if self.verbose:  # before _stalled's own line, in the order they happen
                    seconds = time.perf_counter() - start
                    self._print_epoch(history, seconds, self.early_stopping, weight)
                stalled = self._stalled(history, self.early_stopping)
                if self.drop_unhelpful and not helped and stale >= self.drop_unhelpful:
                    if self.verbose:
                        print(
                            "The LSTM has earned no weight on the held-out sequences, and "
                            f"has not improved there for {stale} epochs: training stops."
                        )
                    reason = "dropped"
                    break
                if stalled:
                    reason = "stalled"
                    break
        except KeyboardInterrupt:
            reason = "interrupted"  # as MLP does: stop and keep what was learnt
            n_batches = -(-len(data[-1]) // self.batch_size)
            self.interrupted_at = (self._epoch_updates, n_batches)
        return (params if best is None else best), kept_weight, reason

    def interruption(self, n_iter):
        """The warning after Ctrl-C: exactly what the kept model has seen."""
        done, total = self.interrupted_at
        text = f"Training interrupted by user after {n_iter} complete epochs"
        if done:
            text += (
                f" and {done} of the {total} minibatch updates of the next (kept; n_iter_ "
                "counts complete epochs)"
            )
        if self.early_stopping:
            text += "; early stopping keeps the weights of the best validation score so far"
        return text + "."

    def _epoch(self, params, data, history, rng, workspace):
        """One pass over the training sequences; False when training diverged."""
        batch, Y, offset, W, sw, train_idx = data
        n_train = len(train_idx)
        order = rng.permutation(train_idx) if self.shuffle else train_idx
        epoch_loss = 0.0
        self._epoch_updates = 0
        for lo in range(0, n_train, self.batch_size):
            idx = order[lo : lo + self.batch_size]
            part = take_sequences(batch, idx)
            Y_part, W_part = Y[idx], W[idx]
            offset_part = None if offset is None else offset[idx]
            if Y.ndim == 3 and part.X.shape[1] < Y.shape[1]:
                # Per-step targets of ragged sequences: cut to the minibatch's longest.
                Y_part, W_part = Y_part[:, : part.X.shape[1]], W_part[:, : part.X.shape[1]]
            loss, grads = self._loss_and_grads(
                params, part, Y_part, offset_part, W_part, sw[idx], rng, workspace
            )
            if grads is None:
                continue
            norm = clip_by_global_norm(grads, self.max_grad_norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                return False
            self.optimizer.update_params(params, grads)
            self._epoch_updates += 1
            self.updates += 1
            epoch_loss += loss * W[idx].sum()
        if not all(np.all(np.isfinite(p)) for p in params):
            return False
        history.n_iter += 1
        history.t += n_train
        self.optimizer.iteration_ends(history.t)
        history.loss_curve.append(float(epoch_loss / W[train_idx].sum()))
        self._epoch_updates = 0  # the epoch is complete
        return True

    def _loss_and_grads(self, params, batch, Y, offset, W, sw, rng, workspace):
        """Weighted mean loss of a minibatch plus the L2 penalty, and its gradients."""
        total = W.sum()
        if total <= 0:
            return 0.0, None
        network = self.network
        out, cache = network.forward(
            params, batch.X, batch.lengths, dropout_rng=rng, workspace=workspace
        )
        if offset is not None:
            out = out + offset
        loss, d_out = self.loss(out, Y, W / total)
        grads = network.backward(params, d_out, cache, workspace)
        scale = self.alpha and float(self.alpha / sw.sum())  # float: no float64 promotion
        if scale:
            for p, g, penalised in zip(params, grads, network.penalised()):
                if penalised:
                    loss += 0.5 * scale * np.vdot(p, p)
                    g += scale * p
        return loss, grads

    def _stalled(self, history, early_stopping):
        """Track progress after an epoch; True when training should stop."""
        loss = history.loss_curve[-1]
        improved_loss = loss <= history.best_loss - self.tol
        history.best_loss = min(history.best_loss, loss)
        if early_stopping:
            score = history.validation_scores[-1]
            improved = score >= history.best_validation_score + self.tol
            history.best_validation_score = max(history.best_validation_score, score)
        else:
            improved = improved_loss
        history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
        if history.no_improvement_count <= self.n_iter_no_change:
            return False
        what = "Validation score" if early_stopping else "Training loss"
        if self.verbose:
            print(
                f"{what} did not improve more than tol={self.tol} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
        if self.optimizer.trigger_stopping(self.verbose):
            return True
        history.no_improvement_count = 0
        return False

    @staticmethod
    def _print_epoch(history, seconds, early_stopping, weight):
        """One line per epoch, in MLP's format, with the whole model's validation score,
        the network's weight beside closed-form parts (when weighed), and time added."""
        line = f"Iteration {history.n_iter}, loss = {history.loss_curve[-1]:.8f}"
        if early_stopping:
            # Beside closed-form parts, the score is theirs plus the LSTM's at full weight.
            what = (
                "validation score" if weight is None else "validation score (LSTM at full weight)"
            )
            line += f", {what} = {history.validation_scores[-1]:.6f}"
        if weight is not None:
            line += f", LSTM weight = {weight:.3g}"
        print(f"{line}, time = {seconds:.2f}s")
