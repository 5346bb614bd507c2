"""``python -m queue_server``: run the server, create the database, load a site, add users."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
import threading
from pathlib import Path

from protocol.config_file import ConfigError
from queue_server.json_logging import configure_logging
from queue_server.server_config import ServerConfig

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
    run.add_argument("--port", type=int, help="port to listen on (default from config, 8080)")
    run.add_argument(
        "--threads", type=int, default=32,
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
    return handler(config, args)


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

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu / password: ")
        if getpass.getpass("Nhập lại / again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
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
    upgrade(runtime.engine)
    app = create_app(runtime)
    host = args.host or config.host
    port = args.port or config.port
    server = create_server(app, host=host, port=port, threads=args.threads, ident="motcua-queue")
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
