from __future__ import annotations

import numpy as np
import pytest

from dtwin.errors import ConfigError
from dtwin.twin import Camera, ImagePool, shared_pool
from dtwin.twin.camera import GOOD, MAX_POOL_PER_CLASS
from dtwin.vision import CLASSES


@pytest.fixture(scope="module")
def pools() -> dict[str, ImagePool]:
    """Two pools of seed 5 and one of seed 6, two images per class."""
    return {"a": ImagePool(5, 2), "b": ImagePool(5, 2), "other": ImagePool(6, 2)}


def test_same_seed_same_pixels(pools):
    a, b = pools["a"], pools["b"]
    assert a.images.shape == (2 * len(CLASSES), 128, 128, 3)
    assert a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images)
    assert a.labels == b.labels


def test_different_seeds_differ(pools):
    a, other = pools["a"], pools["other"]
    assert a.labels == other.labels  # the same classes in the same order ...
    assert not np.array_equal(a.images, other.images)  # ... drawn differently
    for i in range(len(a)):
        assert not np.array_equal(a.images[i], other.images[i]), i


def test_pool_holds_every_class_and_splits_good_from_defects(pools):
    pool = pools["a"]
    assert len(pool) == 2 * len(CLASSES)
    assert {lab: pool.labels.count(lab) for lab in CLASSES} == dict.fromkeys(CLASSES, 2)
    assert all(pool.labels[i] == GOOD for i in pool.good)
    assert all(pool.labels[i] != GOOD for i in pool.defects)
    assert sorted(pool.good + pool.defects) == list(range(len(pool)))


def test_images_are_not_all_alike(pools):
    pool = pools["a"]
    assert len({pool.images[i].tobytes() for i in range(len(pool))}) == len(pool)


def test_camera_draws_defect_photos_from_defect_images_only(pools):
    pool = pools["a"]
    camera = Camera(pool, seed=3)
    bad = [camera.photograph(True) for _ in range(200)]
    good = [camera.photograph(False) for _ in range(200)]
    assert all(pool.labels[p.index] != GOOD and p.truly_defective for p in bad)
    assert all(pool.labels[p.index] == GOOD and not p.truly_defective for p in good)
    assert {p.index for p in bad} == set(pool.defects)  # every defect image comes up
    assert {p.index for p in good} == set(pool.good)
    assert camera.photos == 400


def test_photo_ref_names_the_pool_image(pools):
    photo = Camera(pools["a"]).photograph(True)
    assert photo.ref == f"pool:{photo.index}"


def test_camera_stream_follows_seed_and_replication(pools):
    pool = pools["a"]

    def draws(seed, replication):
        camera = Camera(pool, seed, replication)
        return [camera.photograph(i % 3 == 0).index for i in range(60)]

    assert draws(1, 0) == draws(1, 0)
    assert draws(1, 0) != draws(1, 1)
    assert draws(1, 0) != draws(2, 0)


def test_shared_pool_is_made_once_per_key(small_pool):
    assert shared_pool(1, 4) is small_pool
    assert len(small_pool) == 4 * len(CLASSES)


@pytest.mark.parametrize(
    "per_class",
    [0, -1, MAX_POOL_PER_CLASS + 1, 2.5, True, "4"],
    ids=["zero", "negative", "over-max", "float", "bool", "string"],
)
def test_per_class_out_of_bounds_is_refused(per_class):
    with pytest.raises(ConfigError, match="image pool: per_class must be"):
        ImagePool(0, per_class)


def test_per_class_error_names_the_range():
    with pytest.raises(ConfigError, match=rf"in 1\.\.{MAX_POOL_PER_CLASS}, got 0"):
        ImagePool(0, 0)


# -- the pre-generated pool on disk -----------------------------------------------------------


def test_a_cached_pool_has_the_pixels_of_a_fresh_one(tmp_path, monkeypatch):
    from dtwin.twin.camera import ImagePool, pool_cache_dir

    monkeypatch.setenv("DTWIN_CACHE_DIR", str(tmp_path / "cache"))
    fresh = ImagePool(5, 2, 32)
    first = ImagePool(5, 2, 32, cache=True)  # writes the file
    files = list(pool_cache_dir().glob("image-pool-*.npy"))
    again = ImagePool(5, 2, 32, cache=True)  # reads it
    assert len(files) == 1
    assert (fresh.images == first.images).all() and (fresh.images == again.images).all()
    assert fresh.labels == again.labels


def test_other_pool_settings_get_their_own_file(tmp_path, monkeypatch):
    from dtwin.twin.camera import ImagePool, pool_cache_dir

    monkeypatch.setenv("DTWIN_CACHE_DIR", str(tmp_path))
    ImagePool(5, 2, 32, cache=True)
    ImagePool(6, 2, 32, cache=True)
    ImagePool(5, 3, 32, cache=True)
    assert len(list(pool_cache_dir().glob("image-pool-*.npy"))) == 3


def test_a_damaged_cache_file_is_made_again(tmp_path, monkeypatch):
    from dtwin.twin.camera import ImagePool, pool_cache_dir

    monkeypatch.setenv("DTWIN_CACHE_DIR", str(tmp_path))
    good = ImagePool(5, 2, 32, cache=True).images
    (path,) = pool_cache_dir().glob("image-pool-*.npy")
    path.write_bytes(b"not a numpy file")
    assert (ImagePool(5, 2, 32, cache=True).images == good).all()
    assert (ImagePool(5, 2, 32, cache=True).images == good).all()  # and rewritten


def test_an_unwritable_cache_still_gives_the_pool(tmp_path, monkeypatch):
    from dtwin.twin.camera import ImagePool

    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("DTWIN_CACHE_DIR", str(blocker / "cache"))
    assert (ImagePool(5, 2, 32, cache=True).images == ImagePool(5, 2, 32).images).all()
