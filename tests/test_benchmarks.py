"""The defaults study runs from a clone and prints its table (on two small tasks here)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_study_prints_one_table():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "defaults_study.py"), "--quick",
           "--no-torch", "--jobs", "1", "--tasks", "Chinatown_small", "shampoo"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in out.splitlines() if line.startswith("|")]  # fmt: skip
    header = rows[0]
    assert header[0] == "task" and "default" in header
    chinatown, shampoo = dict(zip(header, rows[2])), dict(zip(header, rows[3]))
    assert chinatown["task"] == "Chinatown_small" and shampoo["task"] == "shampoo"
    # 1-NN's accuracy on Chinatown_small is published with the data: 0.864.
    assert chinatown["baseline"] == "0.864"
    assert 0.5 <= float(chinatown["default"]) <= 1.0 and float(shampoo["default"]) > 0
    # The seasonal naive forecast: shampoo's season (12) is longer than its window (6).
    assert chinatown["seasonal naive"] == shampoo["seasonal naive"] == "-"
