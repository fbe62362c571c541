"""The ``dtwin.vision`` front: ``dir()`` lists its public names and each one resolves."""

from __future__ import annotations

import importlib

import pytest

import dtwin.vision

NAMES = sorted(dtwin.vision._EXPORTS)


def test_dir_lists_every_export() -> None:
    assert set(NAMES) <= set(dir(dtwin.vision))


def test_docstring_names_every_export() -> None:
    missing = [n for n in NAMES if f"``{n}``" not in (dtwin.vision.__doc__ or "")]
    assert not missing


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_export_resolves_to_its_module(name: str) -> None:
    module = importlib.import_module(dtwin.vision._EXPORTS[name])
    assert getattr(dtwin.vision, name) is getattr(module, name)


def test_train_is_the_function_not_a_module() -> None:
    # a submodule named like an export would shadow it once imported (hence ``training``)
    from dtwin.vision import TrainConfig, train

    assert callable(train) and TrainConfig.__module__ == "dtwin.vision.training"


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        dtwin.vision.no_such_name  # noqa: B018
