"""Local midnight: tickets still waiting from the day before become ``expired``.

Numbering needs no reset job: each service's counter row is per local day. What the
rollover does is expire yesterday's waiting tickets and refresh the board, checked
every ``interval`` seconds by a background thread (and once at start). The same
check marks bookings whose check-in closed unused as no-shows and erases the name
and phone of bookings older than the site's retention period.
"""

from __future__ import annotations

import logging
import threading

from queue_server.appointment_check_in import erase_old_personal_data, mark_no_shows
from queue_server.counter_actions import expire_stale_tickets
from queue_server.hall_publisher import HallPublisher
from queue_server.statistics.daily_rollup import keep_rolled_up

log = logging.getLogger(__name__)


class DayRollover:
    def __init__(self, publisher: HallPublisher, interval: float = 30.0) -> None:
        self.publisher = publisher
        self.hall = publisher.hall
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> int:
        """Expire stale tickets now; returns how many. Safe to call at any time."""
        expired = expire_stale_tickets(self.hall)
        if expired:
            log.info("day rollover: %d waiting tickets of an earlier day expired", expired)
            self.publisher.republish_all()
        keep_rolled_up(self.hall)  # store finished days for the reports (and changed ones again)
        missed = mark_no_shows(self.hall)
        if missed:
            log.info("appointments: %d bookings not checked in in time are no-shows", missed)
        erased = erase_old_personal_data(self.hall)
        if erased:
            log.info("appointments: name and phone of %d old bookings erased", erased)
        return expired

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="day-rollover", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the database being briefly unreachable must not end the loop
                log.exception("day rollover check failed; retrying later")
