"""The raw reader: a delivered file's bytes as numbered text lines, decoded one line at a time.

Lines end at LF, CRLF or a lone CR (old Mac files), mixed freely within a file. A UTF-8 byte
order mark at the start is dropped and a UTF-16 file (recognised by its BOM) is decoded whole.
A line that is not UTF-8 text, or that holds NUL bytes, keeps its line number and is returned
decoded with U+FFFD replacements, its original bytes in hex and the reason, so that one bad
byte costs one row, never the file, and nothing delivered goes uncounted.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

_BREAK = re.compile(rb"\r\n|\r|\n")
_TEXT_BREAK = re.compile("\r\n|\r|\n")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class RawLine:
    """One line of a raw file as delivered."""

    line: int  # 1-based line number in the file
    text: str  # the decoded text (U+FFFD where bytes could not be decoded)
    raw_hex: str | None = None  # the original bytes in hex when ``text`` is not exact
    problem: str | None = None  # why the line cannot be read as text, or None


def split_lines(data: bytes) -> list[RawLine]:
    """Split raw bytes at any line ending and decode each line on its own."""
    if data.startswith(_UTF16_BOMS):
        # Not UTF-16 after all: then each line says what is wrong with it.
        with contextlib.suppress(UnicodeDecodeError):
            data = data.decode("utf-16").encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    pieces = _BREAK.split(data)
    if pieces and pieces[-1] == b"":
        pieces.pop()  # the break after the last line opens no new line
    return [decode_line(number, piece) for number, piece in enumerate(pieces, start=1)]


def clean_lines(data: bytes) -> list[str] | None:
    """The lines of a file that is UTF-8 text throughout (no NUL byte, not UTF-16), split as
    :func:`split_lines` splits them; None when some line needs the per-line reader.

    Decoding the whole file at once gives the same text as decoding each line: UTF-8 never
    puts a CR or LF byte inside a character.
    """
    if data.startswith(_UTF16_BOMS) or b"\x00" in data:
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    pieces = _TEXT_BREAK.split(text) if "\r" in text else text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()  # the break after the last line opens no new line
    return pieces


def read_lines(path: str | Path) -> list[RawLine]:
    """Read a raw file as :func:`split_lines` does (an OSError names the file)."""
    return split_lines(Path(path).read_bytes())


def decode_line(number: int, piece: bytes) -> RawLine:
    """Decode one line's bytes as UTF-8; keep the bytes and say why when that fails."""
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = piece[exc.start : exc.end]
        return RawLine(
            number,
            piece.decode("utf-8", errors="replace"),
            piece.hex(),
            f"line is not UTF-8 text: byte {bad.hex(' ')} at byte {exc.start + 1} "
            "(saved as cp1252 or Latin-1?); its bytes are kept in raw_hex",
        )
    if "\x00" in text:
        return RawLine(
            number,
            text.replace("\x00", "\ufffd"),
            piece.hex(),
            "line holds NUL bytes (a damaged or UTF-16 file?); its bytes are kept in raw_hex",
        )
    return RawLine(number, text)
