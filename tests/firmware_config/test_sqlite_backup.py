"""Online backups of a live WAL database, rotation, restore and the start-up check."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta

from firmware_config.cli import main
from firmware_config.sqlite_backup import backup, integrity_problems
from tests.support.cli_output import assert_one_line_error, run_module


def _live_db(path):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE ticket (id INTEGER PRIMARY KEY, number TEXT, pad BLOB)")
    return conn


def test_backup_while_the_server_writes_is_consistent(tmp_path):
    db = tmp_path / "motcua.db"
    conn = _live_db(db)
    for i in range(200):
        conn.execute("INSERT INTO ticket (number, pad) VALUES (?, randomblob(2000))", (f"A{i}",))
    stop = threading.Event()
    written = []

    def writer():
        i = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO ticket (number, pad) VALUES (?, randomblob(9))", (f"B{i}",))
            conn.execute("COMMIT")
            written.append(i)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [backup(db, tmp_path / "backups", now=datetime(2025, 1, 1, 2, 30, n))
                  for n in range(3)]
    finally:
        stop.set()
        thread.join()
    assert written, "the writer never ran alongside the backups"
    for copy in copies:
        assert integrity_problems(copy) == []
        check = sqlite3.connect(copy)
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        first = check.execute("SELECT count(*) FROM ticket WHERE number LIKE 'A%'").fetchone()
        assert first[0] == 200
        check.close()
    assert not list((tmp_path / "backups").glob(".*"))


def test_rotation_keeps_the_newest(tmp_path):
    db = tmp_path / "motcua.db"
    _live_db(db).close()
    start = datetime(2025, 3, 1, 2, 30)
    for day in range(20):
        backup(db, tmp_path / "b", keep=14, now=start + timedelta(days=day))
    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(kept) == 14
    assert kept[0] == "motcua-20250307-023000.db" and kept[-1] == "motcua-20250320-023000.db"


def test_restore_puts_the_backup_back_and_keeps_the_old_file(tmp_path, capsys):
    db = tmp_path / "motcua.db"
    conn = _live_db(db)
    conn.execute("INSERT INTO ticket (number) VALUES ('A001')")
    conn.close()
    assert main(["backup", str(db), str(tmp_path / "b"), "--keep", "3"]) == 0
    (copy,) = (tmp_path / "b").iterdir()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO ticket (number) VALUES ('A002')")
    conn.commit()
    conn.close()
    assert main(["restore", str(copy), f"sqlite:///{db}"]) == 0
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT number FROM ticket")] == ["A001"]
    conn.close()
    assert len(list(tmp_path.glob("motcua.db.before-restore-*"))) == 1
    assert main(["check-db", str(db)]) == 0


def test_check_db_refuses_a_damaged_file(tmp_path, capsys):
    db = tmp_path / "motcua.db"
    conn = _live_db(db)
    for i in range(300):
        conn.execute("INSERT INTO ticket (number, pad) VALUES (?, randomblob(3000))", (f"A{i}",))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    data[4096 * 3: 4096 * 3 + 2000] = b"\xff" * 2000
    db.write_bytes(bytes(data))
    assert main(["check-db", str(db)]) == 1
    assert "integrity check failed" in capsys.readouterr().err
    assert main(["check-db", str(tmp_path / "absent.db")]) == 0


def test_backup_restore_and_check_of_what_is_not_a_sqlite_file_are_one_line(tmp_path):
    text = tmp_path / "server.toml"
    text.write_text('site = "camau-hcc"\n', encoding="utf-8")
    out = run_module("firmware_config", "backup", str(text), str(tmp_path / "backups"))
    assert_one_line_error(out, str(text), "not a database")
    assert not list((tmp_path / "backups").iterdir())  # no partial copy left
    url = "postgresql+psycopg://motcua:mat-khau@127.0.0.1/motcua"
    for command in (["backup", url, str(tmp_path)], ["check-db", url],
                    ["restore", str(text), url]):
        out = run_module("firmware_config", *command)
        assert_one_line_error(out, "pg_dump")
        assert "mat-khau" not in out.stderr
    assert_one_line_error(run_module("firmware_config", "check-db", str(tmp_path)),
                          str(tmp_path), "not a database file")
