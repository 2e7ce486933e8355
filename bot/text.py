"""Text safe to store and to show: no control characters, non-characters or lone surrogates."""

from __future__ import annotations

import re

# C0 and C1 controls except the newline, Unicode's non-characters (U+FDD0..U+FDEF and the last
# two code points of every plane: U+FFFE, U+FFFF, U+1FFFE...), lone surrogates (they cannot be
# written as UTF-8, so SQLite would refuse the row), and the bidirectional overrides and
# isolates, which can make a listing show a date or a name in an order it was not written in.
# None of them is allowed in XML 1.0 or has a place in a name, a date or an answer; a NUL or an
# ESC in a name would make every TwiML listing that shows it unreadable.
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\u202a-\u202e\u2066-\u2069"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]")
_NEWLINES = re.compile(r"\r\n?")


def clean(text: str | None) -> str:
    """Return text without the characters that must never be stored or shown.

    Carriage returns become newlines and tabs spaces; everything else unsafe is dropped."""
    if not text:
        return ""
    text = _NEWLINES.sub("\n", text).replace("\t", " ")
    return _UNSAFE.sub("", text)


def clean_line(text: str | None) -> str:
    """Return one line of clean text (a CSV value, a name): newlines become spaces."""
    return clean(text).replace("\n", " ")
