"""``python -m queue_server`` commands, run as an installer would."""

import sqlite3

from tests.support.live_server import EXAMPLE_SITE, run_cli


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
    assert db.execute("select count(*) from services").fetchone()[0] == 6
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
