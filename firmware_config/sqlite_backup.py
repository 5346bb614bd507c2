"""Nightly copies of the server's SQLite database, and putting one back.

The database runs in WAL mode with ``synchronous=FULL`` (queue_server/storage), so a
power cut loses nothing committed; a backup guards against a dying SD card. SQLite's
online backup API copies a consistent snapshot while the server keeps writing, which
a plain ``cp`` of a WAL database does not.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

PREFIX, SUFFIX = "motcua-", ".db"
DEFAULT_KEEP = 14


class BackupError(RuntimeError):
    """A backup or restore could not be made; nothing was changed."""


def db_path_of(target: str | Path) -> Path:
    """A file path from a path or a ``sqlite:///`` URL."""
    text = str(target)
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if "://" in text:
        raise BackupError(
            f"{text.partition('://')[0]}:// is not a SQLite database: backup, restore and "
            "check-db handle the SQLite file (for PostgreSQL use pg_dump)"
        )
    return Path(text)


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` findings; empty when the file is sound."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db: str | Path, dest_dir: str | Path, *, keep: int = DEFAULT_KEEP,
           now: datetime | None = None) -> Path:
    """Copy a live database to ``dest_dir/motcua-YYYYmmdd-HHMMSS.db``; keep the newest ``keep``."""
    src_path = db_path_of(db)
    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such database")
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    final = dest / f"{PREFIX}{stamp}{SUFFIX}"
    tmp = dest / f".{final.name}.partial"
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(src_path, timeout=30)
    try:
        copy = sqlite3.connect(tmp)
        try:
            src.backup(copy)
            # a backup is one self-contained file, not a WAL pair
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"{src_path}: cannot be copied as a SQLite database: {exc}") from None
    finally:
        src.close()
    problems = integrity_problems(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"{src_path}: the copy fails its integrity check: {problems[:3]}")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    _fsync_dir(dest)
    rotate(dest, keep)
    return final


def rotate(dest_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups (names sort by time); the deleted ones."""
    backups = sorted(p for p in dest_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    old = backups[: max(len(backups) - keep, 0)]
    for path in old:
        path.unlink()
    return old


def restore(backup_file: str | Path, db: str | Path, *, now: datetime | None = None) -> Path | None:
    """Put a backup in place of the database (server stopped); returns where the old one went.

    The current database and its WAL files are moved aside, never deleted, so a
    wrong restore can itself be undone.
    """
    source = Path(backup_file)
    target = db_path_of(db)
    problems = integrity_problems(source) if source.is_file() else ["no such file"]
    if problems:
        raise BackupError(f"{source}: not a sound backup: {problems[:3]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    aside: Path | None = None
    if target.exists():
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{target}{suffix}")
            if part.exists():
                os.replace(part, Path(f"{aside}{suffix}"))
    tmp = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return aside
