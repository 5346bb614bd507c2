"""``python -m firmware_config``: generate a hall's files, validate them, back up the database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from firmware_config.hall_generator import DEFAULT_SERVER_HOST, HTTP_PORT, generate
from firmware_config.local_ca import CertificateError
from firmware_config.site_checks import check_folder, check_site
from firmware_config.site_source import SiteFileError
from firmware_config.sqlite_backup import (
    DEFAULT_KEEP,
    BackupError,
    backup,
    db_path_of,
    integrity_problems,
    restore,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m firmware_config",
        description="Set up a MotCua Queue hall: broker accounts and ACL, device configs, "
        "TLS, checks, and backups of the server database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="write mosquitto.conf, passwd, acl, tokens and one config per device",
        description="Write every file a hall needs into --out. Re-running keeps the "
        "passwords, tokens and certificates already there. Secrets go only into files "
        "of mode 0600, never to the screen.",
    )
    gen.add_argument("site", metavar="SITE.toml")
    gen.add_argument("--out", required=True, metavar="DIR", help="output folder")
    gen.add_argument("--tls", action="store_true", help="local CA, broker certificate, mqtts://")
    gen.add_argument(
        "--server-host",
        default=DEFAULT_SERVER_HOST,
        metavar="HOST",
        help=f"the server Pi's LAN address as devices reach it (default {DEFAULT_SERVER_HOST})",
    )
    gen.add_argument(
        "--http-port", type=int, default=HTTP_PORT, metavar="PORT",
        help=f"the server's HTTP port (default {HTTP_PORT})",
    )
    gen.add_argument(
        "--mqtt-port", type=int, metavar="PORT",
        help="the broker's port (default 1883, with --tls 8883)",
    )
    gen.add_argument(
        "--rehearsal", action="store_true",
        help="a hall that runs on this machine as it is, to try before installing Pis: "
        "addresses 127.0.0.1, broker files, database and device data inside --out",
    )

    val = sub.add_parser(
        "validate",
        help="check a site file and, given DIR, the files generated from it",
        description="Print every problem as FILE:LINE: message; exit 1 if there is any.",
    )
    val.add_argument("site", metavar="SITE.toml")
    val.add_argument("out", nargs="?", metavar="DIR", help="folder written by generate")

    bak = sub.add_parser(
        "backup",
        help="copy the live SQLite database (online backup API) and keep the newest N",
    )
    bak.add_argument("db", metavar="DB_PATH", help="database file or sqlite:/// URL")
    bak.add_argument("dest", metavar="DEST_DIR")
    bak.add_argument("--keep", type=int, default=DEFAULT_KEEP, help="backups to keep (14)")

    res = sub.add_parser(
        "restore",
        help="put a backup in place of the database (stop motcua-server first)",
    )
    res.add_argument("backup_file", metavar="BACKUP.db")
    res.add_argument("db", metavar="DB_PATH", help="database file or sqlite:/// URL")

    chk = sub.add_parser(
        "check-db",
        help="integrity check of the SQLite database before the server starts",
        description="Exit 1 if the database fails PRAGMA integrity_check; 0 if sound or absent.",
    )
    chk.add_argument("db", metavar="DB_PATH", help="database file or sqlite:/// URL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except (SiteFileError, ValueError, CertificateError, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _generate(args: argparse.Namespace) -> int:
    report = generate(
        args.site,
        args.out,
        tls=args.tls,
        server_host=args.server_host,
        http_port=args.http_port,
        mqtt_port=args.mqtt_port,
        rehearsal=args.rehearsal,
    )
    for name in report.written:
        print(f"wrote {Path(args.out) / name}")
    if report.unchanged:
        print(f"unchanged: {', '.join(report.unchanged)}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    source, problems, warnings = check_site(args.site)
    if source is not None and args.out:
        problems += check_folder(source, args.out)
    for warning in warnings:
        print(f"{warning} (warning)")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


def _backup(args: argparse.Namespace) -> int:
    if args.keep < 1:
        raise ValueError("--keep must be at least 1")
    print(f"backup {backup(args.db, args.dest, keep=args.keep)}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    aside = restore(args.backup_file, args.db)
    if aside is not None:
        print(f"the previous database was moved to {aside}")
    print(f"restored {db_path_of(args.db)} from {args.backup_file}")
    return 0


def _check_db(args: argparse.Namespace) -> int:
    path = db_path_of(args.db)
    if not path.exists():
        print(f"{path}: no database yet")
        return 0
    if not path.is_file():
        raise BackupError(f"{path}: is not a database file")
    problems = integrity_problems(path)
    if problems:
        print(f"{path}: integrity check failed: {problems[:5]}", file=sys.stderr)
        print("restore the newest backup: python -m firmware_config restore", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


_COMMANDS = {
    "generate": _generate,
    "validate": _validate,
    "backup": _backup,
    "restore": _restore,
    "check-db": _check_db,
}
