"""Every clip a call (or the kiosk's ticket prompt) can need: its file name (ASCII,
stable) and what it says.

The file names are the contract with whoever records a real voice: a recorded
``letter-b.wav`` placed in the clip folder is used instead of the generated one. The
names spell Vietnamese letters the Telex way (``dd`` for đ, ``aw`` for ă), and words
that differ only by tone get the tone's name (``vi-muoi-huyen`` "mười", ``vi-muoi``
"mươi").
"""

from __future__ import annotations

from dataclasses import dataclass

from voice.english_numbers import WORDS as EN_NUMBER_WORDS
from voice.vietnamese_numbers import LETTER_NAMES

CHIME = "chime"


@dataclass(frozen=True)
class ClipSpec:
    """One clip: file stem, spoken text (empty for the synthesised chime), language."""

    clip_id: str
    text: str
    lang: str

    @property
    def file_name(self) -> str:
        return f"{self.clip_id}.wav"


#: the fixed phrases of a call
PHRASES_VI: dict[str, str] = {
    "moi-so": "Mời số",
    "xin-moi-so": "Xin mời số",
    "den-quay-so": "đến quầy số",
    "quay-so": "quầy số",
    "xin-moi": "Xin mời",
}
#: the kiosk's spoken prompt after a ticket is printed: "Số của bạn là A012. Vui lòng chờ
#: gọi số." (for citizens who cannot read the screen)
PHRASES_KIOSK_VI: dict[str, str] = {
    "so-cua-ban-la": "Số của bạn là",
    "vui-long-cho-goi-so": "Vui lòng chờ gọi số",
}
PHRASES_EN: dict[str, str] = {
    "en-number": "Number",
    "en-please-go-to-counter": "please go to counter",
    "en-calling-again": "Calling again",
}

#: every word a Vietnamese number reading can produce → clip id
VI_WORD_CLIPS: dict[str, str] = {
    "không": "vi-khong",
    "một": "vi-mot",
    "mốt": "vi-mot-sac",
    "hai": "vi-hai",
    "ba": "vi-ba",
    "bốn": "vi-bon",
    "tư": "vi-tu",
    "năm": "vi-nam",
    "lăm": "vi-lam",
    "sáu": "vi-sau",
    "bảy": "vi-bay",
    "tám": "vi-tam",
    "chín": "vi-chin",
    "mười": "vi-muoi-huyen",
    "mươi": "vi-muoi",
    "trăm": "vi-tram",
    "linh": "vi-linh",
    "lẻ": "vi-le",
    "nghìn": "vi-nghin",
    "ngàn": "vi-ngan",
    "triệu": "vi-trieu",
    "tỷ": "vi-ty",
}

#: letter → the Telex-style ASCII part of its clip name
_LETTER_SLUGS = {"Ă": "aw", "Â": "aa", "Đ": "dd", "Ê": "ee", "Ô": "oo", "Ơ": "ow", "Ư": "uw"}

#: how English speakers name the letters (espeak-ng reads "A" alone as an article)
EN_LETTER_NAMES: dict[str, str] = {
    "A": "ay", "B": "bee", "C": "see", "D": "dee", "E": "ee", "F": "ef", "G": "gee",
    "H": "aitch", "I": "eye", "J": "jay", "K": "kay", "L": "el", "M": "em", "N": "en",
    "O": "oh", "P": "pee", "Q": "cue", "R": "ar", "S": "ess", "T": "tee", "U": "you",
    "V": "vee", "W": "double you", "X": "ex", "Y": "why", "Z": "zed",
}
#: Vietnamese letters read in English as their base letter
_EN_BASE = {"Ă": "A", "Â": "A", "Đ": "D", "Ê": "E", "Ô": "O", "Ơ": "O", "Ư": "U"}


def letter_clip(letter: str) -> str:
    """Clip id of a letter's Vietnamese name: "B" → "letter-b", "Đ" → "letter-dd"."""
    upper = letter.upper()
    if upper not in LETTER_NAMES:
        raise KeyError(f"no spoken name for the letter {letter!r}")
    return f"letter-{_LETTER_SLUGS.get(upper, upper.lower())}"


def en_letter_clip(letter: str) -> str:
    """Clip id of a letter's English name: "B" → "en-letter-b"."""
    upper = _EN_BASE.get(letter.upper(), letter.upper())
    if upper not in EN_LETTER_NAMES:
        raise KeyError(f"no English name for the letter {letter!r}")
    return f"en-letter-{upper.lower()}"


def vi_word_clip(word: str) -> str:
    return VI_WORD_CLIPS[word]


def en_word_clip(word: str) -> str:
    return f"en-{word}"


def catalogue(english: bool = False) -> list[ClipSpec]:
    """Every clip of a set, Vietnamese first; English ones too when ``english``."""
    specs = [ClipSpec(CHIME, "", "")]
    specs += [ClipSpec(cid, text, "vi") for cid, text in PHRASES_VI.items()]
    specs += [ClipSpec(cid, text, "vi") for cid, text in PHRASES_KIOSK_VI.items()]
    specs += [ClipSpec(cid, word, "vi") for word, cid in VI_WORD_CLIPS.items()]
    specs += [ClipSpec(letter_clip(letter), name, "vi") for letter, name in LETTER_NAMES.items()]
    if english:
        specs += [ClipSpec(cid, text, "en") for cid, text in PHRASES_EN.items()]
        specs += [ClipSpec(en_word_clip(w), w, "en") for w in EN_NUMBER_WORDS]
        specs += [
            ClipSpec(f"en-letter-{letter.lower()}", name, "en")
            for letter, name in EN_LETTER_NAMES.items()
        ]
    return specs


def describe(clip_id: str) -> str:
    """What a clip says, for error messages ("letter-b" → "bê")."""
    for spec in catalogue(english=True):
        if spec.clip_id == clip_id:
            return spec.text or "two-tone chime"
    return clip_id
