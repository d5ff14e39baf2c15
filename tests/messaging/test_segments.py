"""Encoding and segments of SMS texts. Pure Python: no database, no Django."""

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec the tables are checked against)
import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from messaging.segments import (
    GSM7,
    GSM7_BASIC,
    GSM7_CHARS,
    GSM7_EXTENSION,
    MAX_CHARS,
    UCS2,
    analyse,
    is_gsm7,
    split,
)

FLAG = "\U0001f1eb\U0001f1f7"  # France: two regional indicators, 4 units, one cluster
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: 8 units, one cluster
EMOJI = "\U0001f600"  # grinning face: a surrogate pair
APOSTROPHE = "\u2019"  # right single quotation mark, as phones type it
EM_DASH = "\u2014"


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def septets(text: str) -> int:
    return len(text) + sum(char in GSM7_EXTENSION for char in text)


def reference_split(text: str) -> list[str]:
    """The rules written the slow, obvious way: greedy over indivisible items."""
    if all(char in GSM7_CHARS for char in text):
        single, multi, cost, items = 160, 153, septets, list(text)
    else:
        single, multi, cost, items = 70, 67, utf16_units, []
        for cluster in regex.findall(r"\X", text):
            items.extend([cluster] if utf16_units(cluster) <= multi else list(cluster))
    if sum(map(cost, items)) <= single:
        return [text]
    parts, current, used = [], "", 0
    for item in items:
        if used + cost(item) > multi:
            parts.append(current)
            current, used = "", 0
        current += item
        used += cost(item)
    return [*parts, current]


# Texts that crowd the boundaries with what is hard to cut: escapes, pairs, clusters, CRLF.
tricky = st.lists(
    st.one_of(
        st.sampled_from(["a", "€", "[", "\f", "Ж", "é", "ç", EMOJI, FLAG, FAMILY, "\u0301", "\u200d", "\r", "\n"]),
        st.sampled_from(["\ud83d", "\ude00"]),  # lone surrogates: JSON lets them through
        st.characters(),
    ),
    max_size=300,
).map("".join)
gsm_text = st.text(alphabet=sorted(GSM7_CHARS), max_size=400)


# --- the tables -------------------------------------------------------------------------------


def test_tables_agree_with_the_gsm0338_codec():
    assert len(GSM7_BASIC) == 127  # 128 codes, less the escape
    assert sorted(GSM7_EXTENSION) == sorted("\f^{}\\[~]|€")
    for char in GSM7_BASIC:
        assert len(char.encode("gsm03.38")) == 1, char
    for char in GSM7_EXTENSION:
        assert char.encode("gsm03.38")[0] == 0x1B, char


@pytest.mark.parametrize("char", ["ç", "`", "\x1b", "\t", "á", APOSTROPHE, "\u03b1", EMOJI, "\x00"])
def test_characters_gsm_lacks(char):
    assert not is_gsm7(char)
    assert analyse("abc" + char).encoding == UCS2


def test_escape_is_not_a_character():
    """0x1B opens the extension table; a text may not carry it alone."""
    assert "\x1b" not in GSM7_CHARS


# --- boundaries, concrete numbers -------------------------------------------------------------


def test_empty_text_is_one_gsm_segment():
    result = analyse("")
    assert (result.encoding, result.characters, result.units, result.segments) == (GSM7, 0, 0, 1)
    assert (result.per_segment, result.remaining, result.too_long, result.unicode_chars) == (160, 160, False, ())
    assert split("") == [""]


@pytest.mark.parametrize(
    ("length", "segments", "per_segment", "remaining", "sizes"),
    [
        (1, 1, 160, 159, [1]),
        (160, 1, 160, 0, [160]),
        (161, 2, 153, 145, [153, 8]),
        (306, 2, 153, 0, [153, 153]),
        (307, 3, 153, 152, [153, 153, 1]),
    ],
)
def test_gsm_boundaries(length, segments, per_segment, remaining, sizes):
    text = "a" * length
    result = analyse(text)
    assert (result.encoding, result.units, result.segments) == (GSM7, length, segments)
    assert (result.per_segment, result.remaining) == (per_segment, remaining)
    assert [len(part) for part in split(text)] == sizes


@pytest.mark.parametrize(
    ("length", "segments", "per_segment", "remaining", "sizes"),
    [
        (70, 1, 70, 0, [70]),
        (71, 2, 67, 63, [67, 4]),
        (134, 2, 67, 0, [67, 67]),
        (135, 3, 67, 66, [67, 67, 1]),
    ],
)
def test_ucs2_boundaries(length, segments, per_segment, remaining, sizes):
    text = "Ж" * length
    result = analyse(text)
    assert (result.encoding, result.units, result.segments) == (UCS2, length, segments)
    assert (result.per_segment, result.remaining) == (per_segment, remaining)
    assert [len(part) for part in split(text)] == sizes


def test_extension_characters_cost_two_septets():
    result = analyse("Price: 5€ {ok}")
    assert (result.encoding, result.characters, result.units) == (GSM7, 14, 17)
    assert analyse("a" * 158 + "€").segments == 1  # 160 septets
    assert analyse("a" * 159 + "€").segments == 2  # 161 septets


def test_escape_pair_at_the_cut_moves_whole_to_the_next_part():
    text = "a" * 152 + "€" + "b" * 10  # the pair would take septets 153 and 154
    result = analyse(text)
    assert (result.units, result.segments, result.remaining) == (164, 2, 153 - 12)
    assert split(text) == ["a" * 152, "€" + "b" * 10]


def test_escape_pair_that_ends_a_part_stays():
    text = "a" * 151 + "€" + "b" * 10  # the pair takes septets 152 and 153
    assert split(text) == ["a" * 151 + "€", "b" * 10]
    assert analyse(text).remaining == 153 - 10


def test_escape_pairs_shift_every_later_cut():
    text = "a" * 152 + "€" * 80  # 152 + 160 septets
    parts = split(text)
    assert [septets(part) for part in parts] == [152, 152, 8]
    assert analyse(text).segments == 3


def test_emoji_straddling_the_cut_moves_whole():
    text = "Ж" * 66 + EMOJI + "Ж" * 10  # the pair would take units 67 and 68
    result = analyse(text)
    assert (result.characters, result.units, result.segments, result.remaining) == (77, 78, 2, 67 - 12)
    assert split(text) == ["Ж" * 66, EMOJI + "Ж" * 10]


def test_emoji_that_ends_a_part_stays():
    text = "Ж" * 65 + EMOJI + "Ж" * 10
    assert split(text) == ["Ж" * 65 + EMOJI, "Ж" * 10]


def test_flag_at_the_cut_is_not_split():
    text = "Ж" * 65 + FLAG + "Ж" * 10  # cutting at 67 units would split the two regional indicators
    result = analyse(text)
    assert (result.units, result.segments, result.remaining) == (79, 2, 67 - 14)
    assert split(text) == ["Ж" * 65, FLAG + "Ж" * 10]


def test_family_emoji_at_the_cut_is_not_split():
    text = "Ж" * 62 + FAMILY + "Ж" * 10  # 8 units from 63 to 70
    assert split(text) == ["Ж" * 62, FAMILY + "Ж" * 10]
    assert analyse(text).remaining == 67 - 18


def test_letter_and_combining_mark_stay_together():
    text = "Ж" * 66 + "e\u0301" + "Ж" * 10
    assert split(text) == ["Ж" * 66, "e\u0301" + "Ж" * 10]


def test_crlf_stays_together_in_ucs2():
    text = "Ж" * 66 + "\r\n" + "Ж" * 10
    assert split(text) == ["Ж" * 66, "\r\n" + "Ж" * 10]


def test_cluster_longer_than_a_part_is_cut_between_code_points():
    text = "a" + "\u0301" * 100  # one grapheme cluster of 101 units
    assert split(text) == [text[:67], text[67:]]
    assert analyse(text).segments == 2


def test_cluster_longer_than_a_part_never_splits_a_pair():
    text = "a" + "\u200d" + ("\U0001f3fb" * 40)  # skin tone modifiers extend the cluster: 82 units
    parts = split(text)
    assert [utf16_units(part) for part in parts] == [66, 16]
    assert "".join(parts) == text


@pytest.mark.parametrize(("length", "too_long"), [(MAX_CHARS, False), (MAX_CHARS + 1, True)])
def test_maximum_length_is_reported_not_raised(length, too_long):
    assert MAX_CHARS == 1600
    gsm = analyse("a" * length)
    assert (gsm.too_long, gsm.characters) == (too_long, length)
    assert gsm.segments == 11  # ceil(1600 / 153) and ceil(1601 / 153)
    emoji = analyse(EMOJI * length)  # characters are code points, not units
    assert (emoji.too_long, emoji.characters, emoji.units) == (too_long, length, 2 * length)


def test_unicode_chars_are_distinct_and_in_order_of_first_appearance():
    text = f"Don{APOSTROPHE}t {EMOJI} {EM_DASH} see € {APOSTROPHE} {EMOJI} ok"
    assert analyse(text).unicode_chars == (APOSTROPHE, EMOJI, EM_DASH)  # not €: GSM has it
    assert analyse("Жизнь, жизнь").unicode_chars == ("Ж", "и", "з", "н", "ь", "ж")
    assert analyse("plain [GSM] €").unicode_chars == ()


def test_lone_surrogate_counts_one_unit():
    """JSON can carry "\\ud83d" alone; analyse must not crash on it."""
    text = "a\ud83db" + "Ж" * 70
    result = analyse(text)
    assert (result.encoding, result.units, result.segments) == (UCS2, 73, 2)
    assert "".join(split(text)) == text


def test_two_lone_surrogates_are_not_taken_for_a_pair():
    text = "\ud83d\ude00" + EMOJI + "Ж" * 70  # two code points that look like a pair once encoded
    assert [len(part) for part in split(text)] == [66, 7]  # 2 + 2 + 63 units, then 7
    assert analyse(text).units == 74


# --- properties -------------------------------------------------------------------------------


@given(tricky)
def test_split_matches_the_reference_rules(text):
    assert split(text) == reference_split(text)


@given(st.one_of(tricky, gsm_text))
def test_parts_join_back_fit_and_agree_with_analyse(text):
    result = analyse(text)
    parts = split(text)
    cost = septets if result.encoding == GSM7 else utf16_units
    assert "".join(parts) == text
    assert len(parts) == result.segments
    assert all(cost(part) <= result.per_segment for part in parts)
    assert sum(map(cost, parts)) == result.units
    assert result.remaining == result.per_segment - cost(parts[-1])
    assert result.characters == len(text)
    assert result.too_long is (len(text) > MAX_CHARS)


@given(tricky)
def test_encoding_and_unicode_chars(text):
    result = analyse(text)
    outside = tuple(dict.fromkeys(char for char in text if char not in GSM7_CHARS))
    assert result.encoding == (UCS2 if outside else GSM7)
    assert is_gsm7(text) is (not outside)
    assert result.unicode_chars == outside


@given(st.lists(st.sampled_from(["Ж", "a", EMOJI, FLAG, FAMILY, "e\u0301", "\r\n"]), max_size=300))
def test_no_cluster_is_split_when_it_fits_in_a_part(pieces):
    text = "Ж" + "".join(pieces)  # UCS-2: GSM-7 parts only mind escape pairs
    boundaries = {0}
    for cluster in regex.finditer(r"\X", text):
        boundaries.add(cluster.end())
    offset = 0
    for part in split(text)[:-1]:
        offset += len(part)
        assert offset in boundaries
