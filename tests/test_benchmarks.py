"""The defaults study runs from a clone and prints its table (on two small tasks here)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_study_prints_one_table():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "defaults_study.py"), "--quick",
           "--no-torch", "--jobs", "1", "--tasks", "Chinatown_small", "shampoo"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert rows[0].split("|")[1].strip() == "task" and "default" in rows[0]
    chinatown, shampoo = rows[2].split("|"), rows[3].split("|")
    assert chinatown[1].strip() == "Chinatown_small" and shampoo[1].strip() == "shampoo"
    # 1-NN's accuracy on Chinatown_small is published with the data: 0.864.
    assert chinatown[3].strip() == "0.864"
    assert 0.5 <= float(chinatown[4]) <= 1.0 and float(shampoo[4]) > 0
