"""Fixtures shared by the test modules."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning


@pytest.fixture
def quiet_convergence():
    """Silence ConvergenceWarning: short test fits stop at max_iter on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
