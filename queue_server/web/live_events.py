"""Server-Sent Events for live pages, without pinning a worker thread per idle client.

One watcher thread per process polls a cheap change marker (newest event id, counter
and device rows) while anyone listens, and wakes every stream when it changes. A stream
pushes a fresh snapshot on change, a keep-alive comment every 15 s otherwise, and ends
after a few minutes (the browser's EventSource reconnects by itself), so a forgotten tab
holds a waitress thread for minutes, not forever. Streams beyond a cap are told to
come back later instead of starving the ticket API of threads.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator

from flask import Flask, current_app

from queue_server.hall import Hall
from queue_server.hall_dashboard import change_marker

log = logging.getLogger(__name__)

DEFAULTS = {
    "LIVE_POLL_SECONDS": 0.25,
    "LIVE_KEEPALIVE_SECONDS": 15.0,
    "LIVE_REFRESH_SECONDS": 60.0,
    "LIVE_STREAM_SECONDS": 300.0,
    "LIVE_MAX_STREAMS": 4,
}


class ChangeWatcher:
    """Bumps ``version`` whenever the hall's change marker moves; streams wait on it."""

    def __init__(self, hall: Hall, poll_s: float) -> None:
        self.hall = hall
        self.poll_s = poll_s
        self.version = 0
        self._changed = threading.Condition()
        self._listeners = 0
        self._marker: tuple | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._primed = threading.Event()

    def wait_primed(self, timeout: float = 2.0) -> bool:
        """Wait until the marker has been read once: a snapshot rendered after this sees
        every change the watcher will report later, and none twice."""
        return self._primed.wait(timeout)

    def poke(self) -> None:
        """Something changed that the marker may not see (an admin edit): wake everyone."""
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=max(0.0, timeout))
            return self.version

    def listen(self) -> None:
        with self._changed:
            self._listeners += 1
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="live-events", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def leave(self) -> None:
        with self._changed:
            self._listeners = max(0, self._listeners - 1)

    @property
    def listeners(self) -> int:
        return self._listeners

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()

    def _read_marker(self) -> tuple:
        with self.hall.read() as session:
            site = self.hall.site(session)
            return change_marker(session, site.id), self.hall.unknown_devices.version

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._changed:
                self._changed.wait_for(
                    lambda: self._listeners > 0 or self._stop.is_set(), timeout=5.0
                )
                if self._stop.is_set():
                    return
                if self._listeners == 0:
                    continue
            try:
                marker = self._read_marker()
            except Exception:  # a database hiccup must not end live updates
                log.exception("live events: reading the change marker failed")
                marker = self._marker
            if not self._primed.is_set():
                self._marker = marker
                self._primed.set()
            elif marker != self._marker:
                self._marker = marker
                self.poke()
            self._stop.wait(self.poll_s)


class StreamSlots:
    """A counting cap on concurrent streams (each one occupies a waitress thread)."""

    def __init__(self, limit: int) -> None:
        self._free = threading.BoundedSemaphore(limit)

    def take(self) -> bool:
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    rt = app.extensions["motcua"]
    app.extensions["live_watcher"] = ChangeWatcher(rt.hall, app.config["LIVE_POLL_SECONDS"])
    app.extensions["live_slots"] = StreamSlots(int(app.config["LIVE_MAX_STREAMS"]))


def watcher() -> ChangeWatcher:
    return current_app.extensions["live_watcher"]


def notify_change() -> None:
    """Tell every live page to refresh now (called after an admin change)."""
    watcher().poke()


def sse_event(name: str, data: dict, event_id: int | None = None) -> str:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    lines += [f"data: {line}" for line in payload.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def snapshot_stream(
    render: Callable[[], tuple[int, dict]],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The body of a live page's event stream; ``render`` gives (seq, data) on demand.

    Must be iterated inside the request context (``stream_with_context``) so that
    ``render`` can use the request's language.
    """
    slots: StreamSlots = current_app.extensions["live_slots"]
    if not slots.take():
        yield "retry: 10000\n: busy, come back later\n\n"
        return
    try:
        yield from watch_and_send(render, clock=clock)
    finally:
        slots.give_back()


def watch_and_send(
    render: Callable[[], tuple[int, dict]],
    *,
    clock: Callable[[], float] = time.monotonic,
    send_unchanged: bool = True,
) -> Iterator[str]:
    """A live stream once its slot is taken: a snapshot now, another on every change.

    A fresh snapshot also goes out every ``LIVE_REFRESH_SECONDS`` (times grow without
    any event) — unless ``send_unchanged`` is off and it equals the last one sent;
    keep-alives fill the silences; the stream ends after ``LIVE_STREAM_SECONDS`` and
    the browser reconnects by itself.
    """
    cfg = current_app.config
    keepalive, refresh = cfg["LIVE_KEEPALIVE_SECONDS"], cfg["LIVE_REFRESH_SECONDS"]
    live = watcher()
    live.listen()
    try:
        live.wait_primed()
        deadline = clock() + cfg["LIVE_STREAM_SECONDS"]
        version = live.version
        seq, data = render()
        yield "retry: 2000\n\n" + sse_event("snapshot", data, seq)
        last_sent = last_render = clock()
        while (now := clock()) < deadline:
            timeout = min(keepalive - (now - last_sent), deadline - now,
                          refresh - (now - last_render))
            new_version = live.wait_for_change(version, timeout)
            now = clock()
            if new_version != version or now - last_render >= refresh:
                version = new_version
                last_render = now
                seq, fresh = render()
                if send_unchanged or fresh != data:
                    data = fresh
                    yield sse_event("snapshot", data, seq)
                    last_sent = now
                    continue
            if now - last_sent >= keepalive:
                yield ": keep-alive\n\n"
                last_sent = now
        yield sse_event("bye", {"reason": "stream lifetime reached"})
    finally:
        live.leave()
