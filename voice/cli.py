"""Command line of the offline voice.

``python -m voice generate --out DIR [--lang vi] [--also-en]`` makes a clip set with
espeak-ng; ``python -m voice say A012 5 --clips DIR --out call.wav`` writes the
announcement of one call (to listen to a clip set, or to test a recorded voice);
``python -m voice say-ticket A012 --clips DIR --out ticket.wav`` writes the kiosk's
prompt for a printed ticket.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from voice.clip_set import (
    DEFAULT_PITCH,
    DEFAULT_SPEED,
    ClipError,
    ClipSet,
    generate_clip_set,
)
from voice.phrase import CallWording, PhraseBuilder
from voice.vietnamese_numbers import NORTHERN, NUMBER_STYLES, SOUTHERN

#: espeak-ng voices for --lang
LANG_VOICES = {"vi": "vi", "vi-south": "vi-vn-x-south", "vi-central": "vi-vn-x-central"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voice", description="Offline Vietnamese announcements of MotCua Queue."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="make a clip set with espeak-ng")
    gen.add_argument("--out", required=True, help="clip folder (created if missing)")
    gen.add_argument(
        "--lang", choices=sorted(LANG_VOICES), default="vi",
        help="espeak-ng Vietnamese voice: vi (northern, default), vi-south, vi-central",
    )
    gen.add_argument("--also-en", action="store_true", help="add the English clips")
    gen.add_argument("--speed", type=int, default=DEFAULT_SPEED, help="words per minute")
    gen.add_argument("--pitch", type=int, default=DEFAULT_PITCH, help="0..99")
    gen.add_argument(
        "--force", action="store_true", help="regenerate recorded clips too (overwrites them)"
    )
    say = sub.add_parser("say", help="write the announcement of one call as a WAV file")
    say.add_argument("ticket", help='ticket number, e.g. "A012"')
    say.add_argument("counter", help='counter, e.g. "5"')
    say.add_argument("--clips", required=True, help="clip folder")
    say.add_argument("--out", required=True, help="WAV file to write")
    say.add_argument("--english", action="store_true", help="add the English sentence")
    say.add_argument("--recall", action="store_true", help="word it as a recall")
    ticket = sub.add_parser(
        "say-ticket", help="write the kiosk's spoken prompt for a printed ticket as a WAV file"
    )
    ticket.add_argument("ticket", help='ticket number, e.g. "A012"')
    ticket.add_argument("--clips", required=True, help="clip folder")
    ticket.add_argument("--out", required=True, help="WAV file to write")
    for command in (say, ticket):
        command.add_argument("--numbers", choices=NUMBER_STYLES, default="number",
                             help='"number": A012 is "a, mười hai"; "digits": "a, không một hai"')
        command.add_argument(
            "--southern", action="store_true", help='"lẻ"/"ngàn" instead of "linh"/"nghìn"'
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            report = generate_clip_set(
                args.out,
                english=args.also_en,
                voice=LANG_VOICES[args.lang],
                speed=args.speed,
                pitch=args.pitch,
                force=args.force,
            )
            print(f"generated {len(report.generated)} clips in {args.out}")
            if report.kept_recorded:
                print(f"kept {len(report.kept_recorded)} recorded clips: "
                      + ", ".join(report.kept_recorded))
            print(f"file names and texts: {report.manifest}")
            return 0
        wording = CallWording(
            english=getattr(args, "english", False),
            number_style=args.numbers,
            reading=SOUTHERN if args.southern else NORTHERN,
        )
        builder = PhraseBuilder(ClipSet(args.clips), wording)
        if args.command == "say-ticket":
            phrase = builder.ticket_prompt(args.ticket)
        else:
            phrase = builder.call(args.ticket, args.counter, recall=args.recall)
        Path(args.out).write_bytes(phrase.wav)
        print(f"{args.out}: {phrase.duration_s:.2f} s: {' '.join(phrase.clips)}")
        return 0
    except (ClipError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file that cannot be made or written
        print(f"error: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
