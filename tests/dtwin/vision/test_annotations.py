"""Real-data layouts: masks beside images, parallel mask folders, VOC and YOLO boxes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dtwin.errors import DataError
from dtwin.vision.annotations import read_boxes
from dtwin.vision.datasets import load_boxes, load_region, scan_image_folder


def _img(path, size=(40, 30), value=128, mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)
    return path


def _mask(path, size=(40, 30), box=(5, 6, 15, 12)):
    arr = np.zeros((size[1], size[0]), np.uint8)
    arr[box[1] : box[3], box[0] : box[2]] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def test_magnetic_tile_layout_masks_beside_images_are_not_images(tmp_path):
    # <Class>/Imgs/<stem>.jpg with <stem>.png masks beside them
    for cls in ("MT_Blowhole", "MT_Free"):
        for i in range(2):
            _img(tmp_path / cls / "Imgs" / f"exp{i}.jpg")
            _mask(
                tmp_path / cls / "Imgs" / f"exp{i}.png",
                box=(0, 0, 0, 0) if cls == "MT_Free" else (5, 6, 15, 12),
            )
    found = scan_image_folder(tmp_path)
    assert found.counts() == {"MT_Blowhole": 2, "MT_Free": 2}
    assert all(p.suffix == ".jpg" for p in found.paths)
    assert all(m is not None and m.suffix == ".png" for m in found.masks)
    region = load_region(found, 0)
    assert region.shape == (30, 40) and region.sum() == 10 * 6
    assert not load_region(found, 2).any()
    assert load_boxes(found, 0) == [(5, 6, 15, 12)]


def test_parallel_images_and_masks_folders(tmp_path):
    for cls in ("crack", "good"):
        _img(tmp_path / cls / "images" / "a.bmp")
        _mask(tmp_path / cls / "masks" / "a.png")
    found = scan_image_folder(tmp_path)
    assert found.counts() == {"crack": 1, "good": 1}
    assert [m.parent.name for m in found.masks] == ["masks", "masks"]
    assert load_region(found, 0).sum() == 60


def test_voc_boxes_in_an_annotations_folder(tmp_path):
    for cls in ("crazing", "scratches"):
        _img(tmp_path / "images" / cls / f"{cls}_1.jpg", size=(200, 200))
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "crazing_1.xml").write_text(
        "<annotation><object><name>crazing</name><bndbox><xmin>11</xmin><ymin>21</ymin>"
        "<xmax>50</xmax><ymax>60</ymax></bndbox></object></annotation>"
    )
    found = scan_image_folder(tmp_path / "images")
    assert found.boxes[0] is not None and found.boxes[1] is None
    assert load_boxes(found, 0) == [(10, 20, 50, 60)]
    assert load_region(found, 0).sum() == 40 * 40


def test_yolo_boxes_beside_images_and_in_labels(tmp_path):
    _img(tmp_path / "dent" / "a.png", size=(100, 50))
    (tmp_path / "dent" / "a.txt").write_text("0 0.5 0.5 0.2 0.4\n\n")
    _img(tmp_path / "ok" / "images" / "b.png", size=(100, 50))
    (tmp_path / "ok" / "labels").mkdir()
    (tmp_path / "ok" / "labels" / "b.txt").write_text("")
    found = scan_image_folder(tmp_path)
    assert found.counts() == {"dent": 1, "ok": 1}
    assert load_boxes(found, 0) == [(40, 15, 60, 35)]
    assert found.boxes[1] is not None and load_boxes(found, 1) == []


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("a.txt", "0 0.5 zero 0.1 0.1", "line 1"),  # a non-number
        ("b.txt", "0 0.5 0.5", "line 1"),  # too few fields
        ("c.xml", "<annotation><object>", "not valid Pascal VOC"),  # cut XML
        (
            "d.xml",
            "<annotation><object><bndbox><xmin>a</xmin></bndbox></object></annotation>",
            "numeric",
        ),
    ],
    ids=["yolo-not-a-number", "yolo-short-line", "voc-truncated", "voc-not-numeric"],
)
def test_bad_box_files_name_the_file(tmp_path, name, text, match):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DataError, match=match) as info:
        read_boxes(path, 10, 10)
    assert name in str(info.value)


def test_voc_entity_expansion_is_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><annotation>&x;</annotation>'
    )
    with pytest.raises(DataError, match="bomb.xml"):
        read_boxes(path, 10, 10)
