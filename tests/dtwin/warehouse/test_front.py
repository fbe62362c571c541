"""The ``dtwin.warehouse`` front: ``dir()`` lists its public names and each one resolves."""

from __future__ import annotations

import importlib

import pytest

import dtwin.warehouse

NAMES = sorted(dtwin.warehouse._EXPORTS)


def test_dir_lists_every_export() -> None:
    assert set(NAMES) <= set(dir(dtwin.warehouse))


def test_docstring_names_every_export() -> None:
    missing = [n for n in NAMES if f"``{n}``" not in (dtwin.warehouse.__doc__ or "")]
    assert not missing


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_export_resolves_to_its_module(name: str) -> None:
    module = importlib.import_module(dtwin.warehouse._EXPORTS[name])
    assert getattr(dtwin.warehouse, name) is getattr(module, name)


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        dtwin.warehouse.no_such_name  # noqa: B018
