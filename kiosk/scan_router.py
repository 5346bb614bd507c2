"""What a scanned (or typed) text means to the kiosk, without any device or screen.

A barcode scanner hands over whatever the paper in front of it holds: the QR of a
booking slip (``<public url>/booking/K7M2-Q9XA``), a booking code typed or printed
alone, but also a bank's payment QR, another site's link or line noise. The router
turns each text into one ``Scan``: a check-in with a normalised booking code, or
"unreadable" (the screen then says "Không đọc được mã này" and nothing is issued).

Readers are tried in order, so another kind of paper is one more reader in the
list: the kiosk's router reads booking slips first, then dossier receipts
(``read_dossier_receipt``), whose text goes to the server as it is: the server reads
the receipt's fields with the province's rules, so there is one parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

#: Crockford base32 without I, L, O, U (DESIGN.md section 11: booking codes)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
#: longer texts are refused before any parsing: a scanner burst is capped at this too
MAX_SCAN_CHARS = 4096
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


@dataclass(frozen=True)
class Scan:
    """What one scanned text asks for: ``kind`` "check_in" (``value`` the code),
    "dossier" (``value`` the receipt's text) or "unreadable"."""

    kind: str
    value: str = ""


UNREADABLE = Scan("unreadable")

#: a reader returns the Scan it recognises, or None to let the next reader try
Reader = Callable[[str], "Scan | None"]


def normalise_code(text: str) -> str | None:
    """A booking code as stored (8 characters, no dash), or None when ``text`` is not one.

    Case does not matter, the dash and spaces are optional, I and L read as 1 and O
    as 0 (how codes get mistyped from paper or read over the phone).
    """
    if not isinstance(text, str) or len(text) > 2 * CODE_LENGTH:
        return None
    compact = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def display_code(code: str) -> str:
    """``K7M2Q9XA`` → ``K7M2-Q9XA``; a partial code shows the dash once past four."""
    return code if len(code) <= 4 else f"{code[:4]}-{code[4:]}"


def _origin(url: str) -> tuple[str, int, str] | None:
    """(host, port, path without the trailing slash) of an http(s) URL, or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    return parts.hostname.lower(), port, parts.path.rstrip("/")


class BookingReader:
    """Booking QR links of this centre and bare booking codes.

    ``bases`` are the addresses the centre's booking slips point to (the server's
    public URL, the kiosk's own server URL): a ``/booking/<code>`` link of any
    other site is not this centre's booking and is refused.
    """

    def __init__(self, bases: Iterable[str]) -> None:
        self.bases = [origin for b in bases if b and (origin := _origin(b)) is not None]

    def __call__(self, text: str) -> Scan | None:
        stripped = text.strip()
        code = normalise_code(stripped)
        if code is not None:
            return Scan("check_in", code)
        origin = _origin(stripped)
        if origin is None:
            return None
        host, port, path = origin
        for base_host, base_port, base_path in self.bases:
            prefix = f"{base_path}/booking/"
            if (host, port) == (base_host, base_port) and path.startswith(prefix):
                code = normalise_code(unquote(path[len(prefix):]))
                if code is not None:
                    return Scan("check_in", code)
        return None


class ScanRouter:
    """Tries each reader in turn; text none of them knows is "unreadable"."""

    def __init__(self, readers: Sequence[Reader]) -> None:
        self.readers = list(readers)

    def route(self, text: object) -> Scan:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_SCAN_CHARS:
            return UNREADABLE
        if any(ch in text for ch in "\x00\ufffd"):  # binary noise or bytes that were not UTF-8
            return UNREADABLE
        for reader in self.readers:
            found = reader(text)
            if found is not None:
                return found
        return UNREADABLE


def read_dossier_receipt(text: str) -> Scan | None:
    """A dossier receipt's QR text or a typed dossier code, passed on for the server.

    Web addresses (another site's link, a booking link of another centre) and bank
    payment codes (EMVCo, "000201…") are not receipts; anything else printable may be
    one, and the server says whether it can read it.
    """
    stripped = text.strip()
    if _origin(stripped) is not None or "://" in stripped or stripped.startswith("000201"):
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in stripped):
        return None
    return Scan("dossier", stripped)


def kiosk_router(*bases: str | None) -> ScanRouter:
    """Booking slips of this centre first, then dossier receipts."""
    return ScanRouter([BookingReader([b for b in bases if b]), read_dossier_receipt])


def booking_router(*bases: str | None) -> ScanRouter:
    """The kiosk's router: booking links under ``bases`` and bare booking codes."""
    return ScanRouter([BookingReader([b for b in bases if b])])
