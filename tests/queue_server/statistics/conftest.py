"""A database (SQLite and PostgreSQL) holding the known day of tickets."""

from __future__ import annotations

import pytest

from queue_server.storage.database import make_engine, make_session_factory
from tests.queue_server.statistics.known_day import known_specs, prepare_database, write_specs


@pytest.fixture
def known_db(database_url):
    """(engine, sessions, specs, users) with the known day written."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    prepare_database(engine, sessions)
    specs = known_specs()
    users = write_specs(sessions, specs)
    yield engine, sessions, specs, users
    engine.dispose()
