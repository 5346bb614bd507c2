"""provision.sh against a fake root: the files it writes, and a second run changing nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_config.hall_generator import generate

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "firmware_config" / "provision.sh"
SITE = REPO / "firmware_config" / "examples" / "site.toml"
UNITS = sorted((REPO / "firmware_config" / "systemd").iterdir())


def _tree(root: Path) -> dict[str, tuple]:
    state = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        body = os.readlink(path) if path.is_symlink() else (
            path.read_bytes() if path.is_file() else None)
        state[str(path.relative_to(root))] = (st.st_mode, st.st_mtime_ns, body)
    return state


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """provision.sh in a frozen copy of the source, so edits elsewhere cannot change a run."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(REPO / "firmware_config", src / "firmware_config",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", src / "pyproject.toml")
    return src / "firmware_config" / "provision.sh"


def _provision(script: Path, root: Path, *args: str) -> str:
    env = {**os.environ, "MOTCUA_ROOT": str(root)}
    done = subprocess.run(["bash", str(script), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    out = tmp_path_factory.mktemp("hall")
    generate(SITE, out, tls=True, server_host="192.168.1.10")
    return out


def _fake_pi(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    boot = root / "boot" / "firmware"
    boot.mkdir(parents=True)
    (boot / "config.txt").write_text("dtparam=audio=on\n[cm5]\ndtoverlay=dwc2,dr_mode=host\n")
    (boot / "cmdline.txt").write_text("console=tty1 root=PARTUUID=1-02 rootwait consoleblank=600\n")
    dropin = root / "etc/systemd/system/getty@tty1.service.d"
    dropin.mkdir(parents=True)
    (dropin / "autologin.conf").write_text("[Service]\nExecStart=\n")
    return root


def test_script_is_clean_for_bash_and_shellcheck():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed")
    subprocess.run(["shellcheck", str(SCRIPT)], check=True)


def test_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    # the venv of a Pi does not exist here: point the units at this machine's python
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/motcua/venv/bin/python", sys.executable))
        copies.append(str(copy))
    done = subprocess.run(["systemd-analyze", "verify", *copies],
                          capture_output=True, text=True, timeout=60)
    problems = [ln for ln in done.stderr.splitlines() if "motcua" in ln]
    assert problems == [], done.stderr


@pytest.mark.parametrize("role,config", [
    ("server", "server.toml"), ("kiosk", "kiosk-1.toml"),
    ("display", "display-1.toml"), ("counter", "counter-2.toml"),
])
def test_second_run_changes_nothing(tmp_path, script, hall, role, config):
    root = _fake_pi(tmp_path)
    first = _provision(script, root, role, str(hall / config))
    assert "changed: " in first
    after_first = _tree(root)
    second = _provision(script, root, role, str(hall / config))
    assert "changed" not in second and second.rstrip().endswith("0 change(s)")
    assert _tree(root) == after_first

    etc = root / "etc"
    cfg = etc / "motcua" / f"{role}.toml"
    assert cfg.read_bytes() == (hall / config).read_bytes()
    assert oct(cfg.stat().st_mode & 0o777) == "0o640"
    assert (etc / "motcua/ca.crt").read_bytes() == (hall / "ca.crt").read_bytes()
    unit = etc / f"systemd/system/motcua-{role}.service"
    assert "Restart=always" in unit.read_text()
    assert os.readlink(etc / f"systemd/system/multi-user.target.wants/motcua-{role}.service") == (
        f"/etc/systemd/system/motcua-{role}.service")
    assert not (etc / "systemd/system/getty@tty1.service.d/autologin.conf").exists()
    config_txt = (root / "boot/firmware/config.txt").read_text()
    assert config_txt.count("dtoverlay=vc4-kms-v3d") == 1
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert len(cmdline.splitlines()) == 1
    assert ("consoleblank=0" in cmdline.split()) == (role in ("kiosk", "display"))
    chrony = (etc / "chrony/conf.d/motcua.conf").read_text()
    if role == "server":
        assert "local stratum 8" in chrony and "allow 192.168.1.0/24" in chrony
        assert (etc / "mosquitto/conf.d/motcua.conf").read_bytes() == (
            hall / "mosquitto.conf").read_bytes()
        for name in ("passwd", "acl", "server.crt", "server.key", "ca.crt"):
            assert (etc / "mosquitto/motcua" / name).read_bytes() == (hall / name).read_bytes()
        # the server rewrites them (devices added in /admin); the broker's group reads them
        assert oct((etc / "mosquitto/motcua/passwd").stat().st_mode & 0o777) == "0o640"
        assert oct((etc / "mosquitto/motcua").stat().st_mode & 0o7777) == "0o2750"
        watch = etc / "systemd/system/multi-user.target.wants/motcua-broker-reload.path"
        assert os.readlink(watch) == "/etc/systemd/system/motcua-broker-reload.path"
        assert "reload-request" in (etc / "systemd/system/motcua-broker-reload.path").read_text()
        assert (etc / "systemd/system/timers.target.wants/motcua-backup.timer").is_symlink()
        assert (root / "var/backups/motcua").is_dir()
    else:
        assert "server 192.168.1.10 iburst" in chrony
        assert not (etc / "mosquitto").exists()


def test_dry_run_prints_actions_and_writes_nothing(tmp_path, script, hall):
    root = _fake_pi(tmp_path)
    before = _tree(root)
    args = ["--dry-run", "--read-only-root", "counter", str(hall / "counter-1.toml")]
    out = _provision(script, root, *args)
    assert _tree(root) == before
    assert "would change: /etc/motcua/counter.toml" in out
    assert "would run: raspi-config nonint enable_overlayfs" in out
    assert "would run: usermod -a -G gpio motcua" in out


def test_refuses_a_read_only_server_and_unknown_roles(tmp_path, hall):
    for args in (["--read-only-root", "server", str(hall / "server.toml")],
                 ["printer", str(hall / "server.toml")]):
        done = subprocess.run(["bash", str(SCRIPT), *args],
                              env={**os.environ, "MOTCUA_ROOT": str(tmp_path)},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
