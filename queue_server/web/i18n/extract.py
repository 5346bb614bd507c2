"""Finding the message ids that templates and Python modules ask for (Babel extraction).

``python -m queue_server.web.i18n.extract FILE...`` lists the ids of those files that
have no Vietnamese translation in any area's catalogue, so a new string is not
forgotten before a release.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from queue_server.web.i18n import area_directories

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
}


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    where: str


def messages_in(path: Path) -> list[Message]:
    method = "jinja2" if path.suffix == ".html" else "python"
    found = []
    for lineno, message, _comments, _context in extract_from_file(
        method, str(path), keywords=KEYWORDS,
        options={"extensions": "jinja2.ext.do"} if method == "jinja2" else None,
    ):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
        else:
            singular, plural = message, None
        if singular:
            found.append(Message(singular, plural, f"{path}:{lineno}"))
    return found


def vietnamese_catalogue() -> dict[str, str | tuple]:
    """Every translated id of every area (the merge Flask-Babel does at run time)."""
    merged: dict[str, str | tuple] = {}
    for area in area_directories():
        po = area / "vi" / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale="vi")
        for message in catalogue:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                merged[key] = message.string
    return merged


def untranslated(paths: list[Path]) -> list[Message]:
    known = vietnamese_catalogue()
    return [m for p in paths for m in messages_in(p) if m.msgid not in known]


def main(argv: list[str]) -> int:
    missing = untranslated([Path(a) for a in argv])
    for m in missing:
        print(f"{m.where}: no Vietnamese for {m.msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
