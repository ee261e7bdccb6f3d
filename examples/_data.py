"""Where the examples find their data: ``examples/data/`` beside this file."""

from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"


def load(name):
    """Load ``examples/data/<name>.npz`` as a dict of arrays."""
    with np.load(DATA / f"{name}.npz") as data:
        return {key: data[key] for key in data.files}
