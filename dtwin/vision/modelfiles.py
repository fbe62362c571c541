"""Recognising model files before loading them, so a wrong file gets a message, not a traceback.

``dtwin vision explain`` takes a PyTorch ``checkpoint.pt`` and ``dtwin vision predict`` an ONNX
``model.onnx``; both are written side by side by ``dtwin vision train --out DIR``. A text file,
an empty or truncated file, a folder, or the other one of the two is named with what it is and
what would be valid. Only the first bytes are read (no PyTorch or onnxruntime import).
"""

from __future__ import annotations

from pathlib import Path

from dtwin.errors import VisionError

CHECKPOINT_HINT = (
    "a checkpoint is the checkpoint.pt that `dtwin vision train --out DIR` writes "
    "(a zip archive of PyTorch weights and the model card)"
)
ONNX_HINT = "an ONNX model is the model.onnx that `dtwin vision train --out DIR` writes"

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL = b"\x80"  # torch's legacy (pre-zip) format is a pickle stream
_ONNX_FIRST_BYTE = 0x08  # ModelProto field 1 (ir_version), varint


def file_kind(path: Path) -> str:
    """What the first bytes of ``path`` say it is: zip, pickle, onnx, text, empty or binary."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        return "empty"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_PICKLE_PROTOCOL):
        return "pickle"
    if head[0] == _ONNX_FIRST_BYTE and len(head) > 1 and 0 < head[1] < 0x20:
        return "onnx"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a cut multi-byte character at the end is still text
                return "binary"
        return "text"
    return "binary"


def _check_exists(path: Path, what: str, name: str, hint: str) -> None:
    if path.is_dir():
        inner = path / name
        suggestion = f"; did you mean {inner}?" if inner.is_file() else f"; {hint}"
        raise VisionError(f"{what} {path} is a folder, not a file{suggestion}")
    if not path.is_file():
        raise VisionError(f"{what} {path} does not exist; {hint}")


_DESCRIBE = {
    "empty": "is empty (0 bytes)",
    "text": "is a text file",
    "onnx": "is an ONNX model (use it with `dtwin vision predict`)",
    "zip": "is a zip archive such as a PyTorch checkpoint (use it with `dtwin vision explain`)",
    "pickle": "is a pickle file",
    "binary": "is not a model file this tool knows",
}


def check_checkpoint_file(path: str | Path) -> Path:
    """Refuse what cannot be a checkpoint (missing, folder, empty, text, ONNX) before loading."""
    path = Path(path)
    _check_exists(path, "checkpoint", "checkpoint.pt", CHECKPOINT_HINT)
    kind = file_kind(path)
    if kind not in ("zip", "pickle"):
        raise VisionError(
            f"checkpoint {path} {_DESCRIBE[kind]}, not a checkpoint; {CHECKPOINT_HINT}"
        )
    return path


def check_onnx_file(path: str | Path) -> Path:
    """Refuse what cannot be an ONNX model (missing, folder, empty, text, a checkpoint)."""
    path = Path(path)
    _check_exists(path, "ONNX model", "model.onnx", ONNX_HINT)
    kind = file_kind(path)
    if kind in ("empty", "text", "zip", "pickle"):
        raise VisionError(f"ONNX model {path} {_DESCRIBE[kind]}, not an ONNX model; {ONNX_HINT}")
    return path


def first_line(exc: BaseException, limit: int = 160) -> str:
    """The first sentence of an exception's message (PyTorch's and onnxruntime's run long)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = text.split(". ")[0].rstrip(".:")
    return text if len(text) <= limit else text[: limit - 3] + "..."
