"""Bring a text into GSM 03.38 so it costs GSM-7 rather than UCS-2 segments.

The seed API's `conversion` parameter picks the level:

0. as is;
1. typography only: curly quotes, dashes, ellipsis, exotic spaces, bullets become
   their plain GSM equivalents, and everything else stays;
2. level 1, then every character still outside GSM 03.38 is transliterated with
   `anyascii` (Cyrillic, CJK, symbols such as (C) or 1/2...) and what has no GSM form
   of its letters is thrown out, as the seed says: emoji and the pictographs anyascii
   can only name as `:shortcodes:` (`:grinning:`), flags' regional indicators, joiners.
   Characters GSM already has (é, ü, Ä, Ñ, ß, Δ...) stay.
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from messaging.segments import NON_GSM7, is_gsm7

CONVERSION_LEVELS = (0, 1, 2)

# Written as escapes: most of these look just like the ASCII they become.
# Never a GSM character on the left: a text already in GSM must come out unchanged.
_TYPOGRAPHY = str.maketrans(
    {
        # curly, low, reversed and angle single quotes, prime, acute accent, backtick
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u0060\u2039\u203a", "'"),
        # curly, low and reversed double quotes, double prime, guillemets
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        # hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        # bullet, triangular bullet, hyphen bullet, bullet operator, white bullet
        **dict.fromkeys("\u2022\u2023\u2043\u2219\u25e6", "*"),
        # no-break, ogham, en/em/thin/hair..., narrow no-break, medium mathematical, ideographic spaces; tab
        **dict.fromkeys(
            "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t", " "
        ),
        # line and paragraph separators
        **dict.fromkeys("\u2028\u2029", "\n"),
        # zero-width space, word joiner, byte order mark, soft hyphen: invisible, so dropped
        **dict.fromkeys("\u200b\u2060\ufeff\u00ad", None),
        "\u2026": "...",  # horizontal ellipsis
        "\u02c6": "^",  # modifier letter circumflex
        "\u02dc": "~",  # small tilde
        "\u2044": "/",  # fraction slash
    }
)


def convert(text: str, level: int) -> str:
    """The text at a conversion level (see the module docstring); level 2 always gives GSM-7."""
    if level not in CONVERSION_LEVELS:
        raise ValueError(f"conversion level must be one of {CONVERSION_LEVELS}, not {level!r}")
    if level == 0:
        return text
    text = text.translate(_TYPOGRAPHY)
    if level == 1 or is_gsm7(text):
        return text
    # NFC first: "e" + combining acute becomes "é", which GSM has, instead of a bare "e"
    return NON_GSM7.sub(_gsm_equivalent, unicodedata.normalize("NFC", text))


def _gsm_equivalent(match: re.Match[str]) -> str:
    return _transliterate(match[0])


# anyascii's names of pictographs (`:grinning:`, `:thumbsup:`): a name, not a transliteration
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # the letters of flag emoji


@lru_cache(maxsize=4096)
def _transliterate(char: str) -> str:
    if ord(char) in _REGIONAL_INDICATORS:
        return ""
    # anyascii answers in ASCII, of which GSM lacks only "`" and most control characters
    return NON_GSM7.sub("", _SHORTCODE.sub("", anyascii(char)).translate(_TYPOGRAPHY))
