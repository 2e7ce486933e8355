"""What an SMS costs: GSM-7 or UCS-2, segments of 160/153 or 70/67, and text made to fit GSM-7."""

from __future__ import annotations

from dataclasses import dataclass

MAX_SMS_SEGMENTS = 3    # the most one SMS reply may cost

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")   # each takes two septets (escape + char)
# Spanish letters GSM-7 lacks become plain vowels; ñ é ü ¿ ¡, which it has, stay.
_TO_GSM = str.maketrans({
    "á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "–": "-", "—": "-", "“": '"', "”": '"',
    "‘": "'", "’": "'", "…": "...", "•": "-",
    # The answers to a message in Portuguese or French.
    "ã": "a", "õ": "o", "ç": "c", "â": "a", "ê": "e", "ô": "o", "î": "i", "û": "u", "ë": "e",
})


@dataclass(frozen=True)
class Cost:
    encoding: str     # "GSM-7" or "UCS-2"
    units: int        # septets or UTF-16 code units
    segments: int


GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return set(text) <= GSM7_ALL


def _segments(costs: list[int], single: int, multi: int) -> int:
    if sum(costs) <= single:
        return 1 if costs else 0
    segments, used = 1, 0
    for cost in costs:
        # An escape sequence or a surrogate pair is never split between two segments.
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def cost(text: str) -> Cost:
    """Count the segments Twilio will bill for one SMS body."""
    if is_gsm7(text):
        if not GSM7_EXTENSION.intersection(text):   # the usual case, without a char loop
            n = len(text)
            return Cost("GSM-7", n, 0 if n == 0 else 1 if n <= 160 else -(-n // 153))
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return Cost("GSM-7", sum(costs), _segments(costs, 160, 153))
    units = len(text.encode("utf-16-le")) // 2
    if units == len(text):   # no surrogate pairs: every character is one unit
        return Cost("UCS-2", units, 1 if units <= 70 else -(-units // 67))
    costs = [len(c.encode("utf-16-le")) // 2 for c in text]
    return Cost("UCS-2", units, _segments(costs, 70, 67))


def for_sms(text: str, keep_accents: bool = False) -> str:
    """Write text for SMS: in GSM-7 where Spanish allows it, so one segment holds 153, not 67."""
    return text if keep_accents else text.translate(_TO_GSM)


def pack(texts: list[str], max_segments: int) -> list[str]:
    """Group consecutive texts into as few SMS as possible, none above max_segments."""
    return _fill([piece for text in texts for piece in _split(text, max_segments)], "\n\n",
                 max_segments)


def _split(text: str, max_segments: int) -> list[str]:
    """Cut one text that is too long at line ends (in halves, for a line too long)."""
    if cost(text).segments <= max_segments:
        return [text]
    lines: list[str] = []
    for line in text.split("\n"):
        if cost(line).segments > max_segments:   # a single enormous line
            cut = len(line) // 2
            lines += _split(line[:cut], max_segments) + _split(line[cut:], max_segments)
        else:
            lines.append(line)
    return _fill(lines, "\n", max_segments)


def _fill(pieces: list[str], separator: str, max_segments: int) -> list[str]:
    """Join pieces in order, starting a new message whenever the next would not fit."""
    messages: list[str] = []
    for piece in pieces:
        joined = f"{messages[-1]}{separator}{piece}" if messages else piece
        if messages and cost(joined).segments <= max_segments:
            messages[-1] = joined
        else:
            messages.append(piece)
    return messages
