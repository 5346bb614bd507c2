"""Password hashes in Mosquitto 2's own format, checked against the real tool."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from firmware_config.mosquitto_passwd import hash_password, parse_passwd, verify_password


def test_format_is_pbkdf2_sha512_with_101_iterations_and_12_byte_salt():
    hashed = hash_password("mật khẩu")
    empty, tag, iterations, salt, digest = hashed.split("$")
    assert (empty, tag, iterations) == ("", "7", "101")
    assert len(base64.b64decode(salt)) == 12
    assert len(base64.b64decode(digest)) == 64
    assert verify_password("mật khẩu", hashed)
    assert not verify_password("mat khau", hashed)
    assert hash_password("x") != hash_password("x")  # fresh salt each time


@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto_passwd absent")
def test_hash_of_the_real_tool_verifies_and_ours_has_its_shape(tmp_path):
    path = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(path), "counter-1", "s3cret-Pass"],
                   check=True)
    line, hashed = parse_passwd(path.read_text())["counter-1"]
    assert verify_password("s3cret-Pass", hashed)
    assert not verify_password("wrong", hashed)
    salt = base64.b64decode(hashed.split("$")[3])
    assert hash_password("s3cret-Pass", salt=salt) == hashed
