"""The Python snippets of the README and of the docs run as written.

The ```python blocks of README.md and the ``.. code-block:: python`` blocks of each page under
docs/ run in order, in one namespace per file (a block may use what an earlier block of the
same file defined), in a temporary folder, since some of them save files. A page whose
snippets need optional packages is skipped without them. Blocks that are not meant to run
(shell commands, transcripts of a session) are given another language.
"""

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Pages whose snippets import optional packages, and those packages.
EXTRAS = {
    "docs/user_guide/persistence.rst": ("skops", "mlflow", "onnxruntime", "skl2onnx"),
}


def markdown_blocks(text):
    """The bodies of the ```python fenced blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def rst_blocks(text):
    """The bodies of the ``.. code-block:: python`` directives of a reST text, in order."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if re.fullmatch(r"\s*\.\. (code-block|code|sourcecode):: (python|python3|py)\s*", lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip())
            body = []
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
            code = textwrap.dedent("\n".join(body)).strip("\n").splitlines()
            while code and code[0].startswith(":"):  # the directive's options
                code.pop(0)
            blocks.append("\n".join(code) + "\n")
        else:
            i += 1
    return blocks


def snippets(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    return markdown_blocks(text) if path.endswith(".md") else rst_blocks(text)


FILES = ["README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.rst") if rst_blocks(p.read_text())
)


def test_the_files_that_must_hold_snippets_are_found():
    assert "docs/getting_started.rst" in FILES
    assert len(snippets("README.md")) >= 2
    assert len(snippets("docs/getting_started.rst")) >= 2


@pytest.mark.parametrize("path", FILES)
def test_snippets_run_in_order(path, tmp_path, monkeypatch, quiet_convergence):
    for module in EXTRAS.get(path, ()):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__snippet__"}
    for k, code in enumerate(snippets(path), start=1):
        exec(compile(code, f"{path}, block {k}", "exec"), namespace)


@pytest.mark.parametrize(
    "path", ["README.md", "docs/user_guide/persistence.rst", "examples/plot_save_load.py"]
)
def test_where_joblib_is_shown_loading_is_said_to_run_code(path):
    text = " ".join((ROOT / path).read_text().split())
    assert "joblib" in text
    assert "can run arbitrary code" in text and "skops" in text
