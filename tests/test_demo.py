"""The README's demo trains a default model on digits to >= 0.95 test accuracy."""

import re
import subprocess
import sys


def test_demo_prints_accuracy_at_least_095():
    out = subprocess.run(
        [sys.executable, "-m", "sklstm"], capture_output=True, text=True, check=True
    ).stdout
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy >= 0.95, out
