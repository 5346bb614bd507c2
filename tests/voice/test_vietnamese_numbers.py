"""Numbers and codes read the Vietnamese way."""

from __future__ import annotations

import pytest

from voice.english_numbers import english_number_words
from voice.vietnamese_numbers import (
    LETTER_NAMES,
    SOUTHERN,
    Reading,
    code_parts,
    code_words,
    letter_name,
    read_code,
    read_number,
)


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "không"),
        (1, "một"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (91, "chín mươi mốt"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (999, "chín trăm chín mươi chín"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (1024, "một nghìn không trăm hai mươi tư"),
        (2015, "hai nghìn không trăm mười lăm"),
        (12_345, "mười hai nghìn ba trăm bốn mươi lăm"),
        (1_000_000, "một triệu"),
        (1_000_001, "một triệu không trăm linh một"),
        (2_000_000_000, "hai tỷ"),
    ],
)
def test_numbers_read_the_vietnamese_way(n, spoken):
    assert read_number(n) == spoken


def test_southern_reading_and_its_choices():
    assert read_number(105, SOUTHERN) == "một trăm lẻ năm"
    assert read_number(1000, SOUTHERN) == "một ngàn"
    assert read_number(24, Reading(four_after_tens="bốn")) == "hai mươi bốn"
    with pytest.raises(ValueError):
        Reading(zero_tens="le")


def test_out_of_range_and_wrong_types_are_refused():
    for bad in (-1, 10**12):
        with pytest.raises(ValueError):
            read_number(bad)
    with pytest.raises(TypeError):
        read_number("12")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        read_number(True)  # type: ignore[arg-type]


def test_letter_names_for_ticket_prefixes():
    expected = {"A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "U": "u"}
    for letter, name in expected.items():
        assert letter_name(letter) == name
    assert letter_name("đ") == "đê"
    assert all(LETTER_NAMES.values())


def test_ticket_codes_read_letter_then_number():
    assert code_parts("A012") == ["A", "012"]
    assert code_parts(" U-7 ") == ["U", "7"]
    assert read_code("A012") == "a, mười hai"
    assert read_code("A012", style="digits") == "a, không một hai"
    assert read_code("B105") == "bê, một trăm linh năm"
    assert read_code("C000") == "xê, không"
    assert read_code("5") == "năm"
    assert code_words("Đ021") == [["đê"], ["hai", "mươi", "mốt"]]
    with pytest.raises(ValueError):
        read_code("A012", style="words")


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (12, "twelve"), (21, "twenty one"), (105, "one hundred five"),
     (1200, "one thousand two hundred"), (9999, "nine thousand nine hundred ninety nine")],
)
def test_english_numbers(n, words):
    assert " ".join(english_number_words(n)) == words
