"""Numbers, letters and ticket codes read aloud the way a Vietnamese hall says them.

Pure functions returning lists of words (syllables). Vietnamese is written and spoken
one syllable at a time, so a number read as words can be spoken by joining one clip
per word, and a recorded voice needs only a couple of dozen words to read any number.

The rules a listener expects (and a naive digit-by-digit reading breaks):
- 10 is "mười", but 20, 30 … use "mươi": "hai mươi";
- after "mươi" a 1 is "mốt" and a 4 is usually "tư": 21 "hai mươi mốt", 24 "hai mươi tư";
- after "mười" or "mươi" a 5 is "lăm": 15 "mười lăm", 25 "hai mươi lăm";
- a zero tens digit inside a hundred is "linh" (northern) or "lẻ" (southern):
  105 "một trăm linh năm";
- inner groups keep their hundreds: 1005 "một nghìn không trăm linh năm".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: group names, from units of a thousand upward
_GROUPS_NORTH = ("", "nghìn", "triệu", "tỷ")
_GROUPS_SOUTH = ("", "ngàn", "triệu", "tỷ")

#: the largest number read (just under a thousand billion)
MAX_NUMBER = 999_999_999_999

#: letter names as Vietnamese speakers say them when reading a code aloud
LETTER_NAMES: dict[str, str] = {
    "A": "a",
    "Ă": "á",
    "Â": "ớ",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "Ê": "ê",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "Ô": "ô",
    "Ơ": "ơ",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "Ư": "ư",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}

#: how the digits of a ticket number are read: "number" says A012 as "A, mười hai"
#: (the usual call in a hall); "digits" says every digit, zeros too: "A, không một hai"
NUMBER_STYLES = ("number", "digits")


@dataclass(frozen=True)
class Reading:
    """Regional choices when reading numbers (the defaults are the northern standard)."""

    #: "linh" (north) or "lẻ" (south) for a zero tens digit: 105 "một trăm linh năm"
    zero_tens: str = "linh"
    #: "tư" or "bốn" for a final 4 after "mươi": 24 "hai mươi tư"
    four_after_tens: str = "tư"
    #: "nghìn" (north) or "ngàn" (south) for thousands
    thousand: str = "nghìn"

    def __post_init__(self) -> None:
        if self.zero_tens not in ("linh", "lẻ"):
            raise ValueError(f"zero_tens must be 'linh' or 'lẻ', got {self.zero_tens!r}")
        if self.four_after_tens not in ("tư", "bốn"):
            raise ValueError(f"four_after_tens must be 'tư' or 'bốn', got {self.four_after_tens!r}")
        if self.thousand not in ("nghìn", "ngàn"):
            raise ValueError(f"thousand must be 'nghìn' or 'ngàn', got {self.thousand!r}")


NORTHERN = Reading()
SOUTHERN = Reading(zero_tens="lẻ", four_after_tens="tư", thousand="ngàn")


def number_words(n: int, reading: Reading = NORTHERN) -> list[str]:
    """``n`` read in Vietnamese, one word per item: 21 → ["hai", "mươi", "mốt"]."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"expected an int, got {n!r}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"can read 0..{MAX_NUMBER}, got {n}")
    if n == 0:
        return [DIGITS[0]]
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    names = _GROUPS_SOUTH if reading.thousand == "ngàn" else _GROUPS_NORTH
    words: list[str] = []
    top = len(groups) - 1
    for index in range(top, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        # a group after a higher one keeps its hundreds: 1005 "một nghìn không trăm linh năm"
        words += _group_words(value, reading, full=index != top)
        if names[index]:
            words.append(names[index])
    return words


def _group_words(value: int, reading: Reading, full: bool) -> list[str]:
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(reading.zero_tens)
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 4 and tens >= 2:
        words.append(reading.four_after_tens)
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def read_number(n: int, reading: Reading = NORTHERN) -> str:
    """``n`` read in Vietnamese as one string: 105 → "một trăm linh năm"."""
    return " ".join(number_words(n, reading))


def letter_name(letter: str) -> str:
    """The spoken name of one letter: "C" → "xê"; KeyError if it has none."""
    return LETTER_NAMES[letter.upper()]


_PART = re.compile(r"\d+|[^\W\d_]")


def code_parts(code: str) -> list[str]:
    """A ticket or counter code split into letters and digit runs: "A012" → ["A", "012"].

    Anything else (dashes, spaces) is a pause in speech and is left out.
    """
    return _PART.findall(code.strip())


def code_words(
    code: str, style: str = "number", reading: Reading = NORTHERN
) -> list[list[str]]:
    """A code read aloud, one list of words per part.

    "A012" → [["a"], ["mười", "hai"]] in the "number" style, or
    [["a"], ["không", "một", "hai"]] in the "digits" style. A run of zeros only ("000")
    is read "không" in the number style.
    """
    if style not in NUMBER_STYLES:
        raise ValueError(f"number style must be one of {NUMBER_STYLES}, got {style!r}")
    out: list[list[str]] = []
    for part in code_parts(code):
        if part.isdigit():
            if style == "digits":
                out.append([DIGITS[int(d)] for d in part])
            else:
                out.append(number_words(int(part), reading))
        else:
            out.append(letter_name(part).split())
    return out


def read_code(code: str, style: str = "number", reading: Reading = NORTHERN) -> str:
    """A code as it is spoken, parts separated by commas: "A012" → "a, mười hai"."""
    return ", ".join(" ".join(words) for words in code_words(code, style, reading))
