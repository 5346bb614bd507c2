"""Merging the broker's account files: the database wins, nothing else is lost."""

from __future__ import annotations

from firmware_config.broker_acl import SERVER_USER, parse_acl
from firmware_config.mosquitto_passwd import hash_password, parse_passwd, verify_password
from queue_server.broker_accounts import merge_accounts
from queue_server.domain.site_spec import DeviceSpec

COUNTER = DeviceSpec("counter-1", "counter", "1")
KIOSK = DeviceSpec("kiosk-1", "kiosk")


def _hashes(text: str) -> dict[str, str]:
    return {u: h for u, (_, h) in parse_passwd(text).items()}


def test_database_hash_wins_and_file_hashes_stay():
    file_counter, file_kiosk, db_kiosk = (hash_password(p) for p in ("c", "k-old", "k-new"))
    old = f"{SERVER_USER}:{hash_password('s')}\ncounter-1:{file_counter}\nkiosk-1:{file_kiosk}\n"
    files = merge_accounts("hcc", [(COUNTER, None), (KIOSK, db_kiosk)], "s", old)
    hashes = _hashes(files.passwd)
    assert hashes["counter-1"] == file_counter
    assert hashes["kiosk-1"] == db_kiosk
    assert hashes[SERVER_USER] == _hashes(old)[SERVER_USER]  # still matches: untouched


def test_server_entry_follows_the_servers_own_password():
    old = f"{SERVER_USER}:{hash_password('old')}\n"
    hashes = _hashes(merge_accounts("hcc", [], "new", old).passwd)
    assert verify_password("new", hashes[SERVER_USER])
    assert SERVER_USER not in _hashes(merge_accounts("hcc", [], None, "").passwd)


def test_device_without_any_password_gets_rules_but_no_login():
    files = merge_accounts("hcc", [(COUNTER, None)], None)
    assert "counter-1" not in _hashes(files.passwd)
    rules, problems = parse_acl(files.acl)
    assert problems == []
    assert [r.line() for _, r in rules["counter-1"]] == [
        "topic write motcua/hcc/counter/1/cmd",
        "topic read motcua/hcc/counter/1/state",
        "topic write motcua/hcc/device/counter-1/status",
    ]


def test_accounts_the_server_does_not_know_are_kept_with_their_rules():
    monitor = hash_password("m")
    old_acl = "user monitor\ntopic read motcua/hcc/#\n\nuser counter-1\ntopic readwrite #\n"
    files = merge_accounts("hcc", [(COUNTER, None)], None, f"monitor:{monitor}\n", old_acl)
    assert _hashes(files.passwd)["monitor"] == monitor
    rules, _ = parse_acl(files.acl)
    assert [r.line() for _, r in rules["monitor"]] == ["topic read motcua/hcc/#"]
    # a known device's rules are always the generated ones, never the old file's
    assert "topic readwrite #" not in [r.line() for _, r in rules["counter-1"]]
