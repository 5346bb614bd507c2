"""``python -m queue_server rollup [--from D --to D]``: store finished days for the reports.

Useful once after upgrading a server that already holds months of tickets (otherwise
the first long report stores them, and takes as long as a live count), or after
changing tickets by hand in the database. Storing is idempotent: the days are counted
again from their tickets and replace what was stored.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from queue_server.statistics.daily_rollup import SiteDays, days_between, refresh
from queue_server.storage.database import make_session_factory
from queue_server.storage.tables import Site, Ticket

#: days stored per progress line
_CHUNK = 31


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {text!r}") from None


def roll_up_command(
    engine: Engine, site_code: str, first_text: str | None, last_text: str | None,
    now: datetime | None = None,
) -> int:
    """Store ``first``..``last`` (default: oldest ticket's day .. yesterday); exit status."""
    from queue_server.storage.migrate import upgrade

    try:
        first, last = _day(first_text, "--from"), _day(last_text, "--to")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        site = session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            print(f"error: site {site_code!r} is not loaded (run load-site)", file=sys.stderr)
            return 2
        target = SiteDays.of(site)
        today = (now or datetime.now(UTC)).astimezone(ZoneInfo(site.timezone)).date()
        if first is None:
            first = session.scalar(
                select(func.min(Ticket.service_day)).where(Ticket.site_id == site.id)
            ) or today
    last = min(last or today, today - timedelta(days=1))
    if first > last:
        print(f"nothing to store: no finished day from {first} to {last}")
        return 0
    days = days_between(first, last)
    started = time.monotonic()
    stored = 0
    for index in range(0, len(days), _CHUNK):
        chunk = days[index:index + _CHUNK]
        stored += len(refresh(sessions, target, today, chunk, again=True, now=now).stored)
        print(f"stored {chunk[0]} .. {chunk[-1]}", flush=True)
    print(f"{stored} days stored ({first} .. {last}) in {time.monotonic() - started:.1f} s")
    return 0
