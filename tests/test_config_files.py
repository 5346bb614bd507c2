"""Every role's command answers a config file it cannot use with one line and status 2."""

from __future__ import annotations

import pytest

from tests.support.cli_output import ROOT, assert_one_line_error, run_module

EXAMPLES = ROOT / "firmware_config" / "examples"

#: (module, arguments before --config) of every command that reads a role config
COMMANDS = [
    ("queue_server", ["init-db"]),
    ("queue_server", ["run"]),
    ("kiosk", ["run"]),
    ("kiosk", ["print-ticket", "--service", "A"]),
    ("display", ["run"]),
    ("display", ["screenshots", "--out", "shots"]),
    ("counter", ["run", "--mock-pins"]),
]


def _unusable_files(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('site = "Cà Mau"\n'.encode("latin-1"))
    return [
        (tmp_path / "nope.toml", "config file not found"),
        (folder, "is a folder"),
        (latin1, "not UTF-8"),
    ]


@pytest.mark.parametrize(("module", "args"), COMMANDS, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else v)
def test_a_missing_or_unreadable_config_file_is_one_line(module, args, tmp_path):
    for path, problem in _unusable_files(tmp_path):
        out = run_module(module, *args, "--config", str(path))
        assert_one_line_error(out, str(path), problem)


@pytest.mark.parametrize(
    ("module", "example", "key"),
    [
        ("queue_server", "server.toml", "ca_file"),
        ("display", "display.toml", "ca_file"),
        ("counter", "counter.toml", "mqtt_ca_file"),
    ],
)
def test_a_ca_file_missing_or_without_a_certificate_names_its_key(module, example, key,
                                                                   tmp_path):
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    config = tmp_path / example
    args = {"queue_server": ["run"], "display": ["run"], "counter": ["run", "--mock-pins"]}
    not_a_cert = tmp_path / "notes.txt"
    not_a_cert.write_text("Mật khẩu wifi: …\n", encoding="utf-8")
    for ca, problem in ((tmp_path / "ca.crt", "no such file"), (not_a_cert, "no PEM certificate")):
        config.write_text(f'{key} = "{ca}"\n{text}', encoding="utf-8")
        out = run_module(module, *args[module], "--config", str(config), timeout=30)
        assert_one_line_error(out, f"'{key}'", str(ca), problem)


@pytest.mark.parametrize(("module", "example"), [
    ("queue_server", "server.toml"), ("kiosk", "kiosk.toml"), ("display", "display.toml"),
    ("counter", "counter.toml"),
])
def test_a_bad_broker_url_names_the_key_but_not_the_password(module, example, tmp_path):
    command = {"kiosk": ["run"], "counter": ["run", "--mock-pins"]}.get(module, ["run"])
    config = tmp_path / example
    config.write_text((EXAMPLES / example).read_text(encoding="utf-8").replace(
        'device_token = ""', 'device_token = "a-token-of-twenty-chars"'), encoding="utf-8")
    out = run_module(module, *command, "--config", str(config), timeout=30,
                     env={"MOTCUA_MQTT_URL": "mqtt://user:mat-khau-bi-mat@192.168.1.10:bad"})
    assert_one_line_error(out, "'mqtt_url'", "user:***@")
    assert "mat-khau-bi-mat" not in out.stderr + out.stdout
