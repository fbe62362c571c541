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
import random
from dataclasses import dataclass

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
    the classifier resizes them to its own input. :func:`shared_pool` keeps one pool per
    process and (seed, per_class, size), so replications share it.
    """

    def __init__(self, seed: int = 0, per_class: int = 32, size: int = 128) -> None:
        if isinstance(per_class, bool) or not isinstance(per_class, int):
            raise ConfigError(f"image pool: per_class must be an integer, got {per_class!r}")
        if not 1 <= per_class <= MAX_POOL_PER_CLASS:
            raise ConfigError(
                f"image pool: per_class must be in 1..{MAX_POOL_PER_CLASS}, got {per_class}"
            )
        rng = np.random.default_rng([int(seed), POOL_SALT])
        seeds = rng.integers(0, 2**31 - 1, size=(len(CLASSES), per_class))
        samples = [
            generate_sample(label, size, int(seeds[c, i]))
            for c, label in enumerate(CLASSES)
            for i in range(per_class)
        ]
        self.size = size
        self.images = np.stack([s.image for s in samples])
        self.labels = tuple(s.label for s in samples)
        self.good = tuple(i for i, lab in enumerate(self.labels) if lab == GOOD)
        self.defects = tuple(i for i, lab in enumerate(self.labels) if lab != GOOD)

    def __len__(self) -> int:
        return len(self.labels)


@functools.lru_cache(maxsize=4)
def shared_pool(seed: int = 0, per_class: int = 32, size: int = 128) -> ImagePool:
    """The pool of (seed, per_class, size), made once per process."""
    return ImagePool(seed, per_class, size)


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
