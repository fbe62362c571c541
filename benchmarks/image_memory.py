"""Peak memory of reading one image: a 36000x36000 PNG bomb and the largest images accepted.

A PNG of constant rows compresses ~1000:1, so a file of about a megabyte can declare more than
a billion pixels; decoded, that would cost gigabytes. ``dtwin.vision.open_image`` refuses any
image over ``MAX_PIXELS`` (50 MP) from its header, before a pixel is decoded. This script writes
such files (in strips, to a temporary folder outside the repository) and measures the peak
resident memory (``ru_maxrss``) of a fresh process that runs ``dtwin vision predict`` with the
shipped model on each, against the same command on a small image.

    .venv/bin/python benchmarks/image_memory.py [--side 36000] [--keep DIR]

Each measurement runs in its own child process under an address-space limit (``--limit-gb``),
so a regression fails with MemoryError instead of taking the machine's memory.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "defects" / "model.onnx"

# PNG colour types: grey 0, RGB 2, grey+alpha 4, RGBA 6
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}

_CHILD = r"""
import json, resource, sys
limit = int(float(sys.argv[1]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from dtwin.cli import main
code = 0
try:
    main(["vision", "predict", sys.argv[2], sys.argv[3]])
except SystemExit as exc:
    code = exc.code
except MemoryError:
    code = "MemoryError"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"exit": code, "peak_bytes": peak}))
"""


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def write_png(path: Path, width: int, height: int, colour_type: int = 0, depth: int = 8) -> Path:
    """Write a valid PNG of a flat grey surface with one dark scratch, one strip at a time.

    Memory stays at one row; the file is small because the rows repeat.
    """
    channels = _CHANNELS[colour_type]
    bytes_per_sample = depth // 8
    pixel = bytes([140] * bytes_per_sample) * channels
    if colour_type in (4, 6):  # opaque alpha
        pixel = pixel[:-bytes_per_sample] + b"\xff" * bytes_per_sample
    plain = b"\x00" + pixel * width
    dark = bytes([40] * bytes_per_sample) * channels
    if colour_type in (4, 6):
        dark = dark[:-bytes_per_sample] + b"\xff" * bytes_per_sample
    x0, x1 = width // 3, width // 3 + max(1, width // 400)
    scratch = b"\x00" + pixel * x0 + dark * (x1 - x0) + pixel * (width - x1)
    comp = zlib.compressobj(9)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    with path.open("wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr))
        for y in range(height):
            row = scratch if height // 4 <= y < height // 2 else plain
            data = comp.compress(row)
            if data:
                fh.write(_chunk(b"IDAT", data))
        fh.write(_chunk(b"IDAT", comp.flush()) + _chunk(b"IEND", b""))
    return path


def peak_memory(image: Path, limit_gb: float) -> dict:
    """Exit status and peak RSS of a fresh process running ``dtwin vision predict`` on ``image``."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(limit_gb), str(MODEL), str(image)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"exit": proc.returncode, "peak_bytes": 0}
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["stderr"] = proc.stderr.strip().splitlines()[-1:] or [""]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=36000, help="side of the bomb PNG (px)")
    parser.add_argument("--limit-gb", type=float, default=6.0, help="address-space cap per run")
    parser.add_argument("--keep", type=Path, default=None, help="write the images here instead")
    args = parser.parse_args()

    from dtwin.vision.images import MAX_PIXELS

    edge = int(MAX_PIXELS**0.5)  # the largest square accepted: 7071 x 7071
    cases = [
        ("small 128x128 grey (baseline)", 128, 0, 8),
        (f"{args.side}x{args.side} grey PNG (bomb)", args.side, 0, 8),
        (f"{edge}x{edge} grey, 8-bit (largest accepted)", edge, 0, 8),
        (f"{edge}x{edge} grey, 16-bit", edge, 0, 16),
        (f"{edge}x{edge} RGB, 8-bit", edge, 2, 8),
        (f"{edge}x{edge} RGBA, 8-bit", edge, 6, 8),
    ]
    with tempfile.TemporaryDirectory(prefix="dtwin-image-memory-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"model {MODEL.relative_to(ROOT)}; MAX_PIXELS = {MAX_PIXELS:,}; files in {folder}")
        print(f"{'image':44} {'file':>9} {'exit':>5} {'peak RSS':>10} {'seconds':>8}")
        baseline = None
        for label, side, colour, depth in cases:
            path = write_png(folder / f"img_{side}_{colour}_{depth}.png", side, side, colour, depth)
            found = peak_memory(path, args.limit_gb)
            peak_mb = found["peak_bytes"] / 2**20
            baseline = baseline if baseline is not None else peak_mb
            size = path.stat().st_size
            print(
                f"{label:44} {size / 1024:7.0f} KB {found['exit']!s:>5} {peak_mb:8.0f} MB "
                f"{found['seconds']:8.1f}   ({peak_mb - baseline:+.0f} MB over baseline)"
            )
            if found["exit"] not in (0, 2):
                print(f"    unexpected: {found['stderr'][0]}")
            if side == args.side:
                print(f"    {found['stderr'][0]}")


if __name__ == "__main__":
    main()
