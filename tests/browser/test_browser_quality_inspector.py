"""Quality inspector app: an uploaded image gets a class and a CAM overlay; text gets a message;
the overlay names its method (Grad-CAM++ by default), has an opacity control and a colour bar; a
labelled batch shows truth, accuracy and pass/fail and exports CSV (issue 19)."""

import base64
import csv
import io

from PIL import Image
from voila_harness import OVERLAY_DRAWN_JS, assert_no_errors, open_app, screenshot

from dtwin.vision import generate_sample

VIEWER = ".dtwin-defect-viewer"
UPLOAD_BUTTON = f"{VIEWER} .widget-upload"


def upload(page, path) -> None:
    """Pick ``path`` in the FileUpload's chooser (its <input> is not part of the DOM)."""
    with page.expect_file_chooser() as chooser:
        page.click(UPLOAD_BUTTON)
    chooser.value.set_files(str(path))


def test_quality_inspector_upload_image_and_text(page, server, tmp_path):
    open_app(page, server, "quality_inspector", f"{VIEWER} .dtwin-prediction")
    image_path = tmp_path / "crack_part.png"
    Image.fromarray(generate_sample("crack", size=128, seed=7).image).save(image_path)

    upload(page, image_path)
    page.wait_for_function(
        "() => document.querySelector('.dtwin-prediction').innerText.includes('crack_part.png')"
    )
    text = page.inner_text(".dtwin-prediction")
    assert "class" in text and "%" in text
    label = page.inner_text(".dtwin-label")
    assert label, "no class shown"
    assert page.locator(".dtwin-probabilities tr").count() >= 2
    page.wait_for_function(OVERLAY_DRAWN_JS, timeout=90_000)  # Grad-CAM needs PyTorch loaded
    assert_no_errors(page)
    screenshot(page, "quality_inspector_uploaded_image")

    notes = tmp_path / "notes.txt"
    notes.write_text("this is not an image\n")
    upload(page, notes)
    page.wait_for_selector(".dtwin-message:has-text('notes.txt')")
    message = page.inner_text(".dtwin-message")
    assert "not an image" in message, message


def test_quality_inspector_large_upload_gets_message_and_app_stays_usable(page, server, tmp_path):
    """Issue 14: 12 MB and more dropped the kernel connection without a word."""
    import numpy as np

    from widgets.defects import MAX_UPLOAD_BYTES

    open_app(page, server, "quality_inspector", f"{VIEWER} .dtwin-prediction")
    huge = tmp_path / "huge_scan.png"
    huge.write_bytes(b"\x89PNG" + bytes(MAX_UPLOAD_BYTES + 5 * 2**20))  # 25 MB
    upload(page, huge)
    page.wait_for_selector(".dtwin-message:has-text('huge_scan.png')", timeout=90_000)
    message = page.inner_text(".dtwin-message")
    assert f"at most {MAX_UPLOAD_BYTES / 2**20:g} MB" in message, message

    noisy = tmp_path / "noisy_12mb.png"  # above tornado's 10 MiB default, within the limit
    pixels = np.random.default_rng(0).integers(0, 256, (2000, 2000, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(noisy, compress_level=0)
    assert noisy.stat().st_size > 11 * 2**20
    upload(page, noisy)
    page.wait_for_function(
        "() => document.querySelector('.dtwin-prediction').innerText.includes('noisy_12mb.png')",
        timeout=90_000,
    )
    assert "class" in page.inner_text(".dtwin-prediction")
    assert_no_errors(page)


def test_quality_inspector_method_opacity_and_labelled_batch(page, server):
    page.goto(server.app_url("quality_inspector"))
    # while PyTorch loads the page says so; then the overlay names the method drawn
    page.wait_for_selector(f"{VIEWER} .dtwin-prediction", timeout=90_000)
    page.wait_for_function(OVERLAY_DRAWN_JS, timeout=90_000)
    page.wait_for_selector(".dtwin-cam-method:has-text('Grad-CAM++')")
    assert page.locator(".dtwin-colorbar").is_visible()
    assert_no_errors(page)
    before = page.get_attribute(".dtwin-overlay", "src")
    page.focus(".widget-hslider:has(label:text-is('opacity')) .noUi-handle")
    page.keyboard.press("End")  # opacity 100%: a stronger overlay, drawn again by the kernel
    page.wait_for_function(
        "(s) => document.querySelector('.dtwin-overlay').getAttribute('src') !== s", arg=before
    )

    page.click("button:has-text('Inspect a synthetic batch')")
    page.wait_for_selector(".dtwin-accuracy", timeout=90_000)
    batch = page.inner_text(".dtwin-batch")
    assert "accuracy on this labelled batch" in batch and "/8 = " in batch, batch
    assert "truth" in batch and "verdict" in batch, batch
    counts = page.inner_text(".dtwin-pass-fail")
    assert "pass" in counts and "fail" in counts and "50%" in counts, counts
    # a stricter threshold fails more parts
    page.focus(".widget-hslider:has(label:text-is('fail at')) .noUi-handle")
    page.keyboard.press("Home")
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-pass-fail').innerText !== t", arg=counts
    )
    assert "5%" in page.inner_text(".dtwin-pass-fail")
    # the CSV download carries the table
    href = page.get_attribute(".dtwin-csv", "href")
    assert href.startswith("data:text/csv;base64,")
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(href.split(",", 1)[1]).decode())))
    assert len(rows) == 8 and {"file", "label", "verdict", "truth", "correct"} <= set(rows[0])
    assert {r["truth"] for r in rows} == {"crack", "good", "hole", "scratch", "stain"}
    assert_no_errors(page)
    screenshot(page, "quality_inspector_labelled_batch")
