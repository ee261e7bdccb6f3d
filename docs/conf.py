"""Sphinx configuration of the sklstm documentation."""

import os
import sys
from pathlib import Path

import sklstm

HERE = Path(__file__).resolve().parent
# The gallery scripts import their data helper (examples/_data.py) by name.
sys.path.insert(0, str(HERE.parent / "examples"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "sklstm"
author = "the sklstm developers"
copyright = "2026, the sklstm developers"
release = sklstm.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]
# The user guide's figures are drawn by code at build time, the source not shown.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

autosummary_generate = True
autodoc_default_options = {}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every public docstring is validated; the checks left out, and why:
#   ES01 (extended summary): short functions say all they need in one line.
#   SA01 (See Also): the API is small; cross-links live in the user guide.
#   EX01 (Examples): required of classes and public functions (checked by the doctest
#        run and by tests/test_docstrings.py), not of every method.
#   RT02 (a single return value given only by its type): scikit-learn's convention names
#        it, as in ``self : object``, and so do we.
# tests/test_docstrings.py runs the same validation over every public name.
numpydoc_validation_checks = {"all", "ES01", "SA01", "EX01", "RT02"}
# Inherited from scikit-learn and documented there; the caches' NamedTuple fields (Python
# generates their one-line docstrings) are documented in their class's Parameters section.
numpydoc_validation_exclude = {
    r"\.__init__$",
    r"\.(get_params|set_params|get_metadata_routing|set_.*_request)$",
    r"^sklstm\.core\.(LSTMCache|StackCache|Sequences|RandomKernels)\.\w+$",
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"_data\.py",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklstm",),
    "reference_url": {"sklstm": None},
    "abort_on_example_error": True,
    "download_all_examples": False,
}

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = "sklstm"
html_static_path = []
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
templates_path = ["_templates"]
exclude_patterns = ["_build"]
