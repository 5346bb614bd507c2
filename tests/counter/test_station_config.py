"""The counter config: the example loads, and every mistake names its key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter.station_config import StationConfig, load_station_config
from protocol.config_file import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "firmware_config" / "examples" / "counter.toml"


def base(**overrides: object) -> dict:
    cfg: dict = {
        "site": "camau-hcc",
        "device_id": "counter-1",
        "counter": "1",
        "mqtt_url": "mqtt://127.0.0.1:1883",
        "buttons": {"next": 17, "recall": 27, "skip": 22},
        "leds": {"online": 5, "busy": 6},
    }
    cfg.update(overrides)
    return cfg


def test_example_file_loads() -> None:
    cfg = load_station_config(EXAMPLE, env={})
    assert cfg.site == "camau-hcc"
    assert cfg.counter == "1"
    assert cfg.buttons == {"next": 17, "recall": 27, "skip": 22}
    assert cfg.leds == {"online": 5, "busy": 6}
    assert cfg.buzzer is None
    assert cfg.debounce_s == pytest.approx(0.3)
    assert cfg.mqtt_url.username == "counter-1"


def test_environment_overrides_the_file() -> None:
    cfg = load_station_config(
        EXAMPLE, env={"MOTCUA_MQTT_URL": "mqtt://10.0.0.2:1884", "MOTCUA_SITE": "other"}
    )
    assert (cfg.mqtt_url.host, cfg.mqtt_url.port, cfg.site) == ("10.0.0.2", 1884, "other")


def test_optional_buttons_leds_and_buzzer() -> None:
    cfg = StationConfig.from_dict(
        base(
            counter=6,
            buttons={"next": 17, "complete": 23, "pause": 24, "resume": 25},
            leds={"paused": 12, "empty": 16},
            buzzer=26,
        )
    )
    assert cfg.counter == "6"
    assert set(cfg.buttons) == {"next", "complete", "pause", "resume"}
    assert cfg.leds == {"paused": 12, "empty": 16}
    assert cfg.buzzer == 26


@pytest.mark.parametrize(
    ("cfg", "key"),
    [
        (base(counter=None), "counter"),
        (base(buttons={"next": 17, "call": 18}), "buttons.call"),
        (base(leds={"online": 5, "red": 6}), "leds.red"),
        (base(buttons={"next": "17"}), "buttons.next"),
        (base(buttons={"next": 28}), "buttons.next"),
        (base(buttons={"next": -1}), "buttons.next"),
        (base(buttons={"next": 4.0}), "buttons.next"),
        (base(buttons={"next": True}), "buttons.next"),
        (base(buttons={"next": 17, "recall": 17}), "buttons.recall"),
        (base(leds={"online": 27}), "leds.online"),
        (base(buzzer=17), "buzzer"),
        (base(buzzer=40), "buzzer"),
        (base(buttons={"recall": 27}), "buttons.next"),
        (base(buttons=None), "buttons"),
        (base(buttons=[17]), "buttons"),
        (base(mqtt_url="http://broker"), "mqtt_url"),
        (base(mqtt_url=None), "mqtt_url"),
        (base(site=None), "site"),
        (base(device_id=None), "device_id"),
        (base(debounce_s="fast"), "debounce_s"),
        (base(debounce_s=-1), "debounce_s"),
        (base(counter="5/cmd"), "counter"),
    ],
)
def test_errors_name_the_key(cfg: dict, key: str) -> None:
    cfg = {k: v for k, v in cfg.items() if v is not None}
    with pytest.raises(ConfigError) as info:
        StationConfig.from_dict(cfg)
    assert f"'{key}'" in str(info.value)


def test_duplicate_pin_names_both_keys() -> None:
    with pytest.raises(ConfigError) as info:
        StationConfig.from_dict(base(leds={"online": 17}))
    assert "'leds.online'" in str(info.value)
    assert "buttons.next" in str(info.value)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counter", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_config_error_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "counter.toml"
    path.write_text(
        'site = "camau-hcc"\ndevice_id = "counter-1"\nmqtt_url = "mqtt://127.0.0.1:1"\n'
        "[buttons]\nnext = 17\nrecal = 27\n",
        encoding="utf-8",
    )
    result = run_cli("run", "--config", str(path), "--mock-pins")
    assert result.returncode == 2
    assert "'counter'" in result.stderr
    assert "Traceback" not in result.stderr

    path.write_text('counter = "1"\n' + path.read_text(), encoding="utf-8")
    result = run_cli("run", "--config", str(path), "--mock-pins")
    assert result.returncode == 2
    assert "'buttons.recal'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", "--config", str(tmp_path / "absent.toml"))
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_cli_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    result = run_cli("run", "--help")
    assert result.returncode == 0
    assert "--mock-pins" in result.stdout
