"""Numbers read in English for the optional second-language sentence of a call.

Ticket and counter numbers stay below ten thousand, so this reads 0..9999 with the
words a recorded or generated clip set holds (one clip per word).
"""

from __future__ import annotations

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALE = ("hundred", "thousand")

#: every word an English number reading can use
WORDS: tuple[str, ...] = ONES + TENS[2:] + SCALE

MAX_NUMBER = 9999


def english_number_words(n: int) -> list[str]:
    """``n`` in English words, one per item: 112 → ["one", "hundred", "twelve"].

    "and" is left out (as in "one hundred twelve"): one clip fewer, and announcers in
    halls commonly drop it.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"can read 0..{MAX_NUMBER} in English, got {n!r}")
    if n < 20:
        return [ONES[n]]
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(TENS[tens])
        if units:
            words.append(ONES[units])
    elif rest:
        words.append(ONES[rest])
    return words
