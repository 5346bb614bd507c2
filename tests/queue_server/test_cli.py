"""``python -m queue_server`` commands, run as an installer would."""

import socket
import sqlite3

import pytest

from queue_server.server_config import DEFAULT_CONFIG
from tests.support.cli_output import assert_one_line_error, run_module
from tests.support.live_server import EXAMPLE_SITE, free_port, run_cli
from tests.support.site_mistakes import SITE_MISTAKES, site_with_mistake


def write_config(tmp_path, extra=""):
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'site = "camau-hcc"\ndata_dir = "{tmp_path}"\n{extra}')
    return cfg


def test_load_site_twice_changes_nothing_and_prints_tokens_once(tmp_path):
    cfg = write_config(tmp_path)
    assert run_cli("init-db", config=cfg).returncode == 0
    first = run_cli("load-site", str(EXAMPLE_SITE), config=cfg)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("token ") == 8
    second = run_cli("load-site", str(EXAMPLE_SITE), config=cfg)
    assert "(no change)" in second.stdout and "token " not in second.stdout
    db = sqlite3.connect(tmp_path / "motcua.db")
    assert db.execute("select count(*) from services").fetchone()[0] == 7
    hashes = [h for (h,) in db.execute("select token_hash from devices")]
    tokens = [line.split()[2] for line in first.stdout.splitlines() if line.startswith("token")]
    assert not set(tokens) & set(hashes)  # only hashes are stored
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_bad_site_file_loads_nothing_and_names_the_line(tmp_path):
    cfg = write_config(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_SITE.read_text(encoding="utf-8").replace(
        'services = ["C"]', 'services = ["Q"]'), encoding="utf-8")
    out = run_cli("load-site", str(bad), config=cfg)
    assert out.returncode == 2
    assert "bad.toml:" in out.stderr and "unknown service 'Q'" in out.stderr
    db = sqlite3.connect(tmp_path / "motcua.db") if (tmp_path / "motcua.db").exists() else None
    assert db is None or db.execute(
        "select count(*) from sqlite_master where name='services'").fetchone()[0] == 0 or \
        db.execute("select count(*) from services").fetchone()[0] == 0


def test_create_user_hashes_the_password(tmp_path):
    cfg = write_config(tmp_path)
    out = run_cli("create-user", "--role", "officer", "--username", "canbo1", "--password-stdin",
                  config=cfg, stdin="mat-khau-dai-123\n")
    assert out.returncode == 0, out.stderr
    row = sqlite3.connect(tmp_path / "motcua.db").execute(
        "select role, password_hash from users where username='canbo1'").fetchone()
    assert row[0] == "officer" and "mat-khau-dai-123" not in row[1]
    short = run_cli("create-user", "--role", "admin", "--username", "a", "--password-stdin",
                    config=cfg, stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr


def test_config_errors_name_the_key(tmp_path):
    cfg = write_config(tmp_path, 'port = "eighty"\n')
    out = run_cli("init-db", config=cfg)
    assert out.returncode == 2 and "'port'" in out.stderr
    cfg = write_config(tmp_path, 'mqtt_url = "http://x"\n')
    out = run_cli("init-db", config=cfg)
    assert out.returncode == 2 and "'mqtt_url'" in out.stderr
    missing = run_cli("init-db", config=tmp_path / "nope.toml")
    assert missing.returncode == 2 and "not found" in missing.stderr
    cfg = write_config(tmp_path, 'broker_accounts_dir = "/etc/mosquitto/motcua"\n')
    out = run_cli("init-db", config=cfg)  # no broker to keep the accounts of
    assert out.returncode == 2 and "'broker_accounts_dir'" in out.stderr
    cfg = write_config(tmp_path, 'broker_pid_file = "/run/mosquitto/mosquitto.pid"\n')
    out = run_cli("init-db", config=cfg)
    assert out.returncode == 2 and "'broker_pid_file'" in out.stderr


def test_create_user_without_a_terminal_says_to_use_password_stdin(tmp_path):
    cfg = write_config(tmp_path)
    out = run_cli("create-user", "--role", "admin", "--username", "quantri", config=cfg)
    assert_one_line_error(out, "--password-stdin", "terminal")
    assert not (tmp_path / "motcua.db").exists()  # nothing was touched
    empty = run_cli("create-user", "--role", "admin", "--username", "quantri",
                    "--password-stdin", config=cfg, stdin="")
    assert_one_line_error(empty, "--password-stdin", "empty")


def test_run_before_load_site_says_which_command_comes_first(tmp_path):
    cfg = write_config(tmp_path, f"port = {free_port()}\n")
    out = run_cli("run", config=cfg)  # a fresh install: no database, no site yet
    line = assert_one_line_error(out, "'camau-hcc'", "load-site", str(cfg))
    assert "init-db" not in line  # run creates the tables itself
    assert run_cli("init-db", config=cfg).returncode == 0
    assert_one_line_error(run_cli("run", config=cfg), "load-site")


def test_run_on_a_port_in_use_names_the_address_and_the_key(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = write_config(tmp_path, f"port = {port}\n")
        assert run_cli("load-site", str(EXAMPLE_SITE), config=cfg).returncode == 0
        out = run_cli("run", config=cfg)
        assert_one_line_error(out, f"127.0.0.1:{port}", "already in use", "'port'", str(cfg))
        flag = run_cli("run", "--port", str(port), config=cfg)
        assert_one_line_error(flag, f"127.0.0.1:{port}", "--port")
    unknown = run_cli("run", "--host", "no-such-host.invalid", config=cfg)
    assert_one_line_error(unknown, "no-such-host.invalid", "--host")


BAD_DATABASE_URLS = [
    ("postgresql+psycopg://motcua:mat-khau-bi-mat@:bad/motcua", "port 'bad' is not a number"),
    ("nonsense://motcua:mat-khau-bi-mat@host/db", "sqlite:/// or postgresql+psycopg://"),
    ("postgresql+pg8000://motcua:mat-khau-bi-mat@127.0.0.1/motcua", "'pg8000' is not installed"),
    ("postgresql+nodriver://motcua:mat-khau-bi-mat@127.0.0.1/motcua", "no database driver"),
    (f"postgresql+psycopg://motcua:mat-khau-bi-mat@127.0.0.1:{free_port()}/motcua",
     "Connection refused"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_DATABASE_URLS,
                         ids=["bad port", "not a database", "missing driver", "unknown driver",
                              "closed port"])
def test_a_bad_database_url_is_one_line_without_the_password(url, problem, tmp_path):
    cfg = write_config(tmp_path, f'database_url = "{url}"\n')
    for command in (["init-db"], ["run"], ["rollup"], ["load-site", str(EXAMPLE_SITE)]):
        out = run_cli(*command, config=cfg)
        assert_one_line_error(out, "'database_url'", f"in {cfg}", problem, "motcua:***@")
        assert "mat-khau-bi-mat" not in out.stderr + out.stdout
    plain = write_config(tmp_path)
    out = run_cli("create-user", "--role", "admin", "--username", "quantri", "--password-stdin",
                  config=plain, stdin="quan-tri-mat-khau-1\n", env={"MOTCUA_DATABASE_URL": url})
    assert_one_line_error(out, "'database_url'", "from MOTCUA_DATABASE_URL", problem)
    assert "mat-khau-bi-mat" not in out.stderr + out.stdout


@pytest.mark.parametrize("case", SITE_MISTAKES)
def test_load_site_names_the_line_of_the_bad_value(case, tmp_path):
    cfg = write_config(tmp_path)
    site, line, message = site_with_mistake(tmp_path, case)
    out = run_cli("load-site", str(site), config=cfg)
    assert_one_line_error(out, f"{site}:{line}: {message}")
    assert not (tmp_path / "motcua.db").exists()  # nothing loaded, no database made


def test_load_site_of_a_file_it_cannot_read_is_one_line(tmp_path):
    cfg = write_config(tmp_path)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(EXAMPLE_SITE.read_text(encoding="utf-8").encode("utf-8", "replace")
                       .replace("Cà Mau".encode(), "Cà Mau".encode("latin-1")))
    for path, problem in ((tmp_path / "nope.toml", "not found"), (tmp_path, "is a folder"),
                          (latin1, "not UTF-8")):
        assert_one_line_error(run_cli("load-site", str(path), config=cfg), str(path), problem)


def test_a_postgresql_database_that_does_not_exist_is_named(pg_url, tmp_path):
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(database="motcua_no_such_db", query={}, password="mat-khau-1")
    cfg = write_config(tmp_path)
    env = {"MOTCUA_DATABASE_URL": url.render_as_string(hide_password=False)}
    for command in (["init-db"], ["run"]):
        out = run_cli(*command, config=cfg, env=env)
        assert_one_line_error(out, "'database_url'", "from MOTCUA_DATABASE_URL",
                              '"motcua_no_such_db" does not exist')
        assert "mat-khau-1" not in out.stderr


def test_a_database_from_a_newer_version_is_named_not_migrated(tmp_path):
    cfg = write_config(tmp_path)
    assert run_cli("init-db", config=cfg).returncode == 0
    db = sqlite3.connect(tmp_path / "motcua.db")
    with db:
        db.execute("update alembic_version set version_num = '9999_from_the_future'")
    db.close()
    out = run_cli("init-db", config=cfg)
    assert_one_line_error(out, "'data_dir'", "9999_from_the_future", "newer")


def test_a_data_dir_that_is_a_file_names_the_key(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'site = "camau-hcc"\ndata_dir = "{blocker / "var"}"\n', encoding="utf-8")
    out = run_cli("init-db", config=cfg)
    assert_one_line_error(out, "'data_dir'", f"{blocker} is a file, not a folder")
    # the database elsewhere: the session secret still wants data_dir
    db = f"sqlite:///{tmp_path / 'motcua.db'}"
    cfg.write_text(f'site = "camau-hcc"\ndata_dir = "{blocker}"\ndatabase_url = "{db}"\n'
                   f"port = {free_port()}\n", encoding="utf-8")
    assert run_cli("load-site", str(EXAMPLE_SITE), config=cfg).returncode == 0
    out = run_cli("run", config=cfg)
    assert_one_line_error(out, "'data_dir'", "is a file, not a folder", "'secret_key'")


@pytest.mark.skipif(DEFAULT_CONFIG.exists(), reason="this machine has a server config")
def test_no_config_at_all_says_how_to_give_one():
    out = run_module("queue_server", "init-db")
    assert_one_line_error(out, "--config", str(DEFAULT_CONFIG), "MOTCUA_SITE")
