"""Publishing the hall's state to the broker, always after the database has committed.

One lock orders everything published: a command's calls go out before the board that
includes them, and ``seq`` (the newest event id) never goes backwards on the wire.
Board refreshes caused by new tickets are coalesced so a burst of kiosks costs one
publish, not one per ticket.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import select

from protocol import Command, Topics, encode
from queue_server.counter_actions import Outcome, apply_command
from queue_server.hall import Hall
from queue_server.queue_views import board, counter_state
from queue_server.storage.tables import AppliedCommand, Counter

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, bool], None]

BOARD_COALESCE_S = 0.1


class HallPublisher:
    def __init__(self, hall: Hall, publish: Publish | None = None) -> None:
        self.hall = hall
        self.topics = Topics(hall.site_code)
        self._publish = publish
        self._lock = threading.RLock()
        self._board_dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def attach(self, publish: Publish | None) -> None:
        self._publish = publish

    def _send(self, topic: str, payload: bytes, retain: bool) -> None:
        if self._publish is not None:
            self._publish(topic, payload, retain)

    def run_command(self, counter: str, command: Command, officer_id: int | None = None) -> Outcome:
        """Apply one command, then publish its calls, the counter's state and the board."""
        with self._lock:
            outcome = apply_command(self.hall, counter, command, officer_id)
            if outcome.changed:
                self.hall.cache.clear()  # service times and open counters may have changed
            for call in outcome.calls:
                self._send(self.topics.calls, encode(call), False)
            if outcome.state is not None:
                self._send(self.topics.state(counter), encode(outcome.state), True)
            if outcome.changed:
                # coalesced: a burst of presses costs one board, built after their calls
                self.board_changed()
            return outcome

    def board_changed(self) -> None:
        """Ask for a board refresh soon (after a ticket was issued, say)."""
        self._board_dirty.set()

    def _publish_board(self) -> None:
        with self._lock, self.hall.read() as session:
            snapshot = board(self.hall, session)
        self._send(self.topics.board, encode(snapshot), True)

    def republish_all(self) -> None:
        """Rebuild every retained topic from the database: the broker is only a cache.

        Also called after an admin changes the hall, so cached settings are dropped too.
        """
        self.hall.cache.clear()
        with self._lock:
            with self.hall.read() as session:
                site = self.hall.site(session)
                states = []
                for counter in session.scalars(select(Counter).where(Counter.site_id == site.id)):
                    last = session.scalar(
                        select(AppliedCommand)
                        .where(AppliedCommand.counter_number == counter.number)
                        .order_by(AppliedCommand.at.desc())
                        .limit(1)
                    )
                    states.append(
                        counter_state(
                            session,
                            counter,
                            last_cmd=last.id if last else None,
                            result=last.result if last else "ok",
                            reason=last.reason if last else None,
                        )
                    )
            for state in states:
                self._send(self.topics.state(state.counter), encode(state), True)
            self._publish_board()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._board_loop, name="board", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._board_dirty.set()
        if self._thread:
            self._thread.join(5)

    def _board_loop(self) -> None:
        while not self._stop.is_set():
            self._board_dirty.wait()
            if self._stop.is_set():
                return
            self._stop.wait(BOARD_COALESCE_S)
            self._board_dirty.clear()
            try:
                self._publish_board()
            except Exception:  # a database hiccup must not end board updates
                log.exception("board refresh failed; will retry on the next change")
