from pathlib import Path

import pytest

from queue_server.domain.site_spec import SiteSpecError, parse_site

EXAMPLE = Path(__file__).resolve().parents[3] / "firmware_config" / "examples" / "site.toml"


def test_example_site_parses():
    spec = parse_site(EXAMPLE.read_text(encoding="utf-8"))
    assert spec.id == "camau-hcc"
    assert [s.code for s in spec.services] == ["A", "B", "C", "D", "E", "U"]
    assert spec.services[0].name_vi == "Đất đai"
    assert len(spec.counters) >= 6
    assert {d.kind for d in spec.devices} == {"kiosk", "display", "counter"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('services = ["C"]', 'services = ["Z"]'), "serves unknown service 'Z'"),
        (('number = "2"', 'number = "1"'), "duplicate counter number '1'"),
        (('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = ["7h-11h"]'), "bad time span"),
        (('code = "B"', 'code = "A"'), "duplicate service code 'A'"),
        (('kind = "display"', 'kind = "tv"'), "kind must be one of"),
    ],
)
def test_errors_name_the_line(change, expected):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert change[0] in text
    bad = text.replace(change[0], change[1], 1)
    with pytest.raises(SiteSpecError) as info:
        parse_site(bad, "site.toml")
    message = str(info.value)
    assert expected in message
    line_no = int(message.split(":")[1])
    assert 1 < line_no <= len(bad.splitlines())


def test_invalid_toml_names_the_line():
    with pytest.raises(SiteSpecError, match=r"^x.toml:2: not valid TOML"):
        parse_site('[site]\nid = "a\n', "x.toml")
