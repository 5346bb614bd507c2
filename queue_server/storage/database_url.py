"""Checking a ``database_url`` before use.

A mistyped URL or a missing driver should stop the server at start with one line an
installer can act on, not with SQLAlchemy's traceback. The messages never repeat the
URL: the caller shows it through ``hide_password``, as the line goes to the journal.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

#: backends the schema and the queries are written for
BACKENDS = ("sqlite", "postgresql")

def check_database_url(url: str) -> URL:
    """The parsed URL, or a ValueError saying what is wrong (without the URL itself).

    Checks what can be checked without connecting: the syntax, that the backend is
    SQLite or PostgreSQL, and that the named driver is installed.
    """
    try:
        parsed = make_url(url)
    except ValueError as exc:  # a port that is not a number
        detail = str(exc).rpartition(": ")[2]
        raise ValueError(f"not a database URL: the port {detail} is not a number") from None
    except ArgumentError:
        raise ValueError("not a database URL (e.g. postgresql+psycopg://user@host/db)") from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise ValueError(
            f"must be a sqlite:/// or postgresql+psycopg:// URL, not {backend}://"
        )
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise ValueError(
            f"no database driver {parsed.get_driver_name()!r} for {backend} "
            f"(use postgresql+psycopg://)" if backend == "postgresql" else
            f"no database driver {parsed.get_driver_name()!r} for sqlite (use sqlite:///PATH)"
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        driver = parsed.get_driver_name()
        missing = f" (no module {exc.name!r})" if exc.name and exc.name != driver else ""
        raise ValueError(
            f"the database driver {driver!r} is not installed{missing}; "
            f"use postgresql+psycopg:// or sqlite:///PATH"
        ) from None
    return parsed
