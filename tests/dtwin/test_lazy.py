import sys
import types

import pytest

from dtwin.lazy import lazy_front


def test_lazy_front_lists_and_loads_its_names(monkeypatch):
    front = types.ModuleType("fake_front")
    monkeypatch.setitem(sys.modules, "fake_front", front)
    front.__getattr__, front.__dir__ = lazy_front("fake_front", {"dumps": "json"})
    assert "dumps" in dir(front)
    assert front.dumps({"a": 1}) == '{"a": 1}'
    with pytest.raises(AttributeError, match="has no attribute 'loads'"):
        front.loads  # noqa: B018
