"""validate: each kind of mistake is found and named with its file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware_config.cli import main
from tests.support.cli_output import run_module
from tests.support.site_mistakes import SITE_MISTAKES, site_with_mistake

SITE = Path(__file__).resolve().parents[2] / "firmware_config" / "examples" / "site.toml"


def _line_of(path: Path, pattern: str, nth: int = 0) -> int:
    hits = [no for no, ln in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, ln)]
    return hits[nth]


def _site(tmp_path: Path, old: str, new: str) -> Path:
    text = SITE.read_text()
    assert old in text
    path = tmp_path / "site.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def _validate(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *map(str, args)])
    return code, capsys.readouterr().out


def test_the_example_and_its_generated_folder_are_fine(tmp_path, capsys):
    out = tmp_path / "hall"
    assert main(["generate", str(SITE), "--out", str(out), "--tls"]) == 0
    capsys.readouterr()
    assert _validate(capsys, SITE, out) == (0, "ok\n")


def test_a_counter_serving_an_unknown_field_names_its_line(tmp_path, capsys):
    site = _site(tmp_path, 'services = ["B", "E"]', 'services = ["B", "X"]')
    code, out = _validate(capsys, site)
    assert code == 1
    line = _line_of(site, 'services = \\["B", "X"\\]')
    assert f"{site}:{line}: counter 4 serves unknown service 'X'" in out


@pytest.mark.parametrize("case", SITE_MISTAKES)
def test_validate_names_the_line_of_the_bad_value(case, tmp_path):
    site, line, message = site_with_mistake(tmp_path, case)
    out = run_module("firmware_config", "validate", str(site))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(out.stdout.splitlines()) == 1
    assert out.stdout.startswith(f"{site}:{line}: {message}")


def test_a_pin_used_twice_and_a_bad_pin_name_their_lines(tmp_path, capsys):
    site = _site(tmp_path, 'counter = "2"\n',
                 'counter = "2"\n\n[devices.buttons]\nnext = 17\nrecall = 17\n\n'
                 '[devices.leds]\nonline = 31\n')
    code, out = _validate(capsys, site)
    assert code == 1
    assert f"{site}:{_line_of(site, r'^recall = 17')}: device counter-2: GPIO 17" in out
    line = _line_of(site, r"^online = 31")
    assert f"{site}:{line}: device counter-2: 'leds.online' must be" in out


def test_unknown_button_names_and_kiosk_buttons_for_missing_services(tmp_path, capsys):
    site = _site(tmp_path, 'kind = "kiosk"\n', 'kind = "kiosk"\nbuttons = { A = 17, Z = 27 }\n')
    code, out = _validate(capsys, site)
    assert code == 1
    assert f"{site}:{_line_of(site, 'buttons = ')}: device kiosk-1: unknown buttons name 'Z'" in out


def test_bad_toml_names_its_line(tmp_path, capsys):
    site = _site(tmp_path, 'id = "kiosk-1"', 'id = "kiosk-1')
    code, out = _validate(capsys, site)
    assert code == 1
    assert f"{site}:{_line_of(site, 'kiosk-1')}:" in out


@pytest.fixture
def hall(tmp_path, capsys):
    out = tmp_path / "hall"
    assert main(["generate", str(SITE), "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_a_device_without_credentials(hall, capsys):
    (hall / "counter-4.toml").unlink()
    lines = (hall / "passwd").read_text().splitlines()
    lines = [ln for ln in lines if not ln.startswith("kiosk-1:")]
    (hall / "passwd").write_text("\n".join(lines) + "\n")
    display = hall / "display-1.toml"
    display.write_text(display.read_text().replace("mqtt://display-1:", "mqtt://display-1:x"))
    code, out = _validate(capsys, SITE, hall)
    assert code == 1
    assert f"{hall / 'counter-4.toml'}:1: missing" in out
    assert f"{hall / 'passwd'}:1: no password entry for kiosk-1" in out
    assert f"{display}:{_line_of(display, '^mqtt_url')}: password does not match" in out


def test_a_wrong_port_and_an_acl_gap(hall, capsys):
    conf = hall / "mosquitto.conf"
    conf.write_text(conf.read_text().replace("listener 1883", "listener 70000"))
    acl = hall / "acl"
    acl.write_text(acl.read_text().replace(
        "topic write motcua/camau-hcc/counter/2/cmd", "topic write motcua/camau-hcc/counter/+/cmd"))
    code, out = _validate(capsys, SITE, hall)
    assert code == 1
    assert f"{conf}:{_line_of(conf, '^listener')}: listener port must be 1..65535" in out
    acl_line = _line_of(acl, r"counter/\+/cmd")
    wrong = "topic write motcua/camau-hcc/counter/+/cmd"
    assert f"{acl}:{acl_line}: counter-2 must not have '{wrong}'" in out
    assert "counter-2 lacks 'topic write motcua/camau-hcc/counter/2/cmd'" in out


def test_readable_secrets_and_a_wrong_counter(hall, capsys):
    (hall / "tokens.txt").chmod(0o644)
    cfg = hall / "counter-5.toml"
    cfg.write_text(cfg.read_text().replace('counter = "5"', 'counter = "6"'))
    code, out = _validate(capsys, SITE, hall)
    assert code == 1
    assert f"{hall / 'tokens.txt'}:1: holds secrets but is readable by others" in out
    assert f"{cfg}:{_line_of(cfg, '^counter =')}: counter must be '5'" in out


def test_appointment_slots_outside_opening_hours_are_a_warning(tmp_path, capsys):
    site = _site(tmp_path, 'prefix = "H", max_share = 0.5 }',
                 'prefix = "H", max_share = 0.5, hours = ["06:00-08:00", "08:00-11:00"] }')
    code, out = _validate(capsys, site)
    assert code == 0
    line = _line_of(site, r'prefix = "H"')
    assert (f"{site}:{line}: service A: appointment slots 06:00-08:00 fall outside the "
            "field's opening hours") in out


def test_an_unknown_appointments_key_names_its_line(tmp_path, capsys):
    site = _site(tmp_path, 'prefix = "K",', 'prefix = "K", seats = 3,')
    code, out = _validate(capsys, site)
    assert code == 1
    assert f"{site}:{_line_of(site, 'seats = 3')}: service B: unknown appointments key" in out
