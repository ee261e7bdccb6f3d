"""Where the examples find their data: ``examples/data/``, then ``benchmarks/data/``."""

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
FOLDERS = [ROOT / "data", ROOT.parent / "benchmarks" / "data"]


def load(name):
    """Load ``<name>.npz`` from the first folder that holds it, as a dict of arrays."""
    for folder in FOLDERS:
        if (folder / f"{name}.npz").exists():
            with np.load(folder / f"{name}.npz") as data:
                return {key: data[key] for key in data.files}
    raise FileNotFoundError(f"{name}.npz is in none of {[str(f) for f in FOLDERS]}")
