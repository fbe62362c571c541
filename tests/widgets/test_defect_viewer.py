import datetime
import io
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from dtwin.errors import DataError
from widgets.defects import DefectViewer, probabilities_html, to_png


@dataclass
class FakePrediction:
    label: str
    probabilities: dict
    ms: float = 1.0


@dataclass
class FakeCam:
    overlay: np.ndarray


def classify(images):
    return [
        FakePrediction("scratch" if img.mean() > 100 else "good", {"good": 0.2, "scratch": 0.8})
        for img in images
    ]


def explain(image):
    return FakeCam(np.zeros_like(image))


def load_image(data: bytes) -> np.ndarray:
    try:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    except Exception as error:
        raise DataError(f"cannot read image <bytes>: {error} (not an image)") from error


def png(value: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def viewer():
    return DefectViewer(classify, explain, load_image=load_image)


def test_image_shows_class_probabilities_and_overlay(viewer):
    viewer.show_files([("bright.png", png(200))])
    assert "scratch" in viewer.prediction.value and "80.0%" in viewer.prediction.value
    assert "dtwin-probabilities" in viewer.probabilities.value
    assert viewer.image.value[:4] == b"\x89PNG"
    assert viewer.overlay.value[:4] == b"\x89PNG" and viewer.overlay.layout.display is None
    assert viewer.message.text == ""


def test_non_image_upload_shows_clear_message(viewer):
    viewer.upload.value = (
        {
            "name": "notes.txt",
            "content": memoryview(b"hello"),
            "size": 5,
            "type": "text/plain",
            "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        },
    )
    assert viewer.message.kind == "error"
    assert "notes.txt" in viewer.message.text and "not an image" in viewer.message.text
    assert viewer.prediction.value == "<i>upload an image</i>"


def test_batch_table_and_picker(viewer):
    viewer.show_files([("a.png", png(200)), ("b.png", png(10)), ("c.txt", b"nope")])
    rows = viewer.summary()
    assert [r["label"] for r in rows] == ["scratch", "good", ""]
    assert "3 files" in viewer.table.value and "c.txt" in viewer.table.value
    assert viewer.message.kind == "warning"  # some files were fine
    assert list(viewer.picker.options) == ["a.png", "b.png"]
    viewer.picker.value = "b.png"
    assert "good" in viewer.prediction.value


def test_cam_off_hides_overlay(viewer):
    viewer.cam_toggle.value = False
    viewer.show_files([("a.png", png(200))])
    assert viewer.overlay.layout.display == "none"


def test_without_explainer_cam_disabled():
    viewer = DefectViewer(classify, None, load_image=load_image)
    assert viewer.cam_toggle.disabled
    viewer.show_files([("a.png", png(200))])
    assert viewer.overlay.layout.display == "none"


def test_to_png_enlarges_small_images():
    data = to_png(np.zeros((16, 8, 3), np.uint8), side=64)
    assert Image.open(io.BytesIO(data)).size == (32, 64)


def test_probabilities_sorted_highest_first():
    text = probabilities_html({"a": 0.1, "b": 0.9})
    assert text.index(">b<") < text.index(">a<")


def test_refresh_adds_overlay_after_explain_off(viewer):
    viewer.show_files([("a.png", png(200))], explain=False)
    assert viewer.overlay.layout.display == "none"
    viewer.refresh()
    assert viewer.overlay.layout.display is None


def test_pil_noise_removed_from_message():
    from widgets.defects import unreadable

    error = DataError(
        "cannot read image <bytes>: cannot identify image file <_io.BytesIO object at 0x7f3a>"
    )
    assert unreadable("a.txt", error) == (
        "a.txt is not a readable image: cannot read image a.txt: cannot identify image file"
    )


def upload_value(*files: tuple[str, bytes]) -> tuple[dict, ...]:
    """A FileUpload value (ipywidgets 8) holding ``files``."""
    stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return tuple(
        {"name": n, "content": memoryview(c), "size": len(c), "type": "", "last_modified": stamp}
        for n, c in files
    )


@pytest.mark.parametrize(
    ("files", "kind", "named"),
    [
        ([("huge.png", b"\0" * 2049)], "error", ["huge.png"]),
        ([("huge.png", b"\0" * 2049), ("ok.png", None)], "warning", ["huge.png"]),
        ([("a.png", b"\0" * 4000), ("b.jpg", b"\0" * 3000)], "error", ["a.png", "b.jpg"]),
    ],
    ids=["one-large-file", "large-and-good-file", "two-large-files"],
)
def test_upload_over_limit_named_with_limit_and_app_stays_usable(files, kind, named):
    viewer = DefectViewer(classify, explain, load_image=load_image, max_upload_bytes=2048)
    good = png(200)
    viewer.upload.value = upload_value(*[(n, good if c is None else c) for n, c in files])
    assert viewer.message.kind == kind
    for name in named:
        assert f"{name} is 0.0 MB; files of at most 0.00195312 MB" in viewer.message.text
    assert viewer.upload.value == ()  # the bytes are dropped once inspected
    viewer.upload.value = upload_value(("next.png", good))  # a later upload is answered
    assert viewer.message.text == "" and "next.png" in viewer.prediction.value


def test_default_upload_limit_and_hint_quote_the_vision_limits():
    from dtwin.vision import MAX_PIXELS
    from widgets.defects import MAX_UPLOAD_BYTES, too_large
    from widgets.serving import WEBSOCKET_MAX_MESSAGE_BYTES

    viewer = DefectViewer(classify, explain, load_image=load_image)
    assert viewer.max_upload_bytes == MAX_UPLOAD_BYTES == 20 * 2**20
    assert MAX_UPLOAD_BYTES < WEBSOCKET_MAX_MESSAGE_BYTES  # refused in Python, not dropped
    assert f"{MAX_PIXELS / 1e6:g} megapixels" in viewer.upload.tooltip
    assert too_large("x.tif", 31 * 2**20) == (
        "x.tif is 31.0 MB; files of at most 20 MB can be uploaded - scale the image down "
        "or save it compressed (PNG or JPEG)"
    )


def test_too_many_pixels_refused_by_vision_opener_before_decoding():
    """The default loader is dtwin.vision's: a 20000x20000 PNG header is refused, named."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # ~50 KB file, 400 MP declared
    viewer = DefectViewer(classify, explain)
    viewer.upload.value = upload_value(("bomb.png", out.getvalue()))
    assert viewer.message.kind == "error"
    assert "bomb.png" in viewer.message.text and "too large" in viewer.message.text
    assert "<uploaded bytes>" not in viewer.message.text
