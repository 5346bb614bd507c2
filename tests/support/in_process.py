"""The server's service layer in-process, with an injectable clock (no HTTP, no MQTT)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from protocol import Command
from queue_server.counter_actions import Outcome
from queue_server.domain.site_spec import parse_site
from queue_server.hall import Hall
from queue_server.hall_publisher import HallPublisher
from queue_server.site_loader import load_site
from queue_server.storage.database import make_engine, make_session_factory
from queue_server.storage.migrate import upgrade

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "firmware_config" / "examples" / "site.toml"


@dataclass
class FakeClock:
    """A clock tests move by hand: ``clock.advance(minutes=5)``. Starts on a weekday morning."""

    now: datetime = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 08:30 in Ho Chi Minh City

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class InProcessHall:
    hall: Hall
    publisher: HallPublisher
    clock: FakeClock
    tokens: dict[str, str]
    published: list[tuple[str, bytes, bool]] = field(default_factory=list)
    _n: int = 0

    def command(self, counter: str, action: str, **fields) -> Outcome:
        self._n += 1
        cmd = Command(id=fields.pop("id", f"cmd-{self._n}"), action=action, **fields)
        return self.publisher.run_command(counter, cmd)


def build_hall(database_url: str, site_text: str | None = None,
               clock: FakeClock | None = None) -> InProcessHall:
    clock = clock or FakeClock()
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    spec = parse_site(site_text or EXAMPLE_SITE.read_text(encoding="utf-8"))
    with sessions() as session, session.begin():
        report = load_site(session, spec)
    hall = Hall(sessions, spec.id, clock, "http://127.0.0.1:8080",
                read_sessions=make_session_factory(engine, read_only=True))
    result = InProcessHall(hall, None, clock, report.new_tokens)  # type: ignore[arg-type]
    result.publisher = HallPublisher(
        hall, lambda topic, payload, retain: result.published.append((topic, payload, retain))
    )
    return result
