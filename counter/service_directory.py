"""The fields a ticket may be transferred to: fixed in the config, or asked of the server.

A counter Pi often boots before the server, and fields are added during the year, so
with ``server_url`` the list is fetched in the background (``GET /api/v1/services``),
retried until the server answers and refreshed now and then; a transfer tap while the
list is still unknown is refused on the spot and asks for a fetch. The buttons never
wait on HTTP.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable

log = logging.getLogger(__name__)

#: seconds between attempts while the server does not answer, and between refreshes
RETRY_S = 10.0
REFRESH_S = 600.0
HTTP_TIMEOUT_S = 5.0

Field = tuple[str, str]  # (code, Vietnamese name)


def fetch_fields(server_url: str, timeout: float = HTTP_TIMEOUT_S) -> list[Field]:
    """The site's fields from ``GET {server_url}/api/v1/services``, in the server's order."""
    with urllib.request.urlopen(f"{server_url}/api/v1/services", timeout=timeout) as reply:
        body = json.load(reply)
    fields: list[Field] = []
    for entry in body["services"]:
        code = entry["code"]
        if isinstance(code, str) and code:
            fields.append((code, str(entry.get("name_vi") or code)))
    return fields


class ServiceDirectory:
    """Target codes in blink order; ``codes()`` is empty until they are known."""

    def __init__(
        self,
        fixed: tuple[str, ...] | None,
        server_url: str | None,
        *,
        fetch: Callable[[str], list[Field]] = fetch_fields,
        retry_s: float = RETRY_S,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self._server_url = server_url if fixed is None else None
        self._fetch = fetch
        self._retry_s = retry_s
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._fields: list[Field] = [(code, code) for code in fixed or ()]
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def codes(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(code for code, _ in self._fields)

    def name_of(self, code: str) -> str:
        with self._lock:
            return next((name for c, name in self._fields if c == code), code)

    def start(self) -> None:
        """Fetch in the background when the list comes from the server."""
        if self._server_url is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="service-list", daemon=True)
        self._thread.start()

    def refresh_soon(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=HTTP_TIMEOUT_S + 1)

    def _run(self) -> None:
        assert self._server_url is not None
        failures = 0
        while not self._stop.is_set():
            try:
                fields = self._fetch(self._server_url)
            except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError) as exc:
                failures += 1
                if failures == 1 or failures % 30 == 0:
                    log.warning(
                        "cannot read the fields from %s (%s); transfer waits for them, "
                        "still retrying",
                        self._server_url,
                        exc,
                    )
                wait = self._retry_s
            else:
                with self._lock:
                    changed = fields != self._fields
                    self._fields = fields
                if changed or failures:
                    log.info("transfer targets: %s", ", ".join(c for c, _ in fields))
                failures = 0
                wait = self._refresh_s
            self._wake.wait(wait)
            self._wake.clear()
