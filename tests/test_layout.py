"""The package's rooms stay small and data flows one way between them.

Lines of code are counted without docstrings, comments and blank lines. Imports are
read from the source (``from .x import``, ``from ..x import``, ``import sklstm.x``).
"""

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sklstm"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 300
MAX_CLASS_LINES = 200


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def docstring_lines(tree):
    """Line numbers of every module, class and function docstring."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(source):
    """Line numbers that hold code: not blank, not only a comment, not a docstring."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}  # fmt: skip
    lines = set()
    for token in tokenize.tokenize(io.BytesIO(source.encode()).readline):
        if token.type not in skip:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines - docstring_lines(ast.parse(source))


def imported_modules(path):
    """The sklstm modules that ``path`` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("sklstm"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sklstm"))
    return found - {name}


def test_code_lines_counts_only_code():
    source = '"""Module."""\n\n# note\nx = 1  # why\n\n\nclass A:\n    """Doc."""\n\n    y = 2\n'
    assert sorted(code_lines(source)) == [4, 7, 10]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_classes_are_small(path):
    source = path.read_text()
    lines = code_lines(source)
    assert len(lines) <= MAX_MODULE_LINES, f"{len(lines)} lines of code"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            n = len(lines & set(range(node.lineno, node.end_lineno + 1)))
            assert n <= MAX_CLASS_LINES, f"class {node.name}: {n} lines of code"


def test_core_imports_nothing_above_it():
    for path in MODULES:
        if module_name(path).startswith("sklstm.core"):
            above = {m for m in imported_modules(path) if not m.startswith("sklstm.core")}
            assert not above, f"{module_name(path)} imports {above}"


def test_no_two_modules_import_each_other():
    graph = {module_name(p): imported_modules(p) for p in MODULES}
    for name, targets in graph.items():
        for target in targets:
            back = graph.get(target, set())
            assert name not in back, f"{name} and {target} import each other"
