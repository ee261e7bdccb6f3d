"""Buffers that training reuses from one minibatch to the next.

A fit calls the forward and backward passes once per minibatch with arrays of the
same shapes. Allocating them afresh each time costs more than it seems: memory the
process has not touched yet is mapped page by page on first write, and on the machines
we measured a page fault costs 1-5 us per 4 KB, as much as computing on those bytes
(``benchmarks/README.md``). A workspace keeps each buffer, so only the first minibatch
pays for it.
"""

import math

import numpy as np

__all__ = ["Workspace"]


class Workspace:
    """Named buffers, kept between calls and reused for requests of the same name.

    An array taken from a workspace is overwritten by the next request of the same
    name: whatever a function returns or caches from a workspace is valid only until
    the next call given that workspace. The training loop of the estimators passes one
    workspace to every minibatch's forward and backward pass, whose results are used
    up before the next minibatch starts. A workspace is not safe to share between
    threads; give each thread its own.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.core import Workspace
    >>> ws = Workspace()
    >>> a = ws.empty("buffer", (2, 3), np.float32)
    >>> b = ws.empty("buffer", (3, 2), np.float32)  # the same memory, reshaped
    >>> bool(np.shares_memory(a, b))
    True
    """

    def __init__(self):
        self._arrays = {}
        self._last = {}  # the last array handed out under each name
        self._kept = {}  # what reuse() keeps: name -> (key, value)
        self._children = {}

    def empty(self, name, shape, dtype):
        """An uninitialised array, in the buffer called ``name``.

        Parameters
        ----------
        name : hashable
            The buffer to use; it grows when the request is larger than it.
        shape : tuple of int
            Shape of the array.
        dtype : data-type
            Its dtype; a buffer of another dtype is replaced.

        Returns
        -------
        array : ndarray
            C-contiguous, of the given shape and dtype.
        """
        last = self._last.get(name)
        if last is not None and last.shape == shape and last.dtype == dtype:
            return last  # the same request as last time (every full minibatch of a fit)
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        flat = self._arrays.get(name)
        if flat is None or flat.dtype != dtype or flat.size < size:
            # A buffer that has to grow (ragged minibatches of changing length) grows by
            # 1/8 more, so that it is not replaced again and again, each time leaving a
            # hole in the heap. The old one goes first, so that the two never coexist.
            grows = flat is not None and flat.dtype == dtype
            del flat, last
            self._arrays.pop(name, None)
            self._last.pop(name, None)
            self._kept.clear()  # kept views may hold the old buffer
            self._arrays[name] = np.empty(size + size // 8 if grows else size, dtype)
        self._last[name] = array = self._arrays[name][:size].reshape(shape)
        return array

    def zeros(self, name, shape, dtype):
        """Like :meth:`empty`, filled with zeros.

        Parameters
        ----------
        name : hashable
            The buffer to use.
        shape : tuple of int
            Shape of the array.
        dtype : data-type
            Its dtype.

        Returns
        -------
        array : ndarray
            All zero, of the given shape and dtype.
        """
        array = self.empty(name, shape, dtype)
        array.fill(0)
        return array

    def reuse(self, name, key, make):
        """What ``make()`` returned for the last request of ``name`` with this ``key``.

        Parameters
        ----------
        name : hashable
            Names what is kept.
        key : tuple
            What the value was made from, compared item by item: arrays by identity (arrays
            this workspace handed out: the same objects mean the same buffers and shapes),
            anything else by equality.
        make : callable
            Makes the value when nothing is kept under ``name`` for ``key``.

        Returns
        -------
        value : object
            The kept value, or a new one, then kept.
        """
        kept = self._kept.get(name)
        if kept is not None and len(kept[0]) == len(key):
            if all(a is b or (type(a) is not np.ndarray and a == b) for a, b in zip(kept[0], key)):
                return kept[1]
        self._kept[name] = (key, make())
        return self._kept[name][1]

    def child(self, key):
        """The workspace of a part (a layer, a direction), created on first use.

        Parameters
        ----------
        key : hashable
            Names the part.

        Returns
        -------
        workspace : Workspace
            The part's own buffers, kept by this workspace.
        """
        if key not in self._children:
            self._children[key] = Workspace()
        return self._children[key]


class _Fresh(Workspace):
    """Stand-in for no workspace: every request is a new array."""

    def empty(self, name, shape, dtype):
        return np.empty(shape, dtype)

    def zeros(self, name, shape, dtype):
        return np.zeros(shape, dtype)

    def reuse(self, name, key, make):
        return make()

    def child(self, key):
        return self


FRESH = _Fresh()
