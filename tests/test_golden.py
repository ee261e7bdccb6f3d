"""Predictions and fitted weights equal, bit for bit, those of the code before the split.

``tests/data/golden.npz`` was written by ``python -m tests.golden_cases`` on the
estimator as it was before the training loop, the prediction runtime and the network's
layers got rooms of their own (see that module for the cases: stacked, bidirectional,
every pooling, ragged, per-step targets, the linear base, warm start, partial_fit,
early stopping, both dtypes).
"""

import numpy as np
import pytest

from tests.golden_cases import CASES, PATH, machine

STORED = np.load(PATH)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_fit_and_predictions_are_bit_identical(case):
    got = case()
    names = sorted(k.split("/", 1)[1] for k in STORED.files if k.startswith(case.__name__ + "/"))
    assert sorted(got) == names
    stored_machine = "; ".join(sorted(str(STORED["machine"]).split("; ")))
    same_work = stored_machine == machine()
    for name in names:
        expected = STORED[f"{case.__name__}/{name}"]
        if same_work:
            np.testing.assert_array_equal(got[name], expected, err_msg=name)
        else:
            # Another BLAS kernel or NumPy release orders sums differently; the
            # arithmetic can then only be compared to rounding (float32 training).
            np.testing.assert_allclose(got[name], expected, rtol=1e-4, atol=1e-5, err_msg=name)
