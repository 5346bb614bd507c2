from pathlib import Path

import pytest

from queue_server.domain.site_spec import SiteLines, SiteSpecError, parse_site

EXAMPLE = Path(__file__).resolve().parents[3] / "firmware_config" / "examples" / "site.toml"


def test_example_site_parses():
    spec = parse_site(EXAMPLE.read_text(encoding="utf-8"))
    assert spec.id == "camau-hcc"
    assert [s.code for s in spec.services] == ["A", "B", "C", "D", "E", "U", "R"]
    assert spec.services[0].name_vi == "Đất đai"
    assert [(s.code, s.name_vi) for s in spec.services if s.results] == [("R", "Trả kết quả")]
    assert spec.results_when_not_ready is False
    assert len(spec.counters) >= 6
    assert {d.kind for d in spec.devices} == {"kiosk", "display", "counter"}


def test_results_field_settings_are_checked_by_line():
    text, line = _changed("\nresults = true", '\nresults = "yes"')
    line += 1
    with pytest.raises(SiteSpecError, match=rf":{line}: service R: results must be true or false"):
        parse_site(text)
    text, line = _changed("results_when_not_ready = false", "results_when_not_ready = 1")
    with pytest.raises(SiteSpecError, match=rf":{line}: site.results_when_not_ready"):
        parse_site(text)
    text, _ = _changed('code = "U"', 'code = "U"\nresults = true')
    with pytest.raises(SiteSpecError, match="only one field may have results = true"):
        parse_site(text)


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
        ('number = "3"', 'number = "2"', 0, "duplicate counter number '2' (first on line {first})"),
        ('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = ["7h-11h"]', 0, "bad time span"),
        ('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = "07:00-11:30"', 0,
         "hours must be a list"),
        ("weekdays = [1, 2, 3, 4, 5]", "weekdays = [1, 8]", 0, "weekdays must be 1..7"),
        ("daily_limit = 200", 'daily_limit = "200"', 0, "daily_limit must be a whole number"),
        ("target_wait_min = 15", "target_wait_min = 0", 1, "target_wait_min must be"),
        ('code = "B"', 'code = "A"', 0, "duplicate service code 'A' (first on line {first})"),
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
    # the first of a duplicate: the line where the example already has the new value
    first = bad.splitlines().index(new) + 1 if new in bad.splitlines() else None
    assert expected.format(first=first) in str(info.value)


def test_a_missing_key_names_its_table_header():
    bad, _ = _changed('name_vi = "Tư pháp – Hộ tịch"\n', "")
    header = EXAMPLE.read_text(encoding="utf-8").split('code = "B"')[0].count("\n")  # [[services]]
    with pytest.raises(SiteSpecError, match=rf"^site.toml:{header}: service B: name_vi is missing"):
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


def test_example_site_has_appointments_for_two_fields():
    spec = parse_site(EXAMPLE.read_text(encoding="utf-8"))
    land, justice = spec.services[0], spec.services[1]
    assert (land.appointments.slot_min, land.appointments.per_slot,
            land.appointments.days_ahead, land.appointments.prefix) == (15, 2, 14, "H")
    # the field's own hours and weekdays by default
    assert land.appointments.hours == land.hours
    assert land.appointments.max_share == 0.5
    assert justice.appointments.hours.as_text() == ["08:00-11:00"]
    assert spec.services[2].appointments is None
    assert spec.closed_days[0].isoformat() == "2026-01-01"
    assert (spec.check_in_before_min, spec.check_in_after_min,
            spec.appointment_retention_days) == (30, 15, 90)


def test_appointments_are_optional_with_defaults():
    text = '[site]\nid = "x"\nname = "X"\n\n[[services]]\ncode = "A"\nname_vi = "Đất đai"\n'
    spec = parse_site(text)
    assert spec.services[0].appointments is None and spec.closed_days == ()
    assert spec.check_in_before_min == 30


APPOINTMENTS = 'appointments = { slot_min = 15, per_slot = 2, days_ahead = 14, prefix = "H", '


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (APPOINTMENTS, 'appointments = { slot_min = 15, per_slot = 2, days_ahead = 14, '
         'prefix = "H", colour = "red", ', "unknown appointments key 'colour'"),
        (APPOINTMENTS, APPOINTMENTS.replace("15", "0"), "appointments.slot_min must be"),
        (APPOINTMENTS, APPOINTMENTS.replace("per_slot = 2", "per_slot = true"),
         "appointments.per_slot must be"),
        (APPOINTMENTS, APPOINTMENTS.replace('"H"', '"A"'), "'A' is already a ticket prefix"),
        (APPOINTMENTS, APPOINTMENTS.replace('"H"', '"K"'), "'K' is already a ticket prefix"),
        (APPOINTMENTS, APPOINTMENTS.replace('"H"', '"h"'), "appointments.prefix must be"),
        ("max_share = 0.5", "max_share = 1.5", "appointments.max_share must be a number 0..1"),
        ('hours = ["08:00-11:00"]', 'hours = ["8-11"]', "service B: appointments: bad time"),
        ('"2026-04-30"', '"2026-04-31"', "site.closed_days: '2026-04-31' is not a date"),
        ("check_in_after_min = 15", "check_in_after_min = -1", "site.check_in_after_min must"),
    ],
)
def test_bad_appointment_keys_name_their_line(old, new, expected):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    bad = text.replace(old, new, 1)
    with pytest.raises(SiteSpecError) as info:
        parse_site(bad, "site.toml")
    message = str(info.value)
    assert expected in message
    line_no = int(message.split(":")[1])
    assert new.split("=")[0].strip() in bad.splitlines()[line_no - 1] or (
        "closed_days" in bad.splitlines()[line_no - 1])


def test_appointments_need_hours():
    text = ('[site]\nid = "x"\nname = "X"\n\n[[services]]\ncode = "A"\nname_vi = "Đất đai"\n'
            'appointments = { slot_min = 15, per_slot = 2, days_ahead = 14, prefix = "H" }\n')
    with pytest.raises(SiteSpecError, match=r"^site.toml:8: service A: appointments need hours"):
        parse_site(text, "site.toml")


def test_appointments_as_a_sub_table_name_their_lines():
    text = ('[site]\nid = "x"\nname = "X"\n\n[[services]]\ncode = "A"\nname_vi = "Đất đai"\n'
            'hours = ["07:00-11:00"]\n\n[services.appointments]\nslot_min = 15\nper_slot = 2\n'
            'days_ahead = 14\nprefix = "H"\nextra = 1\n')
    with pytest.raises(SiteSpecError, match=r"^site.toml:10: .*unknown appointments key 'extra'"):
        parse_site(text, "site.toml")
    spec = parse_site(text.replace("extra = 1\n", ""))
    assert spec.services[0].appointments.prefix == "H"


def test_closed_days_may_be_toml_dates_and_must_be_a_list():
    base = '[site]\nid = "x"\nname = "X"\n{}\n\n[[services]]\ncode = "A"\nname_vi = "Đất đai"\n'
    spec = parse_site(base.format("closed_days = [2026-09-02, \"2026-01-01\", 2026-09-02]"))
    assert [d.isoformat() for d in spec.closed_days] == ["2026-01-01", "2026-09-02"]
    with pytest.raises(SiteSpecError, match=r"^site.toml:4: site.closed_days must be a list"):
        parse_site(base.format('closed_days = "2026-01-01"'), "site.toml")
