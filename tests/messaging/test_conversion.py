"""The seed API's `conversion` levels. Pure Python: no database, no Django."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.conversion import _TYPOGRAPHY, CONVERSION_LEVELS, convert
from messaging.segments import GSM7_CHARS, analyse, is_gsm7

gsm_text = st.text(alphabet=sorted(GSM7_CHARS))
typographic = "\u201cHi\u201d \u2013 it\u2019s\u2026 ok\u00a0\u2022 \u00abfin\u00bb\u2014done"


def test_levels():
    assert CONVERSION_LEVELS == (0, 1, 2)


@pytest.mark.parametrize("level", [-1, 3, None])
def test_unknown_level_is_refused(level):
    with pytest.raises(ValueError, match="conversion level"):
        convert("hi", level)


def test_level_0_keeps_the_text():
    assert convert(typographic, 0) == typographic


def test_level_1_replaces_typography_only():
    assert convert(typographic, 1) == '"Hi" - it\'s... ok * "fin"-done'
    assert convert("tab\there\u200bzero\u2028line", 1) == "tab herezero\nline"
    assert convert("\u041c\u0438\u0440 \U0001f600 \u00e7", 1) == "\u041c\u0438\u0440 \U0001f600 \u00e7"


def test_level_1_turns_a_typographic_text_into_gsm():
    assert analyse(typographic).encoding == "UCS2"
    assert analyse(convert(typographic, 1)).encoding == "GSM7"


def test_level_2_transliterates_what_gsm_lacks():
    assert convert("\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!", 2) == "Privet, mir!"
    assert convert("\u4f60\u597d", 2) == "NiHao"
    assert convert("\u00e7a \u00e1 \u0142\u00f3d\u017a", 2) == "ca a lodz"


def test_level_2_keeps_what_gsm_has():
    kept = "Caf\u00e9 \u00d1and\u00fa \u00df \u00c4\u00d6\u00dc \u00e4\u00f6\u00fc \u00c7 "  # Latin GSM has
    kept += "\u0394\u03a6\u0393\u039b\u03a9 \u00a3\u00a5\u00a7 \u20ac[]"  # Greek capitals, currency, extensions
    assert convert(kept, 2) == kept.replace("\u00fa", "u")  # only the u-acute goes


def test_level_2_composes_before_transliterating():
    assert convert("e\u0301 a\u0308", 2) == "\u00e9 \u00e4"  # both in GSM once composed


def test_level_2_drops_what_has_no_gsm_form():
    assert convert("a\x00b\x0bc\u0301\u200dd", 2) == "abcd"


def test_typography_table_never_touches_gsm():
    assert GSM7_CHARS.isdisjoint(map(chr, _TYPOGRAPHY))


@given(st.text())
def test_level_2_is_always_gsm(text):
    assert is_gsm7(convert(text, 2))


@given(st.text())
def test_level_0_is_the_identity(text):
    assert convert(text, 0) == text


@given(gsm_text, st.sampled_from(CONVERSION_LEVELS))
def test_gsm_text_is_left_alone_at_every_level(text, level):
    assert convert(text, level) == text


@pytest.mark.parametrize(
    ("text", "converted"),
    [
        ("Ok \U0001f600", "Ok "),  # anyascii's ":grinning:" is a name, not the character: thrown out
        ("Thanks \U0001f44d\u2764\ufe0f!", "Thanks !"),
        ("Go \U0001f1ea\U0001f1ea", "Go "),  # a flag's regional indicators are no letters "EE"
        ("\u260e 5555 \u2665", " 5555 "),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", ""),  # a family: pictographs and joiners
    ],
)
def test_level_2_throws_out_emoji_and_pictographs(text, converted):
    assert convert(text, 2) == converted


def test_level_2_keeps_transliterations_of_symbols():
    assert convert("\u00a9 \u00bd \u2122 \u2605", 2) == "(C) 1/2 TM *"
