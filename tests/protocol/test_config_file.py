"""Config errors name the key, never a password."""

from __future__ import annotations

import pytest

from protocol.broker_url import BrokerUrl
from protocol.config_file import hide_password


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mqtt://kiosk-1:mat-khau@192.168.1.10:1883", "mqtt://kiosk-1:***@192.168.1.10:1883"),
        ("postgresql+psycopg://motcua:mat@khau@db:bad/x", "postgresql+psycopg://motcua:***@db:bad/x"),
        ("postgresql://motcua@db/x", "postgresql://motcua@db/x"),
        ("sqlite:////var/lib/motcua/motcua.db", "sqlite:////var/lib/motcua/motcua.db"),
        ("nonsense", "nonsense"),
    ],
)
def test_hide_password(url, shown):
    assert hide_password(url) == shown


@pytest.mark.parametrize("url", ["mqtt://u:mat-khau@host:bad", "http://u:mat-khau@host",
                                 "mqtt://u:mat-khau@:1883"])
def test_broker_url_errors_do_not_show_the_password(url):
    with pytest.raises(ValueError) as info:
        BrokerUrl.parse(url)
    assert "mat-khau" not in str(info.value) and "u:***@" in str(info.value)
