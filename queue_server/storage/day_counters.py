"""Per-field, per-day counters taken one by one inside a ticket's own transaction.

One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: concurrent issuers queue on the
row lock, so the numbers are unique and gap-free on SQLite and PostgreSQL alike, and a
rolled-back ticket gives its number back. Walk-in numbers (``DailyCounter``) and
appointment numbers (``AppointmentNumbers``) are two such counters.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_BUMP: dict[tuple[str, str], object] = {}


def _bump_statement(table, dialect: str):
    """The upsert for ``table`` (columns service_id, day, issued), built once per dialect."""
    key = (table.__tablename__, dialect)
    if key not in _BUMP:
        insert_for = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert_for(table).values(
            service_id=bindparam("service_id"), day=bindparam("day"), issued=1
        )
        _BUMP[key] = stmt.on_conflict_do_update(
            index_elements=[table.service_id, table.day],
            set_={"issued": table.issued + 1},
        ).returning(table.issued)
    return _BUMP[key]


def bump_day_counter(session: Session, table, service_id: int, day: date) -> int:
    """Add one to the field's counter of ``day`` in ``table``; the new count (1, 2, …)."""
    stmt = _bump_statement(table, session.get_bind().dialect.name)
    return session.execute(stmt, {"service_id": service_id, "day": day}).scalar_one()
