from pathlib import Path

import pytest

from queue_server.domain.site_spec import SiteLines, SiteSpecError, parse_site

EXAMPLE = Path(__file__).resolve().parents[3] / "firmware_config" / "examples" / "site.toml"


def test_example_site_parses():
    spec = parse_site(EXAMPLE.read_text(encoding="utf-8"))
    assert spec.id == "camau-hcc"
    assert [s.code for s in spec.services] == ["A", "B", "C", "D", "E", "U"]
    assert spec.services[0].name_vi == "Đất đai"
    assert len(spec.counters) >= 6
    assert {d.kind for d in spec.devices} == {"kiosk", "display", "counter"}


def _changed(old: str, new: str, nth: int = 0) -> tuple[str, int]:
    """The example with the ``nth`` ``old`` replaced, and the line number of the change."""
    text = EXAMPLE.read_text(encoding="utf-8")
    at = -1
    for _ in range(nth + 1):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old):], text.count("\n", 0, at) + 1


@pytest.mark.parametrize(
    ("old", "new", "nth", "expected"),
    [
        ('services = ["C"]', 'services = ["Z"]', 0, "serves unknown service 'Z'"),
        ('services = ["A", "D"]', 'services = ["A", "Q"]', 0, "serves unknown service 'Q'"),
        ('number = "3"', 'number = "2"', 0, "duplicate counter number '2' (first on line 73)"),
        ('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = ["7h-11h"]', 0, "bad time span"),
        ('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = "07:00-11:30"', 0,
         "hours must be a list"),
        ("weekdays = [1, 2, 3, 4, 5]", "weekdays = [1, 8]", 0, "weekdays must be 1..7"),
        ("daily_limit = 200", 'daily_limit = "200"', 0, "daily_limit must be a whole number"),
        ("target_wait_min = 15", "target_wait_min = 0", 1, "target_wait_min must be"),
        ('code = "B"', 'code = "A"', 0, "duplicate service code 'A' (first on line 19)"),
        ('kind = "display"', 'kind = "tv"', 0, "kind must be one of"),
        ('id = "camau-hcc"', 'id = "Cà Mau"', 0, "site.id must be"),
        ('priority_mode = "strict"', 'priority_mode = "fair"', 0, "site.priority_mode"),
    ],
)
def test_errors_name_the_line_of_the_bad_value(old, new, nth, expected):
    bad, line = _changed(old, new, nth)
    with pytest.raises(SiteSpecError) as info:
        parse_site(bad, "site.toml")
    assert str(info.value).startswith(f"site.toml:{line}: ")
    assert expected in str(info.value)


def test_a_missing_key_names_its_table_header():
    bad, _ = _changed('name_vi = "Tư pháp – Hộ tịch"\n', "")
    with pytest.raises(SiteSpecError, match=r"^site.toml:28: service B: name_vi is missing"):
        parse_site(bad, "site.toml")


def test_keys_of_sub_tables_and_inline_tables_have_their_own_lines():
    lines = SiteLines(
        '[site]\nid = "x"\n\n[[devices]]\nid = "c-1"\nbuttons = { next = 17 }\n'
        '[[devices]]\nid = "c-2"\n\n[devices.buttons]\nnext = 5\n\n[devices.leds]\n'
        "online = 6\n"
    )
    assert lines.key("site", 0, "id") == 2
    assert lines.key("devices", 0, "id") == 5
    assert lines.key("devices", 0, "buttons.next") == 6
    assert lines.key("devices", 1, "id") == 8
    assert lines.key("devices", 1, "buttons.next") == 11
    assert lines.key("devices", 1, "leds.online") == 14
    assert lines.key("devices", 1, "leds.busy") == 13  # not there: its table's header
    assert lines.key("devices", 1, "buzzer") == 7


def test_arrays_that_are_not_tables_are_an_error_not_a_crash():
    text = '# one field\nservices = "A"\n\n[site]\nid = "x"\nname = "X"\n'
    with pytest.raises(SiteSpecError, match=r"^site.toml:2: 'services' must be \[\[services\]\]"):
        parse_site(text, "site.toml")


def test_invalid_toml_names_the_line():
    with pytest.raises(SiteSpecError, match=r"^x.toml:2: not valid TOML"):
        parse_site('[site]\nid = "a\n', "x.toml")
