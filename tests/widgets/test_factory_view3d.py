import math

import numpy as np
import pytest

from widgets.colors import STATE_COLORS, health_color
from widgets.factory3d import (
    QUEUE_UNIT,
    TRIANGLES_PER_BOX,
    FactoryView3D,
    box_vertices,
    grid_offsets,
    scene_positions,
    y_quaternion,
)


def test_one_box_per_machine_in_one_mesh_and_a_conveyor_per_link(layout):
    view = FactoryView3D(layout)
    assert view.machine_slots == [
        ("cut", 0), ("cut", 1), ("press", 0), ("press", 1), ("press", 2), ("inspect", 0)
    ]  # fmt: skip
    assert view.color_attribute.array.shape == (6 * 24, 3)
    names = [c.name for c in view.scene.children]
    assert sum(n.startswith("conveyor") for n in names) == 2
    assert view.queue_stations == ["cut", "press", "inspect"]


def test_box_vertices_span_the_box():
    pos, normals, index = box_vertices([(1.0, 0.5, 0.0)], [(2.0, 1.0, 4.0)])
    assert pos.shape == (24, 3) and normals.shape == (24, 3) and index.shape == (36,)
    assert pos.min(axis=0).tolist() == [0.0, 0.0, -2.0]
    assert pos.max(axis=0).tolist() == [2.0, 1.0, 2.0]
    assert index.max() == 23


def test_stations_do_not_overlap(layout):
    pos = scene_positions(layout.stations)
    pts = list(pos.values())
    assert min(math.dist(a, b) for i, a in enumerate(pts) for b in pts[i + 1 :]) >= 3.0


def test_grid_offsets_are_distinct():
    assert len(set(grid_offsets(5))) == 5


def test_quaternion_rotates_about_vertical_axis():
    x, y, z, w = y_quaternion(math.pi)
    assert (x, z) == (0.0, 0.0) and y == pytest.approx(1.0) and w == pytest.approx(0.0, abs=1e-12)


def test_snapshot_recolours_in_place(layout, snapshots):
    view = FactoryView3D(layout, snapshots)
    children = list(view.scene.children)
    attribute = view.color_attribute
    assert view.color_of("cut", 1) == STATE_COLORS["idle"]
    view.slider.value = 1  # what the Play widget drives
    assert view.scene.children == tuple(children)  # no rebuild
    assert view.color_attribute is attribute  # same buffer, new array
    assert view.color_of("cut", 1) == STATE_COLORS["down"]
    assert view.color_of("inspect", 0) == STATE_COLORS["maintenance"]
    assert np.array_equal(attribute.array, view.colors)
    assert view.queue_height("press") == pytest.approx(4 * QUEUE_UNIT)
    assert view.queue_attribute.array[:, 1].max() == pytest.approx(4 * QUEUE_UNIT)
    assert "t = 1.0 min" in view.time_label.value
    assert view.kpi_panel.text("wip") == "5.0" and "5.0" in view.kpi_panel.value


def test_colour_by_health(layout, snapshots):
    view = FactoryView3D(layout, snapshots)
    view.show_frame(1)
    view.color_toggle.value = "health"
    assert view.color_of("press", 1) == health_color(0.8)
    assert "health" in view.legend.value


def test_pick_selects_machine_and_shows_its_kpis(layout, snapshots):
    view = FactoryView3D(layout, snapshots, station_kpis={"press": {"utilization": 0.8}})
    view.show_frame(1)
    # what the browser's Picker reports for a click on the third box (press #0)
    view.picker.object = view.machines_mesh
    view.picker.faceIndex = 2 * TRIANGLES_PER_BOX + 5
    view.picker.point = (1.0, 0.5, 0.0)
    assert view.selected == ("press", 0)
    assert "blocked" in view.selection_info.value and "utilization" in view.selection_info.value
    assert view.marker.visible


def test_playback_controls_linked(layout, snapshots):
    view = FactoryView3D(layout, snapshots)
    assert view.play.max == view.slider.max == 1
    assert view.play.interval == 50  # 2x by default: 20 frames/s
    view.speed.value = "8×"
    assert (view.play.interval, view.play.step) == (50, 4)  # faster: skip snapshots
    seen = []
    view.on_frame(lambda snap: seen.append(snap.time))
    view.slider.value = 1
    assert seen == [1.0]


def test_machine_numbering_any_base(layout):
    view = FactoryView3D(layout)
    assert view.machine_slot("cut", 7) == 0  # first seen takes the first slot
    assert view.machine_slot("cut", 8) == 1
    assert view.machine_slot("cut", 9) is None  # station has only two machines
    assert view.machine_slot("nowhere", 0) is None
