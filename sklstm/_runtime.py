"""The prediction runtime: a network's forward pass over many sequences, in blocks and threads.

Prediction runs in blocks of sequences whose size depends on the model alone, each
block on one BLAS thread, the blocks shared among kept threads. Blocks of a fixed
size on one BLAS thread give the same arithmetic, so the same predictions, on any
machine and for any split of the data into multiples of the block; running them in
as many threads as BLAS may use (NumPy releases the GIL in its loops) was faster
than one block at a time on all BLAS threads (benchmarks/README.md).
"""

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from .core import Workspace, take_sequences

__all__ = ["ONE_BLAS_THREAD", "block_rows", "predict_in_blocks"]

# Blocks of sequences whose per-step buffers (gates and cell, about six values a unit)
# fill about this much: big enough to spread NumPy's cost per call over many
# sequences, small enough to stay in cache. Rounded down to a power of two in 64-512.
_PREDICT_BLOCK_BYTES = 256 * 1024


def block_rows(state_units, dtype):
    """Sequences per prediction block, for a network that keeps ``state_units`` a step.

    Parameters
    ----------
    state_units : int
        The network's largest layer width (:attr:`sklstm.network.Network.state_units`).
    dtype : data-type
        Dtype of the computation.

    Returns
    -------
    rows : int
        A power of two in 64-512.
    """
    per_row = 6 * max(1, state_units) * np.dtype(dtype).itemsize
    rows = 1 << int(np.log2(max(1, _PREDICT_BLOCK_BYTES // per_row)))
    return int(np.clip(rows, 64, 512))


class _OneBlasThread:
    """Context that holds BLAS at one thread while any prediction runs in this process.

    threadpoolctl (a dependency of scikit-learn) sets limits for the whole process, so two
    overlapping ``limit()`` contexts would restore each other's settings out of order: here
    the first prediction to start sets the limit and the last to finish restores it. Entering
    gives the number of BLAS threads there were before, the threads a prediction may use.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None
        self._threads = 1

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                blas = _blas_controller().select(user_api="blas")
                counts = [lib.num_threads for lib in blas.lib_controllers]
                self._threads = max(1, min(counts or [1]))
                self._limiter = blas.limit(limits=1)
            self._users += 1
            return self._threads

    def __exit__(self, *exc_info):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


@functools.cache
def _blas_controller():
    """One ThreadpoolController per process: making one inspects the loaded libraries."""
    return ThreadpoolController()


ONE_BLAS_THREAD = _OneBlasThread()


class _PredictionThreads:
    """Threads for prediction blocks, started once and kept for the life of the process.

    Starting threads for each call cost more than a small prediction itself: new threads
    also start with cold memory arenas, so their buffers were faulted in again each time
    (at (1000, 24, 1, 64), eight blocks on two threads: 30 ms with new threads, 23 ms with
    kept ones; benchmarks/README.md). A forked child starts without the parent's threads.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pool = None
        self._size = 0
        if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self):
        self._lock = threading.Lock()
        self._pool, self._size = None, 0

    def map(self, function, items):
        """``function`` over ``items``, one thread each; results in order."""
        with self._lock:
            if self._size < len(items):
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = ThreadPoolExecutor(len(items), thread_name_prefix="sklstm")
                self._size = len(items)
            pool = self._pool
        return list(pool.map(function, items))


_PREDICTION_THREADS = _PredictionThreads()


def predict_in_blocks(network, params, batch, out_shape, rows):
    """The network's outputs for a padded batch, block by block.

    Parameters
    ----------
    network : Network
        Anything with ``forward(params, X, lengths, keep_cache=False, workspace=...)``.
    params : list of ndarray
        Its parameters.
    batch : Sequences
        Padded batch.
    out_shape : tuple of int
        Shape of the outputs for the whole batch: ``(n_samples, n_outputs)`` or
        ``(n_samples, n_timesteps, n_outputs)``.
    rows : int
        Sequences per block (:func:`block_rows`).

    Returns
    -------
    out : ndarray of float64, shape ``out_shape``
        The outputs; zero at steps past a block's longest sequence.
    """
    out = np.zeros(out_shape)

    def predict_blocks(blocks):
        workspace = Workspace()  # one per thread, reused by its blocks
        for block in blocks:
            part = take_sequences(batch, block)
            block_out, _ = network.forward(
                params, part.X, part.lengths, keep_cache=False, workspace=workspace
            )
            out[block, : block_out.shape[1]] = block_out

    blocks = [slice(lo, lo + rows) for lo in range(0, out_shape[0], rows)]
    with ONE_BLAS_THREAD as n_threads:
        n_groups = min(n_threads, len(blocks))
        if n_groups == 1:
            predict_blocks(blocks)
        else:
            _PREDICTION_THREADS.map(predict_blocks, [blocks[k::n_groups] for k in range(n_groups)])
    return out
