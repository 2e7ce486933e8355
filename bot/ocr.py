"""The text on a photo, line by line with its confidence: RapidOCR on the CPU, with the detection
and recognition models that ship inside its wheel (nothing is downloaded, nothing leaves the
machine). Only the scheduler process and the `read-notice` command load it."""

from __future__ import annotations

import contextlib
import ctypes
import io
import threading
from dataclasses import dataclass

# A phone photo is 12 megapixels at most; more is a decompression bomb, not a notice.
MAX_PIXELS = 40_000_000
# Shrunk to this on its longer side before reading: the paper's print stays legible and reading
# time and memory stay bounded (docs/PERFORMANCE.md).
MAX_SIDE = 1600
# Where the lines are is found on the photo shrunk to this (the detector's memory grows with the
# picture's area); each line is then read at MAX_SIDE. Measured: same fields, about 30 MB less.
DETECT_SIDE = 1280

_engine = None
_engine_lock = threading.Lock()


class Unreadable(Exception):
    """The bytes are not an image Pillow can open (or too large to open safely)."""


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float


def _ocr():
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR(det_limit_type="max", det_limit_side_len=DETECT_SIDE)
        return _engine


def prepare(data: bytes):
    """Decode, turn upright by its EXIF mark, and shrink the photo; return an RGB array."""
    import numpy
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            return numpy.asarray(image)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise Unreadable(type(exc).__name__) from exc


def read_lines(data: bytes) -> list[Line]:
    """The photo's lines of print, top to bottom: the boxes on one row joined left to right."""
    array = prepare(data)
    try:
        result, _ = _ocr()(array)
    finally:
        del array
        _give_back()
    boxes = []
    for corners, text, confidence in result or []:
        ys = [p[1] for p in corners]
        xs = [p[0] for p in corners]
        boxes.append((min(ys), max(ys), min(xs), max(xs), str(text), float(confidence)))
    return rows(boxes)


def _give_back() -> None:
    """Return the reading's freed memory to the system: without it glibc keeps the fragments
    and the scheduler's memory grows with each photo."""
    with contextlib.suppress(OSError, AttributeError):   # not glibc: nothing to trim
        ctypes.CDLL(None).malloc_trim(0)


def rows(boxes: list[tuple[float, float, float, float, str, float]]) -> list[Line]:
    """Join into one line the boxes of one printed row, left to right: the reader cuts a row
    where the gap between words is wide ("Date:   March 4"). A box joins the row whose last box
    it overlaps by half its height and starts after; a turned page keeps its rows apart."""
    grouped: list[list[tuple]] = []
    for box in sorted(boxes, key=lambda b: b[2]):
        top, bottom, left = box[0], box[1], box[2]
        for row in grouped:
            last = row[-1]
            overlap = min(bottom, last[1]) - max(top, last[0])
            if left >= last[3] - 0.3 * (last[1] - last[0]) and overlap >= 0.5 * min(
                    bottom - top, last[1] - last[0]):
                row.append(box)
                break
        else:
            grouped.append([box])
    grouped.sort(key=lambda row: row[0][0] + row[0][1])
    return [Line(" ".join(b[4] for b in row), min(b[5] for b in row)) for row in grouped]
