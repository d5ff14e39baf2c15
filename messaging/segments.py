"""Encoding, length and segments of an SMS text (3GPP TS 23.038, GSM 03.38).

Pure Python, no Django: the services, the API dialects and the dashboard's live
counter all ask this module, so they can never disagree on what a text costs.

A text made only of GSM 03.38 characters travels as GSM-7: 160 septets in one SMS,
153 per part once concatenated (the UDH takes the rest). An extension character
costs two septets (escape + code), and the pair is never split across parts.
Anything else travels as UCS-2: 70 UTF-16 code units, 67 per part; a surrogate pair
is never split, nor a grapheme cluster (flag, family emoji, letter + accent) that
fits in one part. Splitting is greedy, so only the last part has room left.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

import regex

GSM7 = "GSM7"
UCS2 = "UCS2"
MAX_CHARS = 1600

# (one SMS, each part of a concatenated SMS), in septets or UTF-16 code units.
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# The default alphabet in code order, 0x00..0x7F. 0x1B is the escape to the
# extension table, not a character a text may contain.
_ESC = "\x1b"
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_BASIC = frozenset(_BASIC_TABLE) - {_ESC}
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_CHARS = GSM7_BASIC | GSM7_EXTENSION

# One character outside GSM 03.38 (conversion uses it to find what to transliterate).
NON_GSM7 = re.compile(f"[^{re.escape(''.join(sorted(GSM7_CHARS)))}]")
_NON_BASIC = re.compile(f"[^{re.escape(''.join(sorted(GSM7_BASIC)))}]")
_EXTENSION = re.compile(f"[{re.escape(''.join(sorted(GSM7_EXTENSION)))}]")

# Grapheme cluster break classes that never glue to a neighbour. Between two such
# characters there is always a boundary (UAX #29: every no-break rule needs an
# Extend, ZWJ, SpacingMark, Prepend, regional indicator, Hangul jamo or CR).
_LONER = r"\p{GCB=Other}\p{GCB=LV}\p{GCB=LVT}\p{GCB=LF}\p{GCB=Control}"
_GLUE = regex.compile(rf"[^{_LONER}]")  # negated: "Other" is tested first and almost always hits
_SURE_BREAK = regex.compile(rf"(?r)[{_LONER}][{_LONER}]")  # searched backwards from a cut
_GRAPHEME = regex.compile(r"\X")
_PAIR_OPENER = re.compile(b"[\xd8-\xdb]")


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What a text costs to send. Too long is reported here, not raised: the service decides."""

    encoding: str  # GSM7 or UCS2
    characters: int  # code points
    units: int  # septets for GSM7, UTF-16 code units for UCS2
    segments: int  # SMS parts, 1 for the empty text
    unicode_chars: tuple[str, ...]  # distinct code points that forced UCS2, first seen first
    too_long: bool  # more than MAX_CHARS characters
    per_segment: int  # the limit that applies: 160/153 or 70/67
    remaining: int  # units still free in the last segment


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM 03.38 basic set or its extension table."""
    return NON_GSM7.search(text) is None


def analyse(text: str) -> TextAnalysis:
    """Encoding, length and segment count; works out where cuts fall but builds no parts."""
    characters = len(text)
    odd = _NON_BASIC.search(text)  # one scan settles the common case: plain GSM
    if odd is None:
        extensions = []
    elif odd[0] in GSM7_EXTENSION:  # still GSM-7 if all the rest outside the basic set is extensions
        extensions = _NON_BASIC.findall(text, odd.start())
    else:
        extensions = None
    if extensions is not None and GSM7_EXTENSION.issuperset(extensions):
        encoding, unicode_chars = GSM7, ()
        units = characters + len(extensions)
        if units <= LIMITS[GSM7][0]:
            segments, last = 1, units
        else:  # escape pairs, if any, decide where the cuts fall
            cuts, last = _septet_cuts(_spell_septets(text, extensions))
            segments = len(cuts)
    else:
        encoding = UCS2
        data = _utf16(text)
        units = len(data) >> 1
        unicode_chars = _unicode_chars(text, data)
        cuts, last = _ucs2_cuts(text, data)
        segments = len(cuts)
    single, multi = LIMITS[encoding]
    per_segment = single if segments == 1 else multi
    # positional: keywords add about 15% to a short GSM text's analysis
    return TextAnalysis(
        encoding, characters, units, segments, unicode_chars, characters > MAX_CHARS, per_segment, per_segment - last
    )


def split(text: str) -> list[str]:
    """The parts to send, in order; joined, they give back the text exactly."""
    if is_gsm7(text):
        septets = _spell_septets(text, _EXTENSION.findall(text))
        return [part.replace(_ESC, "") for part in _slices(septets, _septet_cuts(septets)[0])]
    return _slices(text, _ucs2_cuts(text, _utf16(text))[0])


def _spell_septets(text: str, extensions: Iterable[str]) -> str:
    """One character per septet: each extension character becomes escape + character."""
    for char in set(extensions):
        text = text.replace(char, _ESC + char)
    return text


def _slices(text: str, cuts: list[int]) -> list[str]:
    return [text[start:end] for start, end in zip(cuts, [*cuts[1:], len(text)], strict=True)]


def _unicode_chars(text: str, data: bytes) -> tuple[str, ...]:
    """Distinct characters outside GSM 03.38, in order of first appearance."""
    # Both ways run in C; which is faster depends on how many characters are outside GSM.
    # Latin-1 units have a zero high byte, so many zero bytes mean "mostly Latin, a few others".
    if data.count(0) * 8 > len(data) * 3:
        return tuple(dict.fromkeys(NON_GSM7.findall(text)))
    # Cyrillic, CJK...: one set() beats a match per character; the sort sees only the distinct few
    return tuple(sorted(set(text) - GSM7_CHARS, key=text.index))


def _utf16(text: str) -> bytes:
    # "replace" turns a lone surrogate (JSON allows "\ud83d") into "?": still one unit
    # and one code point, and never mistaken for half of a pair.
    return text.encode("utf-16-le", "replace")


def _septet_cuts(septets: str) -> tuple[list[int], int]:
    """Where each part starts in text spelled as septets, and the septets in the last part.

    An extension character is spelled escape + character, so a cut is never made
    right after an escape.
    """
    single, multi = LIMITS[GSM7]
    if len(septets) <= single:
        return [0], len(septets)
    cuts, start = [0], 0
    while len(septets) - start > multi:
        start += multi - (septets[start + multi - 1] == _ESC)
        cuts.append(start)
    return cuts, len(septets) - start


def _ucs2_cuts(text: str, data: bytes) -> tuple[list[int], int]:
    """Code point offsets where each part starts, and the units in the last part.

    Only the text around each cut is looked at, so a long text costs a few regex
    calls per part, not a pass over every grapheme cluster.
    """
    single, multi = LIMITS[UCS2]
    units = len(data) >> 1
    if units <= single:
        return [0], units
    # Per unit, its high byte (little-endian): 0xD8..0xDB opens a surrogate pair.
    high_bytes = data[1::2] if units != len(text) else None
    cuts, start, start_unit = [0], 0, 0
    while units - start_unit > multi:
        stop = start_unit + multi
        if high_bytes is None:
            end = start + multi
        else:
            if 0xD8 <= high_bytes[stop - 1] <= 0xDB:  # keep the pair whole
                stop -= 1
            # a pair is two units for one code point
            end = start + stop - start_unit - len(_PAIR_OPENER.findall(high_bytes, start_unit, stop))
        cut = _cluster_cut(text, start, end)
        start_unit = stop if cut == end else stop - (len(_utf16(text[cut:end])) >> 1)
        cuts.append(cut)
        start = cut
    return cuts, units - start_unit


def _cluster_cut(text: str, start: int, end: int) -> int:
    """The last grapheme boundary in (start, end]; end itself inside a cluster too long for a part."""
    if _GLUE.search(text, end - 1, end + 1) is None:
        return end
    sure = _SURE_BREAK.search(text, start, end + 1)
    cut = anchor = sure.start() + 1 if sure else start
    for cluster in _GRAPHEME.finditer(text, anchor):
        if cluster.end() > end:
            break
        cut = cluster.end()
    return cut if cut > start else end
