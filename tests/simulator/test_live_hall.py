"""Live mode drives the real server (HTTP kiosk, MQTT counters); the database agrees."""

from datetime import date, timedelta

from simulator.day_simulation import simulate_day
from simulator.hall_audit import audit_hall
from simulator.hall_profile import CounterProfile, FieldProfile, HallProfile
from simulator.live_hall import LiveHall
from simulator.site_for_profile import KIOSK, site_file_text
from simulator.ticket_history import learn_profile
from tests.support.live_server import LiveServer

SPEED = 240.0


def _small_hall() -> HallProfile:
    shift = ((8 * 3600.0, 9 * 3600.0 + 1800),)
    return HallProfile(
        fields=(
            FieldProfile("A", "Đất đai", {8: 40}, service_mean_s=150, target_wait_s=600),
            FieldProfile("B", "Hộ tịch", {8: 30}, service_mean_s=120, target_wait_s=600),
        ),
        counters=(
            CounterProfile("1", ("A",), shift),
            CounterProfile("2", ("A", "B"), shift),
            CounterProfile("3", ("B",), shift),
        ),
        site="camau-hcc",
        no_show_share=0.1,
        no_show_wait_s=60,
        priority_share=0.15,
    )


def test_live_mode_drives_the_real_server_and_counts_reconcile(tmp_path, mosquitto):
    profile = _small_hall()
    site_file = tmp_path / "site.toml"
    site_file.write_text(site_file_text(profile), encoding="utf-8")
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, site_file=site_file)
    server.prepare()
    server.start()
    try:
        plan = simulate_day(profile, seed=5)
        hall = LiveHall(server_url=server.url, token=server.tokens[KIOSK],
                        mqtt_url=mosquitto.url, site=profile.site, plan=plan, speed=SPEED,
                        finish_queue=True)
        report = hall.run(timeout_s=120)
    finally:
        server.stop()
    database = f"sqlite:///{tmp_path / 'motcua.db'}"
    audit = audit_hall(database, profile.site, SPEED)

    assert report.finished
    assert report.planned == len(plan.tickets) > 40
    assert report.issued == report.planned and not report.refused and report.lost == 0
    # tickets issued = rows, numbers unique
    assert audit.tickets == report.issued == audit.distinct_numbers
    assert report.duplicated_numbers == 0
    # calls = 'called' events, each ticket called once, every ticket called
    assert report.calls == audit.called_events == audit.called_tickets == report.issued
    assert report.duplicate_calls == 0
    assert sorted(report.called_numbers) == sorted(report.numbers)
    # the planned no-shows were skipped, the rest served
    planned_no_shows = sum(t.no_show for t in plan.tickets)
    assert audit.statuses == {"done": report.issued - planned_no_shows,
                              "no_show": planned_no_shows} or planned_no_shows == 0
    assert audit.estimate_mae_s is not None

    # and a profile learned back from those tickets sees the same arrivals
    today = date.today()  # the hall's local day may already be tomorrow
    learned = learn_profile(database, profile.site, today - timedelta(days=1),
                            today + timedelta(days=1))
    assert round(sum(f.daily_arrivals for f in learned.fields) * 3) == report.issued
    assert {c.number: set(c.fields) for c in learned.counters} == {
        "1": {"A"}, "2": {"A", "B"}, "3": {"B"}}


def test_citizens_who_book_ahead_book_a_slot_and_check_in_at_the_kiosk(tmp_path, mosquitto):
    """A third of the citizens book the slot that begins next through the booking API
    and check in with the kiosk's client; the rest take walk-in tickets."""
    from dataclasses import replace

    from sqlalchemy import create_engine, text

    profile = replace(_small_hall(), booking_share=0.35)
    site_file = tmp_path / "site.toml"
    site_file.write_text(site_file_text(profile), encoding="utf-8")
    assert 'prefix = "H1"' in site_file.read_text(encoding="utf-8")
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, site_file=site_file,
                        extra_config="booking_limit_per_address = 0\n")
    server.prepare()
    server.start()
    try:
        plan = simulate_day(profile, seed=5)
        booked = sum(t.booked for t in plan.tickets)
        assert 5 < booked < len(plan.tickets) - 5
        hall = LiveHall(server_url=server.url, token=server.tokens[KIOSK],
                        mqtt_url=mosquitto.url, site=profile.site, plan=plan, speed=SPEED)
        # appointment tickets are called once their slot begins on the real clock: the
        # drive is stopped before that; every citizen has a ticket by then
        report = hall.run(timeout_s=45)
    finally:
        server.stop()
    assert report.issued == report.planned and report.lost == 0
    assert report.bookings.booked == report.bookings.checked_in == booked
    assert not report.bookings.fell_back
    assert "lịch hẹn/appointments booked" in report.bookings.line()
    engine = create_engine(f"sqlite:///{tmp_path / 'motcua.db'}")
    with engine.connect() as db:
        rows = db.execute(text(
            "SELECT a.status, t.number, t.appointment_start FROM appointments a "
            "JOIN tickets t ON t.id = a.ticket_id")).all()
        walk_ins = db.scalar(text("SELECT COUNT(*) FROM tickets WHERE appointment_start IS NULL"))
    engine.dispose()
    assert len(rows) == booked and {r[0] for r in rows} == {"checked_in"}
    assert all(r[1].startswith(("H1", "H2")) and r[2] is not None for r in rows)
    assert walk_ins == report.planned - booked
