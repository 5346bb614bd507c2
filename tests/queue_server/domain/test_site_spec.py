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
