"""DefectViewer: upload images, see the predicted class, probabilities and a CAM overlay.

The overlay names the CAM method that drew it and has an opacity control and a colour bar; a
batch gets a table with a pass/fail verdict at an adjustable threshold (fail: ``1 - p(good)``
at or above it, as ``dtwin.vision``'s operating point decides), a truth column and the accuracy
when the files come with labels, progress while the CAMs are computed, and a CSV download.
"""

from __future__ import annotations

import base64
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
METHOD_NAMES = {
    "gradcam": "Grad-CAM",
    "gradcam++": "Grad-CAM++",
    "layercam": "LayerCAM",
    "eigencam": "EigenCAM",
    "scorecam": "Score-CAM",
}

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
    cam: np.ndarray | None = None
    truth: str | None = None


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


CAM_COLORBAR = (
    "<div class='dtwin-colorbar' style='font-size:11px;width:256px'>"
    "<div style='height:10px;background:linear-gradient(to right,#00007f,#0000ff,#00ffff,"
    "#7fff7f,#ffff00,#ff0000,#7f0000)'></div>"
    "<div style='display:flex;justify-content:space-between'><span>0</span>"
    "<span>CAM: where the model looked</span><span>1</span></div></div>"
)


def verdict(probabilities: dict[str, float] | None, threshold: float, good: str) -> str:
    """ "pass" when ``1 - p(good)`` is below ``threshold``, else "fail" ("" without ``good``)."""
    if not probabilities or good not in probabilities:
        return ""
    return "fail" if 1.0 - float(probabilities[good]) >= threshold else "pass"


def csv_link(rows: list[dict[str, Any]], name: str = "inspection.csv") -> str:
    """An HTML link that downloads ``rows`` as CSV (the data travel inside the link)."""
    import pandas as pd

    data = base64.b64encode(pd.DataFrame(rows).to_csv(index=False).encode()).decode()
    return (
        f"<a class='dtwin-csv' download='{html.escape(name)}' "
        f"href='data:text/csv;base64,{data}'>⤓ download the table as CSV</a>"
    )


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
        method: str = "",
        good_class: str = "good",
        threshold: float = 0.5,
    ):
        self.classify = classify
        self.explain = explain
        if load_image is None:
            from dtwin.vision import load_image
        self.load_image = load_image
        self.inspections: list[Inspection] = []
        self.files: list[tuple[str, bytes | np.ndarray]] = []
        self.truths: list[str | None] | None = None
        self._lock = threading.RLock()  # refresh() may come from a loader thread
        self.max_upload_bytes = max_upload_bytes
        self.upload = w.FileUpload(accept="image/*", multiple=True, description="Upload images")
        self.upload.tooltip = upload_hint(max_upload_bytes)
        self.upload.observe(self._on_upload, "value")
        self.cam_toggle = w.Checkbox(value=explain is not None, description="CAM overlay")
        self.cam_toggle.disabled = explain is None
        self.cam_toggle.observe(lambda _: self.refresh(), "value")
        self.method = method
        self.good_class = good_class
        self._make_controls(threshold)
        self.current: Inspection | None = None
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
                w.HBox([self.upload, self.cam_toggle, self.opacity, self.picker]),
                w.HBox([self.status, self.progress]),
                self.message,
                w.HBox(
                    [
                        self.image,
                        w.VBox([self.overlay, self.colorbar, self.cam_info]),
                        w.VBox([self.prediction, self.probabilities]),
                    ]
                ),
                self.threshold,
                self.table,
            ]
        )
        self.add_class("dtwin-defect-viewer")

    def _make_controls(self, threshold: float) -> None:
        """The opacity and pass/fail sliders, the status line, CAM progress and colour bar."""
        self.opacity = w.FloatSlider(
            value=0.45, min=0.0, max=1.0, step=0.05, description="opacity", readout_format=".0%"
        )
        self.opacity.observe(lambda _: self._redraw_overlay(), "value")
        self.threshold = w.FloatSlider(
            value=threshold,
            min=0.05,
            max=0.95,
            step=0.05,
            description="fail at",
            readout_format=".0%",
            tooltip="a part fails when the probability of a defect, 1 - p(good), reaches this",
        )
        self.threshold.observe(lambda _: self._redraw_table(), "value")
        self.status = w.HTML()
        self.status.add_class("dtwin-status")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="CAMs")
        self.progress.layout.display = "none"
        self.cam_info = w.HTML()
        self.cam_info.add_class("dtwin-cam-method")
        self.colorbar = w.HTML(CAM_COLORBAR)
        self.colorbar.layout.display = "none"

    # -- analysis ----------------------------------------------------------------------------
    def inspect(
        self,
        files: Sequence[tuple[str, bytes | np.ndarray]],
        explain: bool = True,
        truths: Sequence[str | None] | None = None,
    ) -> list[Inspection]:
        """Classify (and explain) every file; unreadable files get an error, not an exception.

        ``truths``: the true class of each file when known (a labelled batch), else None.
        """
        results: list[Inspection] = []
        images: list[np.ndarray] = []
        truths = list(truths) if truths is not None else [None] * len(files)
        for (name, content), truth in zip(files, truths, strict=True):
            results.append(self._read(name, content, truth))
            if results[-1].image is not None:
                images.append(results[-1].image)
        if images:
            self._classify(results, images)
            if explain and self.explain is not None and self.cam_toggle.value:
                self._explain_all([r for r in results if r.image is not None])
        return results

    def _read(self, name: str, content: bytes | np.ndarray, truth: str | None) -> Inspection:
        if isinstance(content, bytes | bytearray) and len(content) > self.max_upload_bytes:
            return Inspection(name, error=too_large(name, len(content), self.max_upload_bytes))
        try:
            image = content if isinstance(content, np.ndarray) else self.load_image(content)
        except Exception as error:
            return Inspection(name, error=unreadable(name, error))
        return Inspection(name, image=image, truth=truth)

    def _classify(self, results: list[Inspection], images: list[np.ndarray]) -> None:
        predictions = iter(self.classify(images))
        for item in results:
            if item.image is not None:
                pred = next(predictions)
                item.label, item.ms = pred.label, float(pred.ms)
                item.probabilities = dict(pred.probabilities)

    def _explain_all(self, items: list[Inspection]) -> None:
        """CAMs one by one, with a progress bar when there are several."""
        self.progress.max, self.progress.value = max(len(items), 1), 0
        self.progress.layout.display = None if len(items) > 1 else "none"
        self.status.value = f"<i>computing {len(items)} CAM overlay(s)…</i>"
        try:
            for item in items:
                try:
                    result = self.explain(item.image)
                    item.overlay = np.asarray(result.overlay)
                    cam = getattr(result, "cam", None)
                    item.cam = None if cam is None else np.asarray(cam)
                    self.method = getattr(result, "method", "") or self.method
                except Exception as error:
                    item.error = f"{item.name}: no CAM overlay ({describe(error)})"
                self.progress.value += 1
        finally:
            self.progress.layout.display = "none"
            self.status.value = ""

    def show_files(
        self,
        files: Sequence[tuple[str, bytes | np.ndarray]],
        explain: bool = True,
        truths: Sequence[str | None] | None = None,
    ) -> None:
        """Inspect ``files`` and show them (the first readable one in detail, all in the table).

        ``explain=False`` skips the CAM (e.g. while the explainer is still loading); ``truths``
        (one class or None per file) adds a truth column and the accuracy to the table.
        """
        with self._lock:
            self._show_files(list(files), explain, truths)

    def refresh(self) -> None:
        """Inspect the files shown again (e.g. once the explainer has loaded)."""
        self.show_files(self.files, truths=self.truths)

    def _show_files(
        self,
        files: list[tuple[str, bytes | np.ndarray]],
        explain: bool,
        truths: Sequence[str | None] | None,
    ) -> None:
        self.message.clear()
        self.files = files
        self.truths = list(truths) if truths is not None else None
        self.inspections = self.inspect(files, explain, truths)
        good = [i for i in self.inspections if i.image is not None]
        errors = [i.error for i in self.inspections if i.error]
        if errors:
            kind = "error" if not good else "warning"
            self.message.show("; ".join(errors), kind=kind)
        self._redraw_table()
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
        self.current = item
        self._redraw_overlay()

    def _redraw_overlay(self) -> None:
        """The current image's overlay at the chosen opacity, its colour bar and method."""
        item = self.current
        if item is None or item.overlay is None:
            self.overlay.layout.display = self.colorbar.layout.display = "none"
            self.cam_info.value = (
                "<i>loading the explainer (PyTorch) — the overlay follows</i>"
                if item is not None and self.explain is not None and self.cam_toggle.value
                else ""
            )
            return
        overlay = item.overlay
        if (
            item.cam is not None
            and item.image is not None
            and item.cam.shape == item.image.shape[:2]
        ):
            from dtwin.vision import overlay_cam

            overlay = overlay_cam(np.asarray(item.image, np.uint8), item.cam, self.opacity.value)
        self.overlay.value = to_png(overlay)
        self.overlay.layout.display = self.colorbar.layout.display = None
        name = METHOD_NAMES.get(self.method, self.method) or "a CAM"
        self.cam_info.value = f"overlay drawn with <b>{html.escape(name)}</b>"

    def clear_detail(self) -> None:
        """Show nothing in the detail area."""
        self.image.value = b""
        self.image.layout.display = "none"
        self.overlay.layout.display = "none"
        self.prediction.value = "<i>upload an image</i>"
        self.probabilities.value = ""

    def summary(self) -> list[dict[str, Any]]:
        """One row per inspected file: name, label, confidence, verdict (at the threshold),
        truth and whether the label is correct (labelled files only), ms, error."""
        rows = []
        for i in self.inspections:
            row = {
                "file": i.name,
                "label": i.label,
                "confidence": (i.probabilities or {}).get(i.label, float("nan")),
                "verdict": verdict(i.probabilities, self.threshold.value, self.good_class),
                "truth": i.truth or "",
                "correct": "" if not (i.truth and i.label) else i.truth == i.label,
                "ms": i.ms,
                "error": i.error,
            }
            rows.append(row)
        return rows

    def accuracy(self) -> tuple[int, int]:
        """(correct, labelled and classified) over the files shown."""
        scored = [r for r in self.summary() if r["correct"] != ""]
        return sum(bool(r["correct"]) for r in scored), len(scored)

    def _redraw_table(self) -> None:
        self.table.value = self._table_html() if len(self.inspections) > 1 else ""

    def _table_html(self) -> str:
        rows = self.summary()
        counts: dict[str, int] = {}
        for r in rows:
            if r["label"]:
                counts[r["label"]] = counts.get(r["label"], 0) + 1
        labelled = any(r["truth"] for r in rows)
        body = "".join(self._row_html(r, labelled) for r in rows)
        per_class = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        fails = sum(r["verdict"] == "fail" for r in rows)
        passes = sum(r["verdict"] == "pass" for r in rows)
        head = (
            f"<div><b>{len(rows)} files</b> — {html.escape(per_class)} · "
            f"<span class='dtwin-pass-fail'>pass {passes}, fail {fails} "
            f"(fail when P(defect) ≥ {self.threshold.value:.0%})</span></div>"
        )
        if labelled:
            correct, n = self.accuracy()
            head += (
                f"<div class='dtwin-accuracy'>accuracy on this labelled batch: "
                f"<b>{correct}/{n} = {correct / n:.1%}</b></div>"
                if n
                else ""
            )
        truth_head = "<th>truth</th>" if labelled else ""
        return (
            head + "<table style='font-size:12px'><tr><th>file</th><th>class</th>"
            f"<th>confidence</th><th>verdict</th>{truth_head}<th>note</th></tr>{body}</table>"
            + csv_link(rows)
        )

    @staticmethod
    def _row_html(r: dict[str, Any], labelled: bool) -> str:
        confidence = "" if r["error"] and not r["label"] else format(r["confidence"], ".1%")
        truth = ""
        if labelled:
            mark = {True: " ✓", False: " ✗", "": ""}[r["correct"]]
            truth = f"<td class='dtwin-truth'>{html.escape(r['truth'])}{mark}</td>"
        return (
            f"<tr><td>{html.escape(r['file'])}</td>"
            f"<td><b>{html.escape(r['label'] or '—')}</b></td><td>{confidence}</td>"
            f"<td>{r['verdict']}</td>{truth}<td>{html.escape(r['error'])}</td></tr>"
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
