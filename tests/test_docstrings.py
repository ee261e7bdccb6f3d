"""Every public class, function and method of sklstm passes numpydoc's validation.

Checks left out, as in docs/conf.py:
- ES01 (extended summary): short functions say all they need in one line.
- SA01 (See Also): the API is small; cross-links live in the user guide.
- EX01 (Examples): required of every public class and function (asserted below), not of
  each method; the Examples sections run as doctests.
- RT02 (a single return value given only by its type): scikit-learn's convention names it,
  as in ``self : object``, and so do we.
Methods inherited from scikit-learn (get_params, set_output, ...) are documented there.
"""

import inspect

import pytest
from numpydoc.validate import validate  # noqa: E402

import sklstm  # noqa: E402
import sklstm.core  # noqa: E402
import sklstm.layers  # noqa: E402
import sklstm.network  # noqa: E402
import sklstm.onnx  # noqa: E402

MODULES = (sklstm, sklstm.core, sklstm.layers, sklstm.network, sklstm.onnx)

EXCLUDED = {"ES01", "SA01", "EX01", "RT02"}


def public_callables():
    """``(module, name)`` of each public class and function; constants hold no docstring."""
    return [(m, n) for m in MODULES for n in m.__all__ if callable(getattr(m, n))]


def public_names():
    names = []
    for module, name in public_callables():
        obj = getattr(module, name)
        names.append(f"{module.__name__}.{name}")
        if inspect.isclass(obj) and not issubclass(obj, tuple):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    names.append(f"{module.__name__}.{name}.{attr}")
        if inspect.isclass(obj) and obj.__module__.startswith("sklstm._"):
            for base in obj.__mro__[1:]:
                if base.__module__.startswith("sklstm."):
                    for attr, member in vars(base).items():
                        if not attr.startswith("_") and callable(member):
                            names.append(f"{module.__name__}.{name}.{attr}")
    return sorted(set(names))


@pytest.mark.parametrize("name", public_names())
def test_numpydoc_validation(name):
    result = validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code not in EXCLUDED]
    assert not errors, errors


@pytest.mark.parametrize("name", [f"{m.__name__}.{name}" for m, name in public_callables()])
def test_public_classes_and_functions_have_examples(name):
    codes = [code for code, _ in validate(name)["errors"]]
    assert "EX01" not in codes, f"{name} has no Examples section"
