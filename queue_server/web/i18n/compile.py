"""Compile every area's ``messages.po`` into ``messages.mo``; ``--check`` only compares.

Usage: ``python -m queue_server.web.i18n.compile [--check]``. The check exits with
status 1 and names each stale catalogue, so a test (and CI) catch a forgotten compile.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from queue_server.web.i18n import area_directories


def catalogue_files() -> list[Path]:
    return sorted(
        po for area in area_directories() for po in area.glob("*/LC_MESSAGES/messages.po")
    )


def compiled(po_path: Path) -> bytes:
    """The ``.mo`` bytes for one ``.po`` file (fuzzy entries left out, as gettext does)."""
    with po_path.open("rb") as handle:
        catalogue = read_po(handle, locale=po_path.parts[-3])
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def _messages(mo_bytes: bytes) -> dict:
    """What a ``.mo`` says: every id with its translation. The header is left out, since
    it names the Babel release that wrote the file and nothing a page shows."""
    def key(text):  # a plural message holds a list of forms
        return text if isinstance(text, str) else tuple(text)

    return {key(m.id): key(m.string) for m in read_mo(io.BytesIO(mo_bytes)) if m.id}


def stale_catalogues() -> list[Path]:
    """``.po`` files whose ``.mo`` is missing or translates differently from a fresh compile."""
    stale = []
    for po in catalogue_files():
        mo = po.with_suffix(".mo")
        if not mo.exists() or _messages(mo.read_bytes()) != _messages(compiled(po)):
            stale.append(po)
    return stale


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = stale_catalogues()
    if check:
        for po in stale:
            print(f"stale: {po} (run python -m queue_server.web.i18n.compile)")
        return 1 if stale else 0
    for po in stale:
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"compiled {po.with_suffix('.mo')}")
    print(f"{len(catalogue_files())} catalogues, {len(stale)} rebuilt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
