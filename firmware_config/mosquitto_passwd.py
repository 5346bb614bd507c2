"""Mosquitto 2 password hashes, written without the ``mosquitto_passwd`` tool.

The installer's laptop may have no Mosquitto installed, yet the broker on the server
Pi must accept the file. Mosquitto 2 stores ``user:$7$<iterations>$<salt>$<hash>``:
PBKDF2-HMAC-SHA512 over the password with a random 12-byte salt, 101 iterations by
default, salt and 64-byte hash in standard base64 with padding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 101
SALT_BYTES = 12
_TAG = "7"


def hash_password(
    password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS
) -> str:
    """The ``$7$…`` hash Mosquitto 2 checks ``password`` against."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    salt_text, digest_text = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"${_TAG}${iterations}${salt_text}${digest_text}"


def verify_password(password: str, hashed: str) -> bool:
    """True when ``hashed`` (a ``$7$`` entry) was made from ``password``."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != _TAG:
        return False
    try:
        iterations = int(parts[2])
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


def parse_passwd(text: str) -> dict[str, tuple[int, str]]:
    """``username -> (line number, hash)`` of a password file; blank and # lines skipped."""
    entries: dict[str, tuple[int, str]] = {}
    for no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        user, hashed = line.split(":", 1)
        entries[user] = (no, hashed)
    return entries


def render_passwd(hashes: dict[str, str]) -> str:
    """A password file from ``username -> hash``, in a stable order."""
    return "".join(f"{user}:{hashed}\n" for user, hashed in sorted(hashes.items()))
