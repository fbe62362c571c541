"""The plant's camera: a seeded pool of synthetic part images and the draw of one per part.

At every ``kind: inspection`` station each part is photographed. The camera alone reads the
simulator's hidden truth (:class:`dtwin.sim.InspectionFact.defective`): it draws an image of
that state from a pool made once per run with ``dtwin.vision.synth`` (a defect image when the
part is defective, a good one otherwise), so that a month of parts stays fast. The twin never
sees the truth, only what its classifier says about the image.

The pool's seeds are derived from the run's seed and a fixed salt, so they are not the seeds
the shipped model was trained on (``dtwin vision train`` draws from seed 0 and its own
splits); every pool image is new to the model.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dtwin.errors import ConfigError
from dtwin.vision import CLASSES, generate_sample

GOOD = "good"
POOL_SALT = 7_919_003  # keeps pool seeds away from the training sets' seeds
MAX_POOL_PER_CLASS = 1_000


@dataclass(frozen=True)
class Photo:
    """One photograph: the pool image it shows and (for the camera's books only) the truth."""

    index: int
    truly_defective: bool

    @property
    def ref(self) -> str:
        """How events name the image: its pool index."""
        return f"pool:{self.index}"


class ImagePool:
    """``per_class`` synthetic images of every synthetic class, made once from ``seed``.

    ``images`` is (N, size, size, 3) uint8; ``labels[i]`` is the class of image ``i``. The
    size is the generator's default (128 px), as ``dtwin vision train`` makes its images;
    the classifier resizes them to its own input. With ``cache`` the images are read from
    (or, the first time, written to) :func:`pool_cache_dir`: the pool is pre-generated once
    per machine, as a plant's camera model would be. :func:`shared_pool` keeps one cached pool
    per process and (seed, per_class, size), so replications share it.
    """

    def __init__(
        self, seed: int = 0, per_class: int = 32, size: int = 128, cache: bool = False
    ) -> None:
        if isinstance(per_class, bool) or not isinstance(per_class, int):
            raise ConfigError(f"image pool: per_class must be an integer, got {per_class!r}")
        if not 1 <= per_class <= MAX_POOL_PER_CLASS:
            raise ConfigError(
                f"image pool: per_class must be in 1..{MAX_POOL_PER_CLASS}, got {per_class}"
            )
        make = _cached if cache else _generate
        self.size = size
        self.images = make(int(seed), per_class, size)
        self.labels = tuple(label for label in CLASSES for _ in range(per_class))
        self.good = tuple(i for i, lab in enumerate(self.labels) if lab == GOOD)
        self.defects = tuple(i for i, lab in enumerate(self.labels) if lab != GOOD)

    def __len__(self) -> int:
        return len(self.labels)


def _generate(seed: int, per_class: int, size: int) -> np.ndarray:
    """The pool's pixels, class by class in ``CLASSES`` order."""
    rng = np.random.default_rng([seed, POOL_SALT])
    seeds = rng.integers(0, 2**31 - 1, size=(len(CLASSES), per_class))
    return np.stack([
        generate_sample(label, size, int(seeds[c, i])).image
        for c, label in enumerate(CLASSES)
        for i in range(per_class)
    ])  # fmt: skip


def pool_cache_dir() -> Path:
    """Where pre-generated pools live: ``$DTWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/dtwin``
    (``~/.cache/dtwin``)."""
    own = os.environ.get("DTWIN_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dtwin"


def _cache_file(seed: int, per_class: int, size: int) -> Path:
    """One file per (generator source, seed, per_class, size): a changed generator never
    reads an old pool."""
    source = Path(inspect.getsourcefile(generate_sample) or "").read_bytes()
    key = hashlib.sha256(source + repr((seed, per_class, size, CLASSES)).encode()).hexdigest()
    return pool_cache_dir() / f"image-pool-{key[:24]}.npy"


def _cached(seed: int, per_class: int, size: int) -> np.ndarray:
    path = _cache_file(seed, per_class, size)
    shape = (len(CLASSES) * per_class, size, size, 3)
    try:
        images = np.load(path, allow_pickle=False)
        if images.shape == shape and images.dtype == np.uint8:
            return images
    except (OSError, ValueError):  # absent, unreadable or damaged: make it again
        pass
    images = _generate(seed, per_class, size)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            np.save(handle, images, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:  # a read-only home: the pool still works, it is just not kept
        pass
    return images


@functools.lru_cache(maxsize=4)
def shared_pool(seed: int = 0, per_class: int = 32, size: int = 128) -> ImagePool:
    """The pool of (seed, per_class, size): pre-generated on disk, made once per process."""
    return ImagePool(seed, per_class, size, cache=True)


class Camera:
    """Draws the image of each photographed part from ``pool`` with its own random stream."""

    def __init__(self, pool: ImagePool, seed: int = 0, replication: int = 0) -> None:
        self.pool = pool
        self._rng = random.Random(f"camera:{int(seed)}:{int(replication)}")
        self.photos = 0

    def photograph(self, defective: bool) -> Photo:
        """A photo of a part whose true state is ``defective``."""
        choices = self.pool.defects if defective else self.pool.good
        self.photos += 1
        return Photo(choices[self._rng.randrange(len(choices))], bool(defective))
