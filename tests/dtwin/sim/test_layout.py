"""Layout for the 3D view: positions, kinds and conveyors."""

from __future__ import annotations

from dtwin.sim import factory_layout
from dtwin.sim.results import StationLayout


def test_demo_layout(demo_path):
    layout = factory_layout(demo_path)
    by = {s.name: s for s in layout.stations}
    assert len(by) >= 12
    assert by["weld_a"] == StationLayout("weld_a", 12.0, 0.0, 1, "process", 0.0, "A")
    assert by["inspect_b"].kind == "inspection"
    assert ("weld_a", "paint_a") in layout.conveyors
    assert ("inspect_a", "pack") in layout.conveyors and ("test_c", "pack") in layout.conveyors
    assert len(set(layout.conveyors)) == len(layout.conveyors)


def test_auto_layout_and_explicit_conveyors(minimal_data):
    layout = factory_layout(minimal_data)
    assert [(s.name, s.x, s.y, s.machines) for s in layout.stations] == [
        ("press", 0.0, 0.0, 2),
        ("paint", 6.0, 0.0, 1),
    ]
    assert layout.conveyors == [("press", "paint")]
    minimal_data["conveyors"] = [["paint", "press"]]
    minimal_data["stations"][0]["position"] = {"x": 1, "y": 2, "z": 3}
    layout = factory_layout(minimal_data)
    assert layout.conveyors == [("paint", "press")]
    assert (layout.stations[0].x, layout.stations[0].y, layout.stations[0].z) == (1, 2, 3)
