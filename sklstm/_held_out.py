"""The held-out sequences: which they are, kept across calls, and how they are scored.

Sequences are held out for early stopping, and to weigh the network beside the
random-kernel ridge (with the ridge on the last steps alone, early stopping's held-out
sequences weigh it). The split is drawn at the first fit and kept with the fitted state,
with the random-kernel ridge's leave-one-out outputs: a warm-start call on the same data
holds out the same sequences and trains the network beside the same base outputs, so that
no sequence trained on is later used to weigh it. On other data the split is drawn anew
and kept in its place, and the base's outputs are its predictions (of sequences it has not
seen, unless a warm start comes back to the first fit's data after other data).
"""

import hashlib
import warnings
from functools import cached_property

import numpy as np

from ._data import validation_split

__all__ = ["HeldOutScore", "TrainingData"]


class TrainingData:
    """The training data's identity (a hash of the padded batch), and the split kept for it
    (see the module's docstring)."""

    def __init__(self, batch, incremental):
        self.batch, self.incremental = batch, incremental

    @cached_property
    def key(self):
        """A hash of the padded sequences and their lengths."""
        digest = hashlib.blake2b(np.ascontiguousarray(self.batch.X), digest_size=16)
        if self.batch.lengths is not None:
            digest.update(np.ascontiguousarray(self.batch.lengths, dtype=np.int64))
        return digest.hexdigest()

    def base(self, kept, composite, inputs):
        """The closed-form parts' outputs the network trains beside in a later call: those
        the first fit kept for this data (leave-one-out ones), else their predictions."""
        same = not self.incremental and kept is not None and kept["data"] == self.key
        if same and kept["base"] is not None:
            return kept["base"]
        return composite.base_output(inputs)

    def split(self, estimator, Y, sw, composite, base):
        """Rows to train on and held-out rows (None: none); records the split on the
        estimator the first time it sees this data."""
        n = len(self.batch.X)
        kept = getattr(estimator, "_held_out", None)
        if self.incremental:
            return np.arange(n), None
        fraction = estimator.validation_fraction
        n_val = int(np.ceil(fraction * n))
        train, rows = np.arange(n), None
        if kept is not None and kept["data"] == self.key:
            rows = kept["rows"]  # a warm start on the same data keeps its split
            why = "the first fit on this data held none out, and a warm start keeps that"
            if rows is not None:
                train = np.setdiff1d(train, rows)
                if not (np.any(sw[rows] > 0) and np.any(sw[train] > 0)):
                    # Training on the held-out sequences would leave none unseen to weigh
                    # the network in later calls: refused, the model unchanged.
                    raise ValueError(
                        "This warm start keeps the first fit's held-out sequences, but "
                        "sample_weight gives them no weight, or gives the others none. Give "
                        "weight to both, or fit anew (warm_start=False)."
                    )
        else:
            why = f"with {n} sequences, validation_fraction={fraction} holds out {n_val}"
            # A validation score needs 2 held-out sequences (R^2 is undefined for one) and
            # one left to train on; train_test_split holds out ceil(fraction * n).
            if (estimator.early_stopping or composite.holds_out) and 2 <= n_val < n:
                labels, rng = estimator._stratify_labels(Y), estimator._random_state
                train, rows = validation_split(n, n_val, fraction, rng, labels)
            # Held-out sequences that all weigh zero cannot score anything, and training
            # sequences that all weigh zero teach nothing: then train on all.
            if rows is not None and not (np.any(sw[rows] > 0) and np.any(sw[train] > 0)):
                train, rows = np.arange(n), None
                why = "sample_weight gives no weight to the held-out sequences or to the rest"
        if estimator.early_stopping and rows is None:
            warnings.warn(
                f"early_stopping=True needs at least 2 held-out sequences with weight and "
                f"some left to train on, but {why}: training runs on every sequence without "
                "early stopping. Pass more sequences, change validation_fraction or "
                "sample_weight, or set early_stopping=False.",
                UserWarning,
                stacklevel=7,  # the caller of fit
            )
        kept_base = base if composite.holds_out else None
        estimator._held_out = {"data": self.key, "rows": rows, "base": kept_base}
        return train, rows


class HeldOutScore:
    """The held-out sequences, scored after each epoch with the whole model.

    Calling it with the network's parameters gives the whole model's score on them (R^2 or
    accuracy), the network's weight beside the closed-form parts (None without parts), and
    the network's loss there at full weight (what training lowers on the other sequences).
    """

    def __init__(self, estimator, composite, batch, idx, Y, targets, offset, base, W, sw):
        self.estimator, self.composite, self.batch = estimator, composite, batch
        self.Y, self.targets, self.W, self.sw = Y[idx], targets[idx], W[idx], sw[idx]
        if self.W.ndim == 2:  # per-step targets: cut to the held-out rows' longest
            T = batch.X.shape[1]
            self.targets, self.W = self.targets[:, :T], self.W[:, :T]
        self.offset = None if offset is None else offset[idx]
        self.base = None if base is None else base[idx]

    def __call__(self, params):
        out = self.estimator._forward(self.batch, params)
        weight = None
        if self.composite.parts:
            weight = self.composite.weigh_network(out, self.targets, self.offset, self.sw)
        # The whole model with the network at full weight: what training improves.
        raw = self.composite.combine(self.base, out, 1.0)
        score = self.estimator._score_outputs(raw, self.batch, self.Y, self.sw)
        offset = self.offset
        loss = self.estimator._loss(out if offset is None else out + offset, self.targets, self.W)
        return score, weight, float(loss[0])
