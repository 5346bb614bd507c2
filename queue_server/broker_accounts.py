"""The broker's password file and ACL, kept by the server from its device table.

When ``broker_accounts_dir`` is set, a device added in /admin (or given a new broker
password there) gets its Mosquitto account at once: the server rewrites ``passwd``
and ``acl`` in that folder and makes the broker read them again (SIGHUP through
``broker_pid_file``, or on a Pi the ``motcua-broker-reload.path`` unit, which watches
the folder's ``reload-request`` file). The rules are those of DESIGN.md section 4,
from firmware_config.

Devices whose broker password was set in /admin carry its hash in the database, and
that hash wins. Every other account already in the file (devices set up with
``firmware_config generate``, anything an installer added by hand) is kept as it is,
so the generated hall folder and the admin pages can both be used on one hall.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmware_config.broker_acl import SERVER_USER, parse_acl, render_acl
from firmware_config.hall_generator import GenerateReport, write_file
from firmware_config.mosquitto_passwd import (
    hash_password,
    parse_passwd,
    render_passwd,
    verify_password,
)
from queue_server.domain.site_spec import DeviceSpec
from queue_server.storage.tables import Device, Site

log = logging.getLogger(__name__)

#: the broker (group ``mosquitto``) reads the files; nobody else may
FILE_MODE = 0o640
#: written after every change; the path unit that reloads the broker watches it
RELOAD_REQUEST = "reload-request"


@dataclass(frozen=True)
class AccountFiles:
    passwd: str
    acl: str


def merge_accounts(
    site: str,
    devices: Iterable[tuple[DeviceSpec, str | None]],
    server_password: str | None,
    old_passwd: str = "",
    old_acl: str = "",
    retired: Iterable[str] = (),
) -> AccountFiles:
    """The new ``passwd`` and ``acl`` texts; pure, so every rule is tested without files.

    ``devices`` pairs each device in use with the hash kept in the database (or None).
    A device's hash comes from the database, else from the old file; the server's
    entry is kept while it still matches the server's own password. ``retired``
    devices lose their login and their rules.
    """
    devices = list(devices)
    old = {user: hashed for user, (_, hashed) in parse_passwd(old_passwd).items()}
    hashes: dict[str, str] = {}
    known = {SERVER_USER, *(spec.id for spec, _ in devices), *retired}
    for user, hashed in old.items():
        if user not in known:
            hashes[user] = hashed  # an account this server does not manage: left alone
    server_hash = old.get(SERVER_USER)
    if server_password and not (server_hash and verify_password(server_password, server_hash)):
        server_hash = hash_password(server_password)
    if server_hash:
        hashes[SERVER_USER] = server_hash
    for spec, stored in devices:
        hashed = stored or old.get(spec.id)
        if hashed:
            hashes[spec.id] = hashed

    acl = render_acl(site, tuple(spec for spec, _ in devices))
    rules, problems = parse_acl(old_acl)
    for line, message in problems:
        log.warning("broker acl line %d dropped: %s", line, message)
    for user, numbered in rules.items():
        if user in known:
            continue
        acl += f"user {user}\n" + "".join(f"{rule.line()}\n" for _, rule in numbered) + "\n"
    return AccountFiles(render_passwd(hashes), acl)


class BrokerAccounts:
    """Writes the broker's account files from the database and has the broker reload them."""

    def __init__(
        self, folder: Path, site: str, server_password: str | None, pid_file: Path | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.site = site
        self.server_password = server_password
        self.pid_file = pid_file
        #: held by whoever changes a device's account, until that change is committed
        self.lock = threading.RLock()

    # --- the files -----------------------------------------------------------------------

    def _read(self, name: str) -> str:
        try:
            return (self.folder / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def users(self) -> set[str]:
        """The accounts the broker's password file holds now."""
        return set(parse_passwd(self._read("passwd")))

    def write(self, db: Session, site_row: Site) -> bool:
        """Bring both files in line with the device table; True when either changed.

        Raises OSError when a file cannot be written, so that an admin change made in
        the same transaction rolls back with it. The ACL is written first: a rule for an
        account that cannot log in yet is harmless, a login without its rules is not.
        """
        rows = db.scalars(
            select(Device).where(Device.site_id == site_row.id).order_by(Device.code)
        ).all()
        files = merge_accounts(
            self.site,
            [(d.spec, d.broker_password_hash) for d in rows if d.active],
            self.server_password,
            self._read("passwd"),
            self._read("acl"),
            retired=[d.code for d in rows if not d.active],
        )
        report = GenerateReport()
        write_file(self.folder / "acl", files.acl, FILE_MODE, report)
        write_file(self.folder / "passwd", files.passwd, FILE_MODE, report)
        return bool(report.written)

    def reload(self) -> bool:
        """Ask the broker to read its files again; True when it was signalled here.

        The request file is rewritten in place either way: ``motcua-broker-reload.path``
        watches it on a Pi, where the broker runs as another user the server cannot
        signal. (A watch on ``passwd`` itself would miss the atomic rename that writes it.)
        """
        try:
            with open(self.folder / RELOAD_REQUEST, "w", encoding="utf-8") as request:
                request.write(f"{datetime.now(UTC).isoformat()}\n")
        except OSError as exc:
            log.error("could not ask for a broker reload in %s: %s", self.folder, exc)
        if self.pid_file is None:
            return False
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except (OSError, ValueError) as exc:
            log.error("could not signal the broker to reload its accounts (%s): %s",
                      self.pid_file, exc)
            return False
        log.info("broker %d reloads its accounts", pid)
        return True

    def sync(self, db: Session, site_row: Site) -> None:
        """At start: the files follow the database (after a restore, say).

        Call it holding ``lock`` around the whole transaction, as admin changes do.
        """
        if self.write(db, site_row):
            log.info("broker accounts rewritten in %s", self.folder)
            self.reload()
