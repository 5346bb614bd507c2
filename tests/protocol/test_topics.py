import pytest

from protocol import Topics
from protocol.broker_url import BrokerUrl


def test_topic_names_follow_the_contract():
    t = Topics("camau-hcc")
    assert t.cmd("5") == "motcua/camau-hcc/counter/5/cmd"
    assert t.state("5") == "motcua/camau-hcc/counter/5/state"
    assert t.calls == "motcua/camau-hcc/calls"
    assert t.board == "motcua/camau-hcc/board"
    assert t.status("kiosk-1") == "motcua/camau-hcc/device/kiosk-1/status"
    assert t.counter_of("motcua/camau-hcc/counter/12/cmd") == "12"
    assert t.counter_of("motcua/other/counter/12/cmd") is None
    assert t.device_of("motcua/camau-hcc/device/kiosk-1/status") == "kiosk-1"


def test_broker_url_parsing():
    u = BrokerUrl.parse("mqtts://kiosk-1:s%40cret@127.0.0.1:8883")
    assert (u.host, u.port, u.username, u.password, u.tls) == (
        "127.0.0.1", 8883, "kiosk-1", "s@cret", True)
    assert "s@cret" not in str(u)
    assert BrokerUrl.parse("mqtt://127.0.0.1").port == 1883
    with pytest.raises(ValueError):
        BrokerUrl.parse("http://127.0.0.1")
