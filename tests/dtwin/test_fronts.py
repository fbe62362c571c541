"""Every part's front: ``dir()`` lists its public names, its docstring names them, each resolves."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys

import pytest

FRONTS = [
    "dtwin.health",
    "dtwin.pipeline",
    "dtwin.schedule",
    "dtwin.sim",
    "dtwin.twin",
    "dtwin.vision",
    "dtwin.warehouse",
]
EXPORTS = [
    (front, name) for front in FRONTS for name in sorted(importlib.import_module(front)._EXPORTS)
]


@pytest.mark.parametrize("front", FRONTS)
def test_dir_lists_exactly_the_public_names(front: str) -> None:
    module = importlib.import_module(front)
    assert set(module._EXPORTS) <= set(dir(module))
    assert [n for n in dir(module) if n.startswith("_") or n == "annotations"] == []


@pytest.mark.parametrize("front", FRONTS)
def test_docstring_names_every_export(front: str) -> None:
    module = importlib.import_module(front)
    words = set(re.findall(r"\w+", module.__doc__ or ""))
    assert [n for n in module._EXPORTS if n not in words] == []


@pytest.mark.parametrize("front,name", EXPORTS, ids=[f"{f}.{n}" for f, n in EXPORTS])
def test_export_resolves_to_its_module(front: str, name: str) -> None:
    module = importlib.import_module(front)
    assert getattr(module, name) is getattr(importlib.import_module(module._EXPORTS[name]), name)


@pytest.mark.parametrize("front", FRONTS)
def test_unknown_name_raises_attribute_error(front: str) -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        importlib.import_module(front).not_a_name  # noqa: B018


@pytest.mark.parametrize("front", FRONTS)
def test_no_submodule_shadows_an_export(front: str) -> None:
    """A submodule named like an export replaces it once imported (``vision.train`` did)."""
    module = importlib.import_module(front)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert submodules & set(module._EXPORTS) == set()


def test_importing_the_fronts_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        f"for front in {FRONTS!r}: __import__(front)\n"
        "heavy = ('torch', 'ortools', 'simpy', 'duckdb', 'onnxruntime', 'matplotlib', 'pandas')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
