"""FactoryView3D: a pythreejs view of a factory layout that plays simulation snapshots.

All pythreejs code of dtwin lives in this module. The scene is built once; playing a snapshot
only changes material colours and queue-stack scales (incremental updates keep playback fluid).
pythreejs ignores ``rotation``, so orientations are set with quaternions.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import pythreejs as p3

from dtwin.sim import SNAPSHOT_STATES
from widgets.colors import health_color, state_color
from widgets.floor_geometry import (
    TRIANGLES_PER_BOX,
    VERTICES_PER_BOX,
    FloorPlan,
    LayoutLike,
    StationLike,
    box_vertices,
    conveyor_pose,
    floor_plan,
    floor_texture,
    grid_offsets,
    hex_rgb,
    queue_vertices,
    scene_positions,
    y_quaternion,
)
from widgets.kpi import KPIPanel, format_kpi

# the geometry helpers stay importable from here, as before the split
__all__ = [
    "FactoryView3D",
    "LayoutLike",
    "StationLike",
    "TRIANGLES_PER_BOX",
    "VERTICES_PER_BOX",
    "box_vertices",
    "grid_offsets",
    "scene_positions",
    "y_quaternion",
]

QUEUE_UNIT = 0.25  # height of one queued part in the stack
QUEUE_MAX_HEIGHT = 5.0
QUEUE_CAP = int(QUEUE_MAX_HEIGHT / QUEUE_UNIT)  # parts a stack can show; longer queues say so
QUEUES_LISTED = 6  # longest queues named beside the floor
QUEUE_COLOR = "#6a5acd"
CONVEYOR_COLOR = "#8d8d8d"
SELECTED_COLOR = "#222222"
# speed -> (ms between frames, snapshots per frame): faster playback skips snapshots instead of
# asking the kernel and the browser for more than ~20 updates per second
SPEEDS = {"0.5×": (200, 1), "1×": (100, 1), "2×": (50, 1), "4×": (50, 2), "8×": (50, 4)}


class FactoryView3D(w.VBox):
    """3D factory floor: stations at layout positions, conveyors, queue stacks, playback.

    Parameters
    ----------
    layout:
        A ``dtwin.sim`` Layout (stations with name, x, y, machines, kind; conveyors).
    snapshots:
        ``dtwin.sim`` Snapshots (time, machines with station/machine/state/health, queues, kpis)
        to play; ``set_snapshots`` replaces them.
    station_kpis:
        Optional per-station KPI dicts shown when a machine of that station is selected.
    color_by:
        ``"state"`` or ``"health"`` (a toggle in the view switches it).
    kpi_keys:
        Which snapshot KPIs the card row shows (default: all numeric ones).
    time_unit:
        Unit of ``Snapshot.time`` for the clock label (dtwin.sim uses minutes).
    warmup:
        Time (in ``time_unit``) before which the KPIs are not measured: cards read "—" until
        then, and afterwards are labelled running averages since the warm-up.
    """

    def __init__(
        self,
        layout: LayoutLike,
        snapshots: Sequence[Any] = (),
        station_kpis: Mapping[str, Mapping[str, Any]] | None = None,
        color_by: str = "state",
        kpi_keys: Sequence[str] | None = None,
        time_unit: str = "min",
        width: int = 720,
        height: int = 420,
        warmup: float = 0.0,
    ):
        self.factory_layout = layout
        self.warmup = float(warmup)
        self.station_kpis = dict(station_kpis or {})
        self.time_unit = time_unit
        self.kpi_keys = kpi_keys
        self.snapshots: list[Any] = []
        self.current: Any = None
        self.selected: tuple[str, int] | None = None
        self.frames_shown = 0
        self._frame_callbacks: list[Callable[[Any], None]] = []
        self._build_scene(width, height)
        self._build_controls()
        self.color_toggle.value = color_by
        super().__init__(
            [
                w.HBox(
                    [
                        self.renderer,
                        w.VBox([self.legend, self.queue_info, self.selection_info]),
                    ]
                ),
                w.HBox([self.play, self.slider, self.speed, self.color_toggle, self.time_label]),
                self.kpi_note,
                self.kpi_panel,
            ]
        )
        self.add_class("dtwin-factory3d")
        self.set_color_legend()
        self.set_snapshots(snapshots)

    # -- building (once) -------------------------------------------------------------------
    def _build_scene(self, width: int, height: int) -> None:
        self.plan = plan = floor_plan(self.factory_layout)
        self.positions = plan.positions
        self.machine_slots = plan.machine_slots
        self._slot_index = {slot: i for i, slot in enumerate(self.machine_slots)}
        self._slots: dict[tuple[str, int], int] = {}
        self.machines_mesh = self._machines_mesh(plan)
        self.queue_stations = [st.name for st in self.factory_layout.stations]
        self.queues_mesh = self._queues_mesh(plan)
        self.marker = p3.Mesh(
            p3.BoxGeometry(1.0, 0.04, 1.0),
            p3.MeshLambertMaterial(color=SELECTED_COLOR),
            visible=False,
            name="selection",
        )
        position, quaternion = plan.camera_pose(width / height)
        self.camera = p3.PerspectiveCamera(
            position=position, quaternion=quaternion, fov=45, aspect=width / height
        )
        span = plan.light_distance()
        self.scene = p3.Scene(
            children=[
                self._floor_mesh(plan),
                self.machines_mesh,
                self.queues_mesh,
                self.marker,
                *self._conveyors(),
                self.camera,
                p3.AmbientLight(color="#ffffff", intensity=0.6),
                p3.DirectionalLight(
                    color="#ffffff", position=(span, span * 2, span), intensity=0.7
                ),
            ],
            background="#f7f7f5",
        )
        self._build_renderer(width, height)

    def _machines_mesh(self, plan: FloorPlan) -> p3.Mesh:
        # All machines form ONE mesh with per-vertex colours (all queue stacks another): a frame
        # then costs one colour array and one position array, not a message per machine.
        positions, normals, index = box_vertices(plan.centres, plan.sizes)
        self.colors = np.full_like(positions, 0.7)
        self.color_attribute = p3.BufferAttribute(self.colors.copy())
        return p3.Mesh(
            p3.BufferGeometry(
                attributes={
                    "position": p3.BufferAttribute(positions),
                    "normal": p3.BufferAttribute(normals),
                    "color": self.color_attribute,
                },
                index=p3.BufferAttribute(index),
            ),
            p3.MeshLambertMaterial(vertexColors="VertexColors"),
            name="machines",
        )

    def _queues_mesh(self, plan: FloorPlan) -> p3.Mesh:
        self.queue_heights = np.zeros(len(plan.queue_bases))
        positions, normals, index = queue_vertices(plan.queue_bases, self.queue_heights)
        self.queue_attribute = p3.BufferAttribute(positions)
        return p3.Mesh(
            p3.BufferGeometry(
                attributes={
                    "position": self.queue_attribute,
                    "normal": p3.BufferAttribute(normals),
                },
                index=p3.BufferAttribute(index),
            ),
            p3.MeshLambertMaterial(color=QUEUE_COLOR),
            name="queues",
        )

    def _floor_mesh(self, plan: FloorPlan) -> p3.Mesh:
        x0, z0, x1, z1 = plan.bounds
        self.floor_image = floor_texture(plan.labels, plan.bounds)
        # the plane lies in x/-z after the -90 degree turn about x: texture top = far side
        return p3.Mesh(
            p3.PlaneGeometry(x1 - x0, z1 - z0),
            p3.MeshLambertMaterial(map=p3.ImageTexture(imageUri=self.floor_image)),
            position=((x0 + x1) / 2, 0.0, (z0 + z1) / 2),
            quaternion=(-math.sin(math.pi / 4), 0.0, 0.0, math.cos(math.pi / 4)),
            name="floor",
        )

    def _conveyors(self) -> list[p3.Mesh]:
        geometry = p3.BoxGeometry(1.0, 0.06, 0.3)
        material = p3.MeshLambertMaterial(color=CONVEYOR_COLOR)
        meshes = []
        for a, b in self.factory_layout.conveyors:
            position, length, quaternion = conveyor_pose(self.positions[a], self.positions[b])
            meshes.append(
                p3.Mesh(
                    geometry,
                    material,
                    position=position,
                    scale=(length, 1.0, 1.0),
                    quaternion=quaternion,
                    name=f"conveyor {a}->{b}",
                )
            )
        return meshes

    def _build_renderer(self, width: int, height: int) -> None:
        self.orbit = p3.OrbitControls(controlling=self.camera, target=(0.0, 0.0, 0.0))
        self.picker = p3.Picker(controlling=self.machines_mesh, event="click")
        self.picker.observe(self._on_pick, "point")
        self.renderer = p3.Renderer(
            camera=self.camera,
            scene=self.scene,
            controls=[self.orbit, self.picker],
            width=width,
            height=height,
            antialias=False,  # software WebGL (SwiftShader) draws faster without MSAA
        )

    def _build_controls(self) -> None:
        self.play = w.Play(value=0, min=0, max=0, step=1, interval=50, description="play")
        self.slider = w.IntSlider(value=0, min=0, max=0, description="frame", readout=True)
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.slider.observe(lambda ch: self.show_frame(ch["new"]), "value")
        self.speed = w.Dropdown(
            options=list(SPEEDS), value="2×", description="speed", layout={"width": "150px"}
        )
        self.speed.observe(self._on_speed, "value")
        self.color_toggle = w.ToggleButtons(options=["state", "health"], value="state")
        self.color_toggle.style.button_width = "60px"
        self.color_toggle.observe(lambda _: self._recolor(), "value")
        self.time_label = w.HTML("t = –")
        self.time_label.add_class("dtwin-time")
        self.legend = w.HTML()
        self.selection_info = w.HTML("<i>click a machine to select it</i>")
        self.selection_info.add_class("dtwin-selection")
        self.kpi_panel = KPIPanel(keys=self.kpi_keys)
        self.kpi_note = w.HTML()
        self.kpi_note.add_class("dtwin-kpi-note")
        self.queue_info = w.HTML()
        self.queue_info.add_class("dtwin-queues")

    # -- playback (incremental) --------------------------------------------------------------
    def set_snapshots(self, snapshots: Sequence[Any]) -> None:
        """Replace the snapshots to play and show the first one."""
        self.play.playing = False
        self.snapshots = list(snapshots)
        last = max(len(self.snapshots) - 1, 0)
        self.play.max = self.slider.max = last
        if self.slider.value != 0:
            self.slider.value = 0  # the observer shows frame 0
        elif self.snapshots:
            self.show_frame(0)

    def _on_speed(self, change: dict) -> None:
        interval, step = SPEEDS[change["new"]]
        with self.play.hold_sync():
            self.play.interval, self.play.step = interval, step

    def on_frame(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(snapshot)`` after every frame shown (e.g. to move chart cursors)."""
        self._frame_callbacks.append(callback)

    def show_frame(self, index: int) -> None:
        """Show snapshot ``index``: recolour machines and resize queue stacks in place."""
        if not self.snapshots:
            return
        self.show_snapshot(self.snapshots[min(max(int(index), 0), len(self.snapshots) - 1)])

    def show_snapshot(self, snapshot: Any) -> None:
        """Apply one snapshot to the scene (only changed arrays are sent to the browser)."""
        self.current = snapshot
        self._recolor()
        heights = np.array(
            [
                min(int(snapshot.queues.get(name, 0)) * QUEUE_UNIT, QUEUE_MAX_HEIGHT)
                for name in self.queue_stations
            ]
        )
        if not np.array_equal(heights, self.queue_heights):
            self.queue_heights = heights
            self.queue_attribute.array = queue_vertices(self.plan.queue_bases, heights)[0]
        self.time_label.value = f"<b>t = {snapshot.time:,.1f} {self.time_unit}</b>"
        self._show_kpis(snapshot)
        self._show_queues(snapshot)
        self._show_selection()
        self.frames_shown += 1
        for callback in self._frame_callbacks:
            callback(snapshot)

    def _show_kpis(self, snapshot: Any) -> None:
        """KPI cards: "—" until measured (warm-up, empty window), then running averages."""
        measured = snapshot.time >= self.warmup and snapshot.kpis.get("window_min", 1.0) > 0
        self.kpi_panel.update(snapshot.kpis if measured else {})
        unit = self.time_unit
        if not measured:
            note = (
                f"warming up until t = {self.warmup:,.0f} {unit}: no figures yet"
                if snapshot.time < self.warmup
                else "nothing measured yet"
            )
        elif self.warmup > 0:
            note = (
                f"running averages since the warm-up ended at t = {self.warmup:,.0f} {unit}"
                f" (over {snapshot.time - self.warmup:,.0f} {unit}); WIP now is the count at t"
            )
        else:
            note = f"running averages since t = 0 (over {snapshot.time:,.0f} {unit})"
        value = f"<span style='font-size:12px;color:#555'>{html.escape(note)}</span>"
        if self.kpi_note.value != value:
            self.kpi_note.value = value

    def _show_queues(self, snapshot: Any) -> None:
        """The longest queues by name and count (a stack shows at most ``QUEUE_CAP`` parts)."""
        queues = sorted(
            ((int(n), s) for s, n in snapshot.queues.items() if int(n) > 0), reverse=True
        )
        rows = "".join(
            f"<div>{html.escape(s)}: <b>{n:,}</b>"
            + (
                f" <span style='color:#b00'>(stack shows {QUEUE_CAP})</span>"
                if n > QUEUE_CAP
                else ""
            )
            + "</div>"
            for n, s in queues[:QUEUES_LISTED]
        )
        total = sum(n for n, _ in queues)
        value = (
            f"<div style='font-size:12px'><b>queues</b> ({total:,} parts waiting)"
            f"{rows or '<div>none</div>'}</div>"
        )
        if self.queue_info.value != value:
            self.queue_info.value = value

    def machine_slot(self, station: str, machine: int) -> int | None:
        """Index of machine ``machine`` of ``station`` in the machines mesh (first-seen numbering,
        so 0- and 1-based machine numbers both work); None when the station has no such slot."""
        key = (station, int(machine))
        if key not in self._slots:
            used = sum(1 for s, _ in self._slots if s == station)
            index = self._slot_index.get((station, used))
            if index is None:
                return None
            self._slots[key] = index
        return self._slots[key]

    def color_of(self, station: str, slot: int) -> str:
        """Colour (hex) shown for mesh slot ``slot`` of ``station``."""
        rgb = self.colors[self._slot_index[(station, slot)] * VERTICES_PER_BOX]
        return "#" + "".join(f"{round(float(c) * 255):02x}" for c in rgb)

    def queue_height(self, station: str) -> float:
        """Height of the queue stack of ``station`` in scene units."""
        return float(self.queue_heights[self.queue_stations.index(station)])

    def machine_color(self, state: str, health: float | None) -> str:
        """Colour of a machine in the current colour mode (grey for an unknown health)."""
        if self.color_toggle.value == "health":
            return health_color(health)
        return state_color(state)

    def _recolor(self) -> None:
        if self.current is None:
            return
        colors = self.colors.copy()
        for m in self.current.machines:
            index = self.machine_slot(m.station, m.machine)
            if index is not None:
                rgb = hex_rgb(self.machine_color(m.state, m.health))
                colors[index * VERTICES_PER_BOX : (index + 1) * VERTICES_PER_BOX] = rgb
        if not np.array_equal(colors, self.colors):
            self.colors = colors
            self.color_attribute.array = colors
        self.set_color_legend()

    def set_color_legend(self) -> None:
        """Legend of the current colour mode."""
        if self.color_toggle.value == "health":
            items = [(health_color(h), f"health {h:.0%}") for h in (1.0, 0.75, 0.5, 0.25, 0.0)]
        else:
            items = [(state_color(s), s) for s in SNAPSHOT_STATES]
            items.append((state_color("off_shift"), "off shift"))
        items.append((QUEUE_COLOR, f"queue (stack height, at most {QUEUE_CAP} parts)"))
        rows = "".join(
            f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
            f'margin-right:6px"></span>{html.escape(s)}</div>'
            for c, s in items
        )
        value = f'<div style="font-size:12px">{rows}</div>'
        if self.legend.value != value:
            self.legend.value = value

    # -- selection ---------------------------------------------------------------------------
    def _on_pick(self, _change: dict) -> None:
        face = self.picker.faceIndex
        if face is None or face < 0 or self.picker.object is not self.machines_mesh:
            return
        index = int(face) // TRIANGLES_PER_BOX
        if index < len(self.machine_slots):
            self.select(*self.machine_slots[index])

    def select(self, station: str, slot: int) -> None:
        """Select machine ``slot`` (0-based mesh index) of ``station`` and show its KPIs."""
        self.selected = (station, slot)
        x, _, z = self.plan.centres[self._slot_index[(station, slot)]]
        with self.marker.hold_sync():
            self.marker.position = (x, 0.02, z)
            self.marker.visible = True
        self._show_selection()

    def _show_selection(self) -> None:
        if self.selected is None:
            return
        station, slot = self.selected
        rows: list[tuple[str, str]] = [("station", station), ("machine", str(slot))]
        if self.current is not None:
            index = self._slot_index[(station, slot)]
            for m in self.current.machines:
                if self.machine_slot(m.station, m.machine) == index:
                    rows += [("state", m.state), ("health", f"{m.health:.0%}")]
                    break
            rows.append(("queue", str(self.current.queues.get(station, 0))))
        for key, value in self.station_kpis.get(station, {}).items():
            rows.append((key, format_kpi(key, value)[1]))
        body = "".join(
            f"<tr><td style='color:#666;padding-right:8px'>{html.escape(k)}</td>"
            f"<td><b>{html.escape(v)}</b></td></tr>"
            for k, v in rows
        )
        value = f"<table style='font-size:12px'>{body}</table>"
        if self.selection_info.value != value:
            self.selection_info.value = value
