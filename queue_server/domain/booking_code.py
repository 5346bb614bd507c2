"""Booking codes: 8 Crockford base32 characters, read aloud or typed as ``XXXX-XXXX``.

Crockford's alphabet leaves out I, L, O and U, so a code copied from paper or spoken
over the phone survives the usual confusions: input is case-insensitive, the dash and
spaces are optional, I and L read as 1 and O as 0.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    """A fresh random code (40 bits from ``secrets``), without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """The stored form of what a citizen typed, or None when it cannot be a code."""
    if not isinstance(text, str) or len(text) > 2 * LENGTH:
        return None
    compact = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def display_code(code: str) -> str:
    """``"K7M2Q9XA"`` → ``"K7M2-Q9XA"``: how a code is printed, shown and put in links."""
    return f"{code[:4]}-{code[4:]}"
