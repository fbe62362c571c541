"""Quality inspector app: an uploaded image gets a class and a CAM overlay; text gets a message."""

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
