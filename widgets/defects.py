"""DefectViewer: upload images, see the predicted class, probabilities and a CAM overlay."""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import numpy as np

from widgets.messages import MessageBox, describe

DISPLAY_SIDE = 256  # pixels; small model inputs are enlarged for display
# Largest file an upload may carry. Bigger files are refused with a message before decoding;
# the server's websocket bound (widgets.serving.WEBSOCKET_MAX_MESSAGE_BYTES, 100 MiB per upload)
# lets them reach this check instead of dropping the kernel connection. Pixels are limited
# separately (dtwin.vision.MAX_PIXELS), before decoding too.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

Classify = Callable[[list[np.ndarray]], list[Any]]  # images -> Predictions (label, probs, ms)
Explain = Callable[[np.ndarray], Any]  # image -> CamResult (cam, overlay, bbox)
LoadImage = Callable[[bytes], np.ndarray]


@dataclass
class Inspection:
    """What the viewer shows for one file: the image, its prediction and optional CAM."""

    name: str
    image: np.ndarray | None = None
    label: str = ""
    probabilities: dict[str, float] | None = None
    ms: float = 0.0
    overlay: np.ndarray | None = None
    error: str = ""


def to_png(image: np.ndarray, side: int = DISPLAY_SIDE) -> bytes:
    """PNG bytes of an RGB/grey uint8 image scaled (nearest) so its longer side is ``side``."""
    from PIL import Image

    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(array * (255 if array.max() <= 1 else 1), 0, 255).astype(np.uint8)
    img = Image.fromarray(array)
    scale = side / max(img.size)
    if abs(scale - 1) > 1e-3:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.NEAREST if scale > 1 else Image.BILINEAR)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def probabilities_html(probabilities: dict[str, float]) -> str:
    """Horizontal bars of class probabilities, highest first."""
    rows = []
    for name, p in sorted(probabilities.items(), key=lambda kv: -kv[1]):
        pct = max(0.0, min(1.0, float(p))) * 100
        rows.append(
            "<tr>"
            f"<td style='padding-right:8px'>{html.escape(name)}</td>"
            "<td style='width:160px'><div style='background:#eee;width:160px;height:12px'>"
            f"<div style='background:#4e79a7;width:{pct:.1f}%;height:12px'></div></div></td>"
            f"<td style='padding-left:8px'>{pct:.1f}%</td></tr>"
        )
    return f"<table class='dtwin-probabilities' style='font-size:12px'>{''.join(rows)}</table>"


def unreadable(name: str, error: BaseException) -> str:
    """Message for a file that is not a readable image, naming the file."""
    text = describe(error).replace("<uploaded bytes>", name).replace("<bytes>", name)
    text = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>", "", text)  # PIL's noise
    return f"{name} is not a readable image: {text}"


def too_large(name: str, size: int, limit: int = MAX_UPLOAD_BYTES) -> str:
    """Message for a file above the upload limit, naming the file, its size and the limit."""
    return (
        f"{name} is {size / 2**20:.1f} MB; files of at most {limit / 2**20:g} MB can be "
        "uploaded - scale the image down or save it compressed (PNG or JPEG)"
    )


def upload_hint(limit: int = MAX_UPLOAD_BYTES) -> str:
    """The limits an upload must keep, as shown next to the upload button."""
    from dtwin.vision import MAX_PIXELS

    return f"images of at most {limit / 2**20:g} MB and {MAX_PIXELS / 1e6:g} megapixels"


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """(name, content) of every file in a FileUpload value (ipywidgets 8 tuple of dicts)."""
    items = value.values() if isinstance(value, dict) else value
    return [(item["name"], bytes(item["content"])) for item in items]


class DefectViewer(w.VBox):
    """Image, predicted class and probabilities, CAM overlay, file upload and a batch table.

    Parameters
    ----------
    classify:
        ``images -> predictions`` (e.g. ``OnnxClassifier.predict``); each prediction has
        ``label``, ``probabilities`` (class -> p) and ``ms``.
    explain:
        Optional ``image -> CamResult`` (e.g. ``Explainer.explain``); its ``overlay`` is shown.
    load_image:
        ``bytes -> RGB array``, raising a DtwinError with a clear message for non-images
        (default: ``dtwin.vision.load_image``, which refuses images above
        ``dtwin.vision.MAX_PIXELS`` before decoding them).
    max_upload_bytes:
        Uploaded files above this size get a message naming the file and the limit.
    """

    def __init__(
        self,
        classify: Classify,
        explain: Explain | None = None,
        load_image: LoadImage | None = None,
        title: str = "",
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ):
        self.classify = classify
        self.explain = explain
        if load_image is None:
            from dtwin.vision import load_image
        self.load_image = load_image
        self.inspections: list[Inspection] = []
        self.files: list[tuple[str, bytes | np.ndarray]] = []
        self._lock = threading.RLock()  # refresh() may come from a loader thread
        self.max_upload_bytes = max_upload_bytes
        self.upload = w.FileUpload(accept="image/*", multiple=True, description="Upload images")
        self.upload.tooltip = upload_hint(max_upload_bytes)
        self.upload.observe(self._on_upload, "value")
        self.cam_toggle = w.Checkbox(value=explain is not None, description="CAM overlay")
        self.cam_toggle.disabled = explain is None
        self.cam_toggle.observe(lambda _: self.refresh(), "value")
        self.message = MessageBox()
        self.image = w.Image(format="png", layout=w.Layout(width="256px", height="256px"))
        self.overlay = w.Image(format="png", layout=w.Layout(width="256px", height="256px"))
        self.image.add_class("dtwin-image")
        self.overlay.add_class("dtwin-overlay")
        self.prediction = w.HTML("<i>upload an image</i>")
        self.prediction.add_class("dtwin-prediction")
        self.probabilities = w.HTML()
        self.picker = w.Dropdown(options=[], description="show")
        self.picker.observe(self._on_pick, "value")
        self.table = w.HTML()
        self.table.add_class("dtwin-batch")
        self.overlay.layout.display = "none"
        self.image.layout.display = "none"
        self.picker.layout.display = "none"
        header = [w.HTML(f"<h3>{html.escape(title)}</h3>")] if title else []
        super().__init__(
            [
                *header,
                w.HBox([self.upload, self.cam_toggle, self.picker]),
                self.message,
                w.HBox(
                    [
                        self.image,
                        self.overlay,
                        w.VBox([self.prediction, self.probabilities]),
                    ]
                ),
                self.table,
            ]
        )
        self.add_class("dtwin-defect-viewer")

    # -- analysis ----------------------------------------------------------------------------
    def inspect(
        self, files: Sequence[tuple[str, bytes | np.ndarray]], explain: bool = True
    ) -> list[Inspection]:
        """Classify (and explain) every file; unreadable files get an error, not an exception."""
        results: list[Inspection] = []
        images: list[np.ndarray] = []
        for name, content in files:
            if isinstance(content, bytes | bytearray) and len(content) > self.max_upload_bytes:
                results.append(
                    Inspection(name, error=too_large(name, len(content), self.max_upload_bytes))
                )
                continue
            try:
                image = content if isinstance(content, np.ndarray) else self.load_image(content)
            except Exception as error:
                results.append(Inspection(name, error=unreadable(name, error)))
                continue
            results.append(Inspection(name, image=image))
            images.append(image)
        if images:
            predictions = iter(self.classify(images))
            for item in results:
                if item.image is None:
                    continue
                pred = next(predictions)
                item.label, item.ms = pred.label, float(pred.ms)
                item.probabilities = dict(pred.probabilities)
                if explain and self.explain is not None and self.cam_toggle.value:
                    try:
                        item.overlay = np.asarray(self.explain(item.image).overlay)
                    except Exception as error:
                        item.error = f"{item.name}: no CAM overlay ({describe(error)})"
        return results

    def show_files(
        self, files: Sequence[tuple[str, bytes | np.ndarray]], explain: bool = True
    ) -> None:
        """Inspect ``files`` and show them (the first readable one in detail, all in the table).

        ``explain=False`` skips the CAM (e.g. while the explainer is still loading).
        """
        with self._lock:
            self._show_files(list(files), explain)

    def refresh(self) -> None:
        """Inspect the files shown again (e.g. once the explainer has loaded)."""
        self.show_files(self.files)

    def _show_files(self, files: list[tuple[str, bytes | np.ndarray]], explain: bool) -> None:
        self.message.clear()
        self.files = files
        self.inspections = self.inspect(files, explain)
        good = [i for i in self.inspections if i.image is not None]
        errors = [i.error for i in self.inspections if i.error]
        if errors:
            kind = "error" if not good else "warning"
            self.message.show("; ".join(errors), kind=kind)
        self.table.value = self._table_html() if len(self.inspections) > 1 else ""
        names = [i.name for i in good]
        self.picker.unobserve(self._on_pick, "value")
        self.picker.options = names
        self.picker.value = names[0] if names else None
        self.picker.observe(self._on_pick, "value")
        self.picker.layout.display = None if len(names) > 1 else "none"
        if good:
            self.show_inspection(good[0])
        else:
            self.clear_detail()

    def show_inspection(self, item: Inspection) -> None:
        """Show one inspected image in detail."""
        assert item.image is not None
        self.image.value = to_png(item.image)
        self.image.layout.display = None
        top = (item.probabilities or {}).get(item.label, float("nan"))
        self.prediction.value = (
            f"<div style='font-size:13px;color:#666'>{html.escape(item.name)}</div>"
            f"<div style='font-size:22px'>class <b class='dtwin-label'>{html.escape(item.label)}"
            f"</b> ({top:.1%})</div><div style='font-size:11px;color:#888'>{item.ms:.1f} ms</div>"
        )
        self.probabilities.value = probabilities_html(item.probabilities or {})
        if item.overlay is not None:
            self.overlay.value = to_png(item.overlay)
            self.overlay.layout.display = None
        else:
            self.overlay.layout.display = "none"

    def clear_detail(self) -> None:
        """Show nothing in the detail area."""
        self.image.value = b""
        self.image.layout.display = "none"
        self.overlay.layout.display = "none"
        self.prediction.value = "<i>upload an image</i>"
        self.probabilities.value = ""

    def summary(self) -> list[dict[str, Any]]:
        """One row per inspected file: name, label, confidence, ms, error."""
        return [
            {
                "file": i.name,
                "label": i.label,
                "confidence": (i.probabilities or {}).get(i.label, float("nan")),
                "ms": i.ms,
                "error": i.error,
            }
            for i in self.inspections
        ]

    def _table_html(self) -> str:
        rows = self.summary()
        counts: dict[str, int] = {}
        for r in rows:
            if r["label"]:
                counts[r["label"]] = counts.get(r["label"], 0) + 1
        body = "".join(
            "<tr>"
            f"<td>{html.escape(r['file'])}</td><td><b>{html.escape(r['label'] or '–')}</b></td>"
            f"<td>{'' if r['error'] and not r['label'] else format(r['confidence'], '.1%')}</td>"
            f"<td>{html.escape(r['error'])}</td></tr>"
            for r in rows
        )
        per_class = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        return (
            f"<div><b>{len(rows)} files</b> — {html.escape(per_class)}</div>"
            "<table style='font-size:12px'><tr><th>file</th><th>class</th><th>confidence</th>"
            f"<th>note</th></tr>{body}</table>"
        )

    # -- callbacks ---------------------------------------------------------------------------
    def _on_upload(self, change: dict) -> None:
        files = uploaded_files(change["new"])
        if not files:
            return
        try:
            self.show_files(files)
        except Exception as error:  # shown in the page, never a traceback
            self.message.show(describe(error))
            self.message.error = error
        finally:
            # the bytes are inspected: drop them (a large upload would stay in memory otherwise)
            self.upload.value = ()

    def _on_pick(self, change: dict) -> None:
        for item in self.inspections:
            if item.name == change["new"] and item.image is not None:
                self.show_inspection(item)
                return
