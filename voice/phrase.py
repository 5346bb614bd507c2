"""Assembling the announcement of one call into a single WAV from the clip set.

"Mời số A012 đến quầy số 5" becomes: chime, "Mời số", "a", "mười", "hai",
"đến quầy số", "năm" (and, when English is on, "Number", "ay", "twelve",
"please go to counter", "five"). The kiosk's prompt for a printed ticket A012 is:
chime, "Số của bạn là", "a", "mười", "hai", "Vui lòng chờ gọi số".
``call_clips`` and ``ticket_prompt_clips`` decide the sequence (pure, tested without
sound); ``PhraseBuilder`` joins the clips with short pauses where a speaker would
breathe.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from voice.clip_catalogue import (
    CHIME,
    PHRASES_KIOSK_VI,
    PHRASES_VI,
    en_letter_clip,
    en_word_clip,
    letter_clip,
    vi_word_clip,
)
from voice.clip_set import ClipSet, MissingClipError
from voice.english_numbers import ONES, english_number_words
from voice.pcm_audio import duration_s, silence, wav_bytes
from voice.vietnamese_numbers import (
    DIGITS,
    NORTHERN,
    NUMBER_STYLES,
    Reading,
    code_parts,
    number_words,
)

#: pauses, in seconds
GAP_AFTER_CHIME = 0.25
GAP_BETWEEN_SENTENCES = 0.6
GAP_AROUND_PHRASE = 0.12
GAP_BETWEEN_WORDS = 0.03

_SENTENCE_STARTS = {"en-number", "en-calling-again", "vui-long-cho-goi-so"}
_PHRASES = (
    set(PHRASES_VI) | set(PHRASES_KIOSK_VI) | {"en-please-go-to-counter", "en-calling-again"}
)


@dataclass(frozen=True)
class CallWording:
    """How calls are worded: which languages and how numbers are read."""

    english: bool = False
    #: "number" (A012 → "a, mười hai") or "digits" (A012 → "a, không một hai")
    number_style: str = "number"
    reading: Reading = NORTHERN

    def __post_init__(self) -> None:
        if self.number_style not in NUMBER_STYLES:
            raise ValueError(f"number style must be one of {NUMBER_STYLES}")


def code_clips_vi(code: str, wording: CallWording) -> list[str]:
    """Clip ids that read a ticket or counter code in Vietnamese."""
    clips: list[str] = []
    for part in code_parts(code):
        if not part.isdigit():
            clips.append(letter_clip(part))
        elif wording.number_style == "digits":
            clips += [vi_word_clip(DIGITS[int(d)]) for d in part]
        else:
            clips += [vi_word_clip(w) for w in number_words(int(part), wording.reading)]
    return clips


def code_clips_en(code: str, wording: CallWording) -> list[str]:
    """Clip ids that read a ticket or counter code in English."""
    clips: list[str] = []
    for part in code_parts(code):
        if not part.isdigit():
            clips.append(en_letter_clip(part))
        elif wording.number_style == "digits":
            clips += [en_word_clip(ONES[int(d)]) for d in part]
        else:
            clips += [en_word_clip(w) for w in english_number_words(int(part))]
    return clips


def call_clips(
    ticket: str, counter: str, *, recall: bool = False, wording: CallWording | None = None
) -> list[str]:
    """The clip sequence announcing ``ticket`` to ``counter``.

    A recall starts "Xin mời số" (please, number …) so the hall hears it is the second
    time; the English sentence starts "Calling again".
    """
    wording = wording or CallWording()
    clips = [CHIME, "xin-moi-so" if recall else "moi-so"]
    clips += code_clips_vi(ticket, wording)
    clips.append("den-quay-so")
    clips += code_clips_vi(counter, wording)
    if wording.english:
        if recall:
            clips.append("en-calling-again")
        clips.append("en-number")
        clips += code_clips_en(ticket, wording)
        clips.append("en-please-go-to-counter")
        clips += code_clips_en(counter, wording)
    return clips


def ticket_prompt_clips(ticket: str, wording: CallWording | None = None) -> list[str]:
    """The clip sequence the kiosk speaks for a freshly printed ``ticket``.

    Vietnamese only: it tells a citizen who cannot read the screen which number to
    listen for, in the words the hall board will use to call it.
    """
    wording = wording or CallWording()
    return [CHIME, "so-cua-ban-la", *code_clips_vi(ticket, wording), "vui-long-cho-goi-so"]


def gap_between(previous: str, following: str) -> float:
    """The pause between two clips of a call."""
    if previous == CHIME:
        return GAP_AFTER_CHIME
    if following in _SENTENCE_STARTS and previous not in _SENTENCE_STARTS:
        return GAP_BETWEEN_SENTENCES
    letters = previous.startswith(("letter-", "en-letter-"))
    if previous in _PHRASES or following in _PHRASES or letters:
        return GAP_AROUND_PHRASE
    return GAP_BETWEEN_WORDS


@dataclass(frozen=True)
class Phrase:
    """One assembled announcement: the clip sequence, the WAV file and its length."""

    clips: tuple[str, ...]
    wav: bytes
    duration_s: float


class PhraseBuilder:
    """Builds announcements from one clip set."""

    def __init__(self, clips: ClipSet, wording: CallWording | None = None) -> None:
        self.clips = clips
        self.wording = wording or CallWording()

    def check(self, sequence: Sequence[str]) -> None:
        """Raise MissingClipError naming the first clip of ``sequence`` not in the set."""
        missing = self.clips.missing(sequence)
        if missing:
            raise MissingClipError(missing[0], self.clips.folder)

    def assemble(self, sequence: Sequence[str]) -> Phrase:
        """Join the clips of ``sequence`` with their pauses into one WAV."""
        self.check(sequence)
        out = array("h")
        for index, clip_id in enumerate(sequence):
            if index:
                out += silence(gap_between(sequence[index - 1], clip_id))
            out += self.clips.samples(clip_id)
        return Phrase(tuple(sequence), wav_bytes(out), duration_s(out))

    def call(self, ticket: str, counter: str, recall: bool = False) -> Phrase:
        """The announcement of one call (or recall)."""
        return self.assemble(call_clips(ticket, counter, recall=recall, wording=self.wording))

    def ticket_prompt(self, ticket: str) -> Phrase:
        """The kiosk's spoken prompt for a printed ticket."""
        return self.assemble(ticket_prompt_clips(ticket, self.wording))
