"""FactoryView3D: a pythreejs view of a factory layout that plays simulation snapshots.

All pythreejs code of dtwin lives in this module. The scene is built once; playing a snapshot
only changes material colours and queue-stack scales (incremental updates keep playback fluid).
pythreejs ignores ``rotation``, so orientations are set with quaternions.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import ipywidgets as w
import numpy as np
import pythreejs as p3

from widgets.colors import STATE_COLORS, health_color, state_color
from widgets.kpi import KPIPanel, format_kpi

MACHINE_SIZE = 0.8
MACHINE_BOX = (MACHINE_SIZE, MACHINE_SIZE, MACHINE_SIZE)
INSPECTION_SIZE = (0.55, 1.1, 0.55)  # inspection stations: slim towers
MACHINE_PITCH = 1.0
VERTICES_PER_BOX = 24
TRIANGLES_PER_BOX = 12
QUEUE_UNIT = 0.25  # height of one queued part in the stack
QUEUE_MAX_HEIGHT = 5.0
QUEUE_COLOR = "#6a5acd"
CONVEYOR_COLOR = "#8d8d8d"
FLOOR_COLOR = "#e9e9e4"
LABEL_COLOR = "#222222"
LABEL_HEIGHT = 0.7  # scene units
SELECTED_COLOR = "#222222"
# speed -> (ms between frames, snapshots per frame): faster playback skips snapshots instead of
# asking the kernel and the browser for more than ~20 updates per second
SPEEDS = {"0.5×": (200, 1), "1×": (100, 1), "2×": (50, 1), "4×": (50, 2), "8×": (50, 4)}


class StationLike(Protocol):
    """What the view reads from a station of ``dtwin.sim.factory_layout`` (duck-typed)."""

    name: str
    x: float
    y: float
    machines: int
    kind: str


class LayoutLike(Protocol):
    """What the view reads from a ``dtwin.sim`` Layout."""

    stations: Sequence[StationLike]
    conveyors: Sequence[tuple[str, str]]


def y_quaternion(angle: float) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) of a rotation by ``angle`` radians about the vertical axis."""
    return (0.0, math.sin(angle / 2), 0.0, math.cos(angle / 2))


# the six faces of a unit cube: outward normal and four corners (counter-clockwise from outside)
_CUBE_FACES = (
    ((1, 0, 0), ((1, -1, -1), (1, 1, -1), (1, 1, 1), (1, -1, 1))),
    ((-1, 0, 0), ((-1, -1, 1), (-1, 1, 1), (-1, 1, -1), (-1, -1, -1))),
    ((0, 1, 0), ((-1, 1, -1), (-1, 1, 1), (1, 1, 1), (1, 1, -1))),
    ((0, -1, 0), ((-1, -1, 1), (-1, -1, -1), (1, -1, -1), (1, -1, 1))),
    ((0, 0, 1), ((-1, -1, 1), (1, -1, 1), (1, 1, 1), (-1, 1, 1))),
    ((0, 0, -1), ((1, -1, -1), (-1, -1, -1), (-1, 1, -1), (1, 1, -1))),
)


def box_vertices(
    centres: Sequence[tuple[float, float, float]], sizes: Sequence[tuple[float, float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, normals (float32, 24 per box) and triangle indices (uint32, 36 per box)."""
    corners = np.array([c for _, cs in _CUBE_FACES for c in cs], np.float32) / 2  # (24, 3)
    normals = np.array([n for n, cs in _CUBE_FACES for _ in cs], np.float32)
    quad = np.array([0, 1, 2, 0, 2, 3], np.uint32)
    face_index = (np.arange(6, dtype=np.uint32)[:, None] * 4 + quad).ravel()  # (36,)
    n = len(centres)
    c = np.asarray(centres, np.float32).reshape(n, 1, 3)
    s = np.asarray(sizes, np.float32).reshape(n, 1, 3)
    positions = (c + corners[None] * s).reshape(-1, 3)
    index = (np.arange(n, dtype=np.uint32)[:, None] * VERTICES_PER_BOX + face_index).ravel()
    return positions.astype(np.float32), np.tile(normals, (n, 1)), index


def hex_rgb(color: str) -> np.ndarray:
    """``#rrggbb`` as float32 RGB in [0, 1]."""
    return np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)], np.float32)


def grid_offsets(count: int) -> list[tuple[float, float]]:
    """Offsets (dx, dz) of ``count`` machines on a square-ish grid centred on the station."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    return [
        ((i % cols - (cols - 1) / 2) * MACHINE_PITCH, (i // cols - (rows - 1) / 2) * MACHINE_PITCH)
        for i in range(count)
    ]


def scene_positions(stations: Sequence[StationLike]) -> dict[str, tuple[float, float]]:
    """Station centres in scene units (x, z), scaled so neighbouring stations do not overlap."""
    if not stations:
        return {}
    footprint = max(math.ceil(math.sqrt(max(s.machines, 1))) for s in stations) * MACHINE_PITCH
    spacing = footprint + 2.5
    pts = [(float(s.x), float(s.y)) for s in stations]
    dists = [
        math.dist(a, b) for i, a in enumerate(pts) for b in pts[i + 1 :] if math.dist(a, b) > 1e-9
    ]
    scale = spacing / min(dists) if dists else 1.0
    cx = sum(p[0] for p in pts) / len(pts)
    cz = sum(p[1] for p in pts) / len(pts)
    return {
        s.name: ((p[0] - cx) * scale, (p[1] - cz) * scale)
        for s, p in zip(stations, pts, strict=True)
    }


def fit_distance(width: float, depth: float, aspect: float, fov: float = 45.0) -> float:
    """Camera distance at which a ``width`` x ``depth`` floor fits the view (with a margin)."""
    half = math.tan(math.radians(fov) / 2)
    return 1.3 * max(width / 2 / (half * aspect), depth / 2 / half, 3.0)


def floor_texture(
    labels: Sequence[tuple[str, float, float]],
    bounds: tuple[float, float, float, float],
    pixels_per_unit: float = 40.0,
) -> str:
    """PNG data URI of the floor with ``(text, x, z)`` labels painted on it.

    ``bounds`` are (x0, z0, x1, z1) of the floor in scene units. One texture instead of a
    sprite per label keeps the number of widget models (and the first paint) small.
    """
    import base64
    import io

    from PIL import Image, ImageDraw, ImageFont

    x0, z0, x1, z1 = bounds
    size = (max(int((x1 - x0) * pixels_per_unit), 1), max(int((z1 - z0) * pixels_per_unit), 1))
    image = Image.new("RGB", size, FLOOR_COLOR)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=int(pixels_per_unit * LABEL_HEIGHT))
    for text, x, z in labels:
        px, py = (x - x0) * pixels_per_unit, (z - z0) * pixels_per_unit
        draw.text((px, py), text, fill=LABEL_COLOR, font=font, anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


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
    ):
        self.factory_layout = layout
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
                w.HBox([self.renderer, w.VBox([self.legend, self.selection_info])]),
                w.HBox([self.play, self.slider, self.speed, self.color_toggle, self.time_label]),
                self.kpi_panel,
            ]
        )
        self.add_class("dtwin-factory3d")
        self.set_color_legend()
        self.set_snapshots(snapshots)

    # -- building (once) -------------------------------------------------------------------
    def _build_scene(self, width: int, height: int) -> None:
        stations = list(self.factory_layout.stations)
        self.positions = scene_positions(stations)
        # All machines form ONE mesh with per-vertex colours, all queue stacks another: a frame
        # then costs one colour array and one position array, not a message per machine.
        self.machine_slots: list[tuple[str, int]] = []
        centres, sizes, queue_bases = [], [], []
        labels: list[tuple[str, float, float]] = []
        for station in stations:
            cx, cz = self.positions[station.name]
            count = max(int(station.machines), 1)
            size = INSPECTION_SIZE if station.kind == "inspection" else MACHINE_BOX
            for i, (dx, dz) in enumerate(grid_offsets(count)):
                self.machine_slots.append((station.name, i))
                centres.append((cx + dx, size[1] / 2, cz + dz))
                sizes.append(size)
            half = math.ceil(math.sqrt(count)) * MACHINE_PITCH / 2
            queue_bases.append((cx - half - 0.5, cz))
            labels.append((station.name, cx, cz + half + 0.2))
        self._slot_index = {slot: i for i, slot in enumerate(self.machine_slots)}
        self._centres = centres
        self._slots: dict[tuple[str, int], int] = {}
        positions, normals, index = box_vertices(centres, sizes)
        self.colors = np.full_like(positions, 0.7)
        self.color_attribute = p3.BufferAttribute(self.colors.copy())
        self.machines_mesh = p3.Mesh(
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
        self.queue_stations = [st.name for st in stations]
        self._queue_bases = queue_bases
        self.queue_heights = np.zeros(len(stations))
        queue_positions, queue_normals, queue_index = self._queue_vertices(self.queue_heights)
        self.queue_attribute = p3.BufferAttribute(queue_positions)
        self.queues_mesh = p3.Mesh(
            p3.BufferGeometry(
                attributes={
                    "position": self.queue_attribute,
                    "normal": p3.BufferAttribute(queue_normals),
                },
                index=p3.BufferAttribute(queue_index),
            ),
            p3.MeshLambertMaterial(color=QUEUE_COLOR),
            name="queues",
        )
        self.marker = p3.Mesh(
            p3.BoxGeometry(1.0, 0.04, 1.0),
            p3.MeshLambertMaterial(color=SELECTED_COLOR),
            visible=False,
            name="selection",
        )
        self._conveyor_geometry = p3.BoxGeometry(1.0, 0.06, 0.3)
        self._conveyor_material = p3.MeshLambertMaterial(color=CONVEYOR_COLOR)
        conveyors = [self._conveyor(a, b) for a, b in self.factory_layout.conveyors]
        xs = [p[0] for p in self.positions.values()] or [0.0]
        zs = [p[1] for p in self.positions.values()] or [0.0]
        span = max(max(xs) - min(xs), max(zs) - min(zs), 4.0) + 4.0
        bounds = (min(xs) - 3.0, min(zs) - 3.0, max(xs) + 3.0, max(zs) + 3.0)
        self.floor_image = floor_texture(labels, bounds)
        # the plane lies in x/-z after the -90 degree turn about x: texture top = far side
        floor = p3.Mesh(
            p3.PlaneGeometry(bounds[2] - bounds[0], bounds[3] - bounds[1]),
            p3.MeshLambertMaterial(map=p3.ImageTexture(imageUri=self.floor_image)),
            position=((bounds[0] + bounds[2]) / 2, 0.0, (bounds[1] + bounds[3]) / 2),
            quaternion=(-math.sin(math.pi / 4), 0.0, 0.0, math.cos(math.pi / 4)),
            name="floor",
        )
        distance = fit_distance(max(xs) - min(xs) + 4.0, max(zs) - min(zs) + 4.0, width / height)
        elevation = math.radians(50)
        cam_height, cam_dist = distance * math.sin(elevation), distance * math.cos(elevation)
        tilt = -elevation  # look down at the origin (the orbit target)
        self.camera = p3.PerspectiveCamera(
            position=(0.0, cam_height, cam_dist),
            quaternion=(math.sin(tilt / 2), 0.0, 0.0, math.cos(tilt / 2)),
            fov=45,
            aspect=width / height,
        )
        self.scene = p3.Scene(
            children=[
                floor,
                self.machines_mesh,
                self.queues_mesh,
                self.marker,
                *conveyors,
                self.camera,
                p3.AmbientLight(color="#ffffff", intensity=0.6),
                p3.DirectionalLight(
                    color="#ffffff", position=(span, span * 2, span), intensity=0.7
                ),
            ],
            background="#f7f7f5",
        )
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

    def _queue_vertices(self, heights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = np.maximum(heights, 0.001)
        centres = [(x, hi / 2, z) for (x, z), hi in zip(self._queue_bases, h, strict=True)]
        sizes = [(0.5, hi, 0.5) for hi in h]
        return box_vertices(centres, sizes)

    def _conveyor(self, a: str, b: str) -> p3.Mesh:
        (ax, az), (bx, bz) = self.positions[a], self.positions[b]
        length = max(math.hypot(bx - ax, bz - az), 1e-3)
        angle = math.atan2(-(bz - az), bx - ax)
        return p3.Mesh(
            self._conveyor_geometry,
            self._conveyor_material,
            position=((ax + bx) / 2, 0.03, (az + bz) / 2),
            scale=(length, 1.0, 1.0),
            quaternion=y_quaternion(angle),
            name=f"conveyor {a}->{b}",
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
            self.queue_attribute.array = self._queue_vertices(heights)[0]
        self.time_label.value = f"<b>t = {snapshot.time:,.1f} {self.time_unit}</b>"
        self.kpi_panel.update(snapshot.kpis)
        self._show_selection()
        self.frames_shown += 1
        for callback in self._frame_callbacks:
            callback(snapshot)

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

    def machine_color(self, state: str, health: float) -> str:
        """Colour of a machine in the current colour mode."""
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
            items = list((c, s) for s, c in STATE_COLORS.items())
        items.append((QUEUE_COLOR, "queue (stack height)"))
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
        x, _, z = self._centres[self._slot_index[(station, slot)]]
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
