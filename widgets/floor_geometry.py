"""Geometry of the 3D factory floor: where machines, queues, labels and the camera go.

Plain numbers and numpy arrays, no widgets: ``widgets.factory3d`` turns a :class:`FloorPlan`
into pythreejs meshes. Scene units: x to the right, y up, z towards the viewer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

MACHINE_SIZE = 0.8
MACHINE_BOX = (MACHINE_SIZE, MACHINE_SIZE, MACHINE_SIZE)
INSPECTION_SIZE = (0.55, 1.1, 0.55)  # inspection stations: slim towers
MACHINE_PITCH = 1.0
VERTICES_PER_BOX = 24
TRIANGLES_PER_BOX = 12
QUEUE_WIDTH = 0.5
FLOOR_MARGIN = 3.0  # floor beyond the outermost stations
CAMERA_ELEVATION = math.radians(50)
FLOOR_COLOR = "#e9e9e4"
LABEL_COLOR = "#222222"
LABEL_HEIGHT = 0.7  # scene units


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


def queue_vertices(
    bases: Sequence[tuple[float, float]], heights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes of the queue stacks: one per base (x, z), ``heights`` tall (never flat)."""
    h = np.maximum(heights, 0.001)
    centres = [(x, hi / 2, z) for (x, z), hi in zip(bases, h, strict=True)]
    sizes = [(QUEUE_WIDTH, hi, QUEUE_WIDTH) for hi in h]
    return box_vertices(centres, sizes)


def conveyor_pose(
    a: tuple[float, float], b: tuple[float, float]
) -> tuple[tuple[float, float, float], float, tuple[float, float, float, float]]:
    """Centre, length and orientation of a unit conveyor stretched from ``a`` to ``b``."""
    (ax, az), (bx, bz) = a, b
    length = max(math.hypot(bx - ax, bz - az), 1e-3)
    angle = math.atan2(-(bz - az), bx - ax)
    return ((ax + bx) / 2, 0.03, (az + bz) / 2), length, y_quaternion(angle)


def _span(positions: dict[str, tuple[float, float]]) -> tuple[float, float, float, float]:
    """(x0, z0, x1, z1) of the station centres; all 0 without stations."""
    xs = [p[0] for p in positions.values()] or [0.0]
    zs = [p[1] for p in positions.values()] or [0.0]
    return min(xs), min(zs), max(xs), max(zs)


@dataclass(frozen=True)
class FloorPlan:
    """Where everything of a layout goes in the scene (computed once per view)."""

    positions: dict[str, tuple[float, float]]  # station centre (x, z)
    machine_slots: list[tuple[str, int]]  # (station, 0-based slot) per box of the mesh
    centres: list[tuple[float, float, float]]  # per machine box
    sizes: list[tuple[float, float, float]]
    queue_bases: list[tuple[float, float]]  # per station, in layout order
    labels: list[tuple[str, float, float]]  # station names painted on the floor
    bounds: tuple[float, float, float, float]  # floor (x0, z0, x1, z1)

    @property
    def extent(self) -> tuple[float, float]:
        """Width and depth spanned by the station centres."""
        x0, z0, x1, z1 = _span(self.positions)
        return x1 - x0, z1 - z0

    def light_distance(self) -> float:
        """A distance beyond the scene for the directional light."""
        width, depth = self.extent
        return max(width, depth, 4.0) + 4.0

    def camera_pose(
        self, aspect: float
    ) -> tuple[tuple[float, float, float], tuple[float, float, float, float]]:
        """Position and orientation of a camera that looks down at the origin and sees all."""
        width, depth = self.extent
        distance = fit_distance(width + 4.0, depth + 4.0, aspect)
        height, back = distance * math.sin(CAMERA_ELEVATION), distance * math.cos(CAMERA_ELEVATION)
        tilt = -CAMERA_ELEVATION
        return (0.0, height, back), (math.sin(tilt / 2), 0.0, 0.0, math.cos(tilt / 2))


def floor_plan(layout: LayoutLike | Any) -> FloorPlan:
    """Machines on a grid at each station, a queue stack to its left, its name below it."""
    stations = list(layout.stations)
    positions = scene_positions(stations)
    slots, centres, sizes, bases, labels = [], [], [], [], []
    for station in stations:
        cx, cz = positions[station.name]
        count = max(int(station.machines), 1)
        size = INSPECTION_SIZE if station.kind == "inspection" else MACHINE_BOX
        for i, (dx, dz) in enumerate(grid_offsets(count)):
            slots.append((station.name, i))
            centres.append((cx + dx, size[1] / 2, cz + dz))
            sizes.append(size)
        half = math.ceil(math.sqrt(count)) * MACHINE_PITCH / 2
        bases.append((cx - half - 0.5, cz))
        labels.append((station.name, cx, cz + half + 0.2))
    x0, z0, x1, z1 = _span(positions)
    m = FLOOR_MARGIN
    bounds = (x0 - m, z0 - m, x1 + m, z1 + m)
    return FloorPlan(positions, slots, centres, sizes, bases, labels, bounds)
