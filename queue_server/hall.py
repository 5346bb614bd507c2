"""What every service-layer function needs: the database, the site, the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from queue_server.domain.queue_error import QueueError
from queue_server.storage.tables import Site
from queue_server.ttl_cache import TtlCache
from queue_server.unknown_devices import UnknownDevices

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hall:
    """One site's queue: a session factory, the site code, a clock and the public URL."""

    sessions: sessionmaker[Session]
    site_code: str
    clock: Clock = system_clock
    public_url: str = "http://127.0.0.1:8080"
    #: sessions that only read (see storage.database.make_session_factory)
    read_sessions: sessionmaker[Session] | None = None
    cache: TtlCache = field(default_factory=TtlCache)
    #: on SQLite, writers of this process queue here rather than in SQLite's busy
    #: handler, which sleeps in growing steps and would add tens of milliseconds
    write_lock: threading.RLock | None = None
    #: devices reporting status that this server does not know (see unknown_devices)
    unknown_devices: UnknownDevices = field(default_factory=UnknownDevices)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one writing transaction: committed on success, else rolled back."""
        if self.write_lock is None:
            with self.sessions() as session, session.begin():
                yield session
            return
        with self.write_lock, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only: a consistent snapshot that never blocks writers."""
        with (self.read_sessions or self.sessions)() as session, session.begin():
            yield session

    def site(self, session: Session) -> Site:
        """The hall's site row, looked up once per session (a page asks for it often)."""
        site = session.info.get("site")
        if site is not None:
            return site
        site = session.scalar(select(Site).where(Site.code == self.site_code))
        if site is not None:
            session.info["site"] = site
        if site is None:
            raise QueueError(
                "no_site",
                f"Chưa nạp đơn vị {self.site_code!r} (chạy load-site)",
                f"site {self.site_code!r} is not loaded (run load-site)",
                503,
            )
        return site

    def now(self) -> datetime:
        return self.clock()

    def local_day(self, site: Site, at: datetime | None = None) -> date:
        """The site's calendar day at ``at`` (now by default): numbering resets then."""
        return (at or self.now()).astimezone(ZoneInfo(site.timezone)).date()

    def day_bounds(self, site: Site, day: date) -> tuple[datetime, datetime]:
        """UTC instants of local midnight starting ``day`` and the next one."""
        tz = ZoneInfo(site.timezone)
        start = datetime.combine(day, time(0), tzinfo=tz)
        return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)

    def status_url(self, public_id: str) -> str:
        return f"{self.public_url.rstrip('/')}/t/{public_id}"
