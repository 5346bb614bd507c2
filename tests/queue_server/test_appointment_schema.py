"""The appointments schema: migration 0006 matches the tables, the site file loads into it."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from queue_server.domain.site_spec import parse_site
from queue_server.queue_views import appointment_rules, closed_days
from queue_server.site_loader import load_site
from queue_server.storage.migrate import alembic_config, upgrade
from queue_server.storage.tables import Base, Service, Site
from queue_server.ticket_issuer import issue_ticket
from tests.support.in_process import EXAMPLE_SITE


def test_migration_matches_the_tables_and_goes_back(database_url):
    from queue_server.storage.database import make_engine

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_device_accounts")
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_site_file_appointments_load_and_reload_unchanged(in_process_hall):
    hall = in_process_hall.hall
    spec = parse_site(EXAMPLE_SITE.read_text(encoding="utf-8"))
    with hall.transaction() as db:
        assert not load_site(db, spec).changed
    with hall.read() as db:
        site = db.scalar(select(Site))
        land = db.scalar(select(Service).where(Service.code == "A"))
        business = db.scalar(select(Service).where(Service.code == "C"))
        assert appointment_rules(land) == spec.services[0].appointments
        assert appointment_rules(business) is None
        assert closed_days(site) == spec.closed_days
        assert (site.check_in_before_min, site.check_in_after_min) == (30, 15)
    # taking appointments away from a field clears them
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    start = text.index("appointments = { slot_min = 15")
    without = text[:start] + text[text.index("\n", start) + 1:]
    with hall.transaction() as db:
        assert load_site(db, parse_site(without)).changed
    with hall.read() as db:
        assert appointment_rules(db.scalar(select(Service).where(Service.code == "A"))) is None


def test_walk_in_tickets_have_no_appointment_start(in_process_hall):
    ticket, _ = issue_ticket(in_process_hall.hall, service_code="C")
    assert ticket["appointment_start"] is None
    from queue_server.ticket_issuer import find_ticket

    assert find_ticket(in_process_hall.hall, ticket["id"])["appointment_start"] is None
