"""``python -m queue_server``: run the server, create the database, load a site, add users."""

from __future__ import annotations

import argparse
import errno
import getpass
import logging
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from protocol.config_file import ConfigError
from queue_server.json_logging import configure_logging
from queue_server.server_config import ServerConfig

if TYPE_CHECKING:
    from queue_server.runtime import Runtime

log = logging.getLogger("queue_server")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m queue_server",
        description="MotCua Queue server: ticket API, officer console, dashboard, MQTT bridge.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--config", metavar="PATH", help="server TOML config (default /etc/motcua/server.toml)"
        )
        return p

    run = add("run", "serve HTTP (waitress) and run the MQTT bridge")
    run.add_argument("--host", help="address to listen on (default from config, 127.0.0.1)")
    run.add_argument("--port", type=_port, help="port to listen on (default from config, 8080)")
    run.add_argument(
        "--threads", type=_threads, default=32,
        help="HTTP worker threads (default 32: live pages each hold one while open)",
    )

    add("init-db", "create the database or migrate it to the newest schema")

    load = add("load-site", "load fields, counters and devices from a site TOML file")
    load.add_argument("site_file", metavar="SITE.toml")

    user = add("create-user", "create an account (or reset its password)")
    user.add_argument("--role", required=True, choices=["admin", "manager", "officer"])
    user.add_argument("--username", required=True)
    user.add_argument("--full-name", default="")
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of a prompt",
    )

    rollup = add("rollup", "store (again) the daily report roll-up of finished days")
    rollup.add_argument("--from", dest="first", metavar="YYYY-MM-DD",
                        help="first day (default: the day of the oldest ticket)")
    rollup.add_argument("--to", dest="last", metavar="YYYY-MM-DD",
                        help="last day (default: yesterday)")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 1..65535, got {port}")
    return port


def _threads(text: str) -> int:
    try:
        threads = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if threads < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {threads}")
    return threads


class CommandError(Exception):
    """A failure the installer can fix; the message is the one line printed for it."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = ServerConfig.load(args.config)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    configure_logging(config.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    handler = {
        "run": _run,
        "init-db": _init_db,
        "load-site": _load_site,
        "create-user": _create_user,
        "rollup": _rollup,
    }[args.command]
    try:
        return handler(config, args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except Exception as exc:
        problem = _database_problem(config, exc)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
    return 2


def _database_problem(config: ServerConfig, exc: Exception) -> str | None:
    """One line for a database that cannot be reached or migrated; None for other faults."""
    from alembic.util import CommandError as MigrationError
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError):
        reason = str(exc.orig if exc.orig is not None else exc)
        reason = (reason.strip().splitlines() or ["no reason given"])[0]
        password = make_url(config.database_url).password
        if password:
            reason = reason.replace(password, "***")
        return f"{config.database_label} cannot use the database: {reason}"
    if isinstance(exc, MigrationError):
        return (f"{config.database_label} the schema cannot be brought up to date "
                f"(a database of a newer MotCua version?): {exc}")
    return None


def _engine(config: ServerConfig):
    from queue_server.storage.database import make_engine

    config.prepare_storage()
    return make_engine(config.database_url)


def _init_db(config: ServerConfig, args) -> int:
    from queue_server.storage.migrate import upgrade

    engine = _engine(config)
    upgrade(engine)
    engine.dispose()
    print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    return 0


def _load_site(config: ServerConfig, args) -> int:
    from queue_server.domain.site_spec import SiteSpecError, parse_site
    from queue_server.site_loader import load_site
    from queue_server.storage.database import make_session_factory
    from queue_server.storage.migrate import upgrade

    path = Path(args.site_file)
    try:
        spec = parse_site(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        print(f"{path}: file not found", file=sys.stderr)
        return 2
    except IsADirectoryError:
        print(f"{path}: is a folder, not a site file", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{path}: cannot read the site file: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"{path}: not UTF-8 text (byte {exc.start}): save the site file as UTF-8",
              file=sys.stderr)
        return 2
    except SiteSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if spec.id != config.site:
        print(
            f"error: {path} describes site {spec.id!r} but the server config has "
            f"site = {config.site!r}",
            file=sys.stderr,
        )
        return 2
    engine = _engine(config)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        report = load_site(session, spec)
    engine.dispose()
    print(
        f"site {report.site}: {report.services} services, {report.counters} counters"
        f"{'' if report.changed else ' (no change)'}"
    )
    for device, token in report.new_tokens.items():
        print(f"token {device} {token}")
    return 0


def _create_user(config: ServerConfig, args) -> int:
    from queue_server.accounts import AccountError, create_user
    from queue_server.storage.database import make_session_factory
    from queue_server.storage.migrate import upgrade

    password = _password_from_stdin() if args.password_stdin else _ask_password()
    engine = _engine(config)
    upgrade(engine)
    try:
        with make_session_factory(engine)() as session, session.begin():
            create_user(session, args.username, password, args.role, args.full_name)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"user {args.username} ({args.role}) saved")
    return 0


def _password_from_stdin() -> str:
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CommandError("--password-stdin: standard input is empty: no account changed")
    return line.rstrip("\r\n")


def _ask_password() -> str:
    """The password typed twice at the terminal; a CommandError when there is none."""
    if sys.stdin is None or not sys.stdin.isatty():
        raise CommandError(
            "no terminal to ask the password on: give it on standard input with "
            "--password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | python -m queue_server "
            "create-user … --password-stdin)"
        )
    try:
        password = getpass.getpass("Mật khẩu / password: ")
        again = getpass.getpass("Nhập lại / again: ")
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        raise CommandError("no password given: no account changed") from None
    if again != password:
        raise CommandError("the two passwords differ: no account changed")
    return password


def _rollup(config: ServerConfig, args) -> int:
    from queue_server.statistics.rollup_command import roll_up_command

    engine = _engine(config)
    try:
        return roll_up_command(engine, config.site, args.first, args.last)
    finally:
        engine.dispose()


def _run(config: ServerConfig, args) -> int:
    from waitress.server import create_server

    from queue_server.runtime import Runtime
    from queue_server.storage.migrate import upgrade
    from queue_server.web import create_app

    runtime = Runtime.build(config)
    try:
        upgrade(runtime.engine)
        _require_site(runtime, config)
        app = create_app(runtime)
        host = args.host or config.host
        port = args.port or config.port
        try:
            server = create_server(
                app, host=host, port=port, threads=args.threads, ident="motcua-queue"
            )
        except (OSError, ValueError) as exc:
            raise CommandError(_listen_problem(exc, host, port, args, config)) from None
    except BaseException:
        runtime.engine.dispose()
        raise
    runtime.start()
    stop = threading.Event()

    def _shutdown(signum, frame) -> None:
        stop.set()
        server.close()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    log.info("serving on http://%s:%d (site %s)", host, port, config.site)
    try:
        server.run()
    except OSError:
        if not stop.is_set():
            raise
    finally:
        runtime.stop()
        log.info("stopped")
    return 0


def _require_site(runtime: Runtime, config: ServerConfig) -> None:
    """The hall's site must be in the database: without it no page or device can work."""
    from queue_server.domain.queue_error import QueueError

    try:
        with runtime.hall.read() as db:
            runtime.hall.site(db)
    except QueueError:
        config_option = f" --config {config.config_file}" if config.config_file else ""
        raise CommandError(
            f"site {config.site!r} (config key 'site') is not in the database yet: run "
            f"`python -m queue_server load-site SITE.toml{config_option}` first"
        ) from None


def _listen_problem(exc: Exception, host: str, port: int, args, config: ServerConfig) -> str:
    """Why the server cannot listen, naming the address and the setting that chose it."""
    # waitress turns a host name it cannot resolve into a ValueError
    cause = exc if isinstance(exc, OSError) else exc.__context__
    code = cause.errno if isinstance(cause, OSError) else None
    host_problem = isinstance(cause, socket.gaierror) or code == errno.EADDRNOTAVAIL
    key, flag, given = ("host", "--host", args.host) if host_problem else ("port", "--port",
                                                                           args.port)
    if given:
        fix = f"give another {flag}"
    elif config.config_file:
        fix = f"change config key '{key}' in {config.config_file} or give {flag}"
    else:
        fix = f"set config key '{key}' or give {flag}"
    if code == errno.EADDRINUSE:
        reason = "the port is already in use, perhaps by a server already running"
    elif code == errno.EACCES and port < 1024:
        reason = "ports below 1024 need root (use 8080)"
    elif isinstance(cause, socket.gaierror):
        reason = f"unknown host name {host!r}"
    elif host_problem:
        reason = f"{host!r} is not an address of this machine"
    else:
        reason = (getattr(cause, "strerror", None) or str(exc)).lower()
        fix = "check config keys 'host' and 'port' or give --host and --port"
    return f"cannot listen on {host}:{port}: {reason}; {fix}"
