"""Tickets that must be cancelled on the server but could not be yet, kept on disk.

A ticket that was issued and not printed would be called for nobody. The kiosk
cancels it at once; when the server cannot be reached at that moment, the
cancellation waits in a small JSON file (it survives a restart or a power cut) and
a background thread retries until the server has it.

A ticket request whose answer was lost (the connection broke after sending) is
kept too, as a "take" entry: the retry repeats the request with the same
Idempotency-Key, which returns that ticket if it exists, and then cancels it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.kiosk_error import KioskError

log = logging.getLogger(__name__)

FILE_NAME = "pending_cancels.json"
DEFAULT_RETRY_S = 10.0
REASON = "print_failed"
#: answers after which an entry is finished: the ticket is gone or cannot be cancelled
FINAL_CODES = frozenset({"not_cancellable", "not_found", "unknown_service", "closed",
                         "daily_limit", "bad_request", "unauthorized"})


class CancelClient(Protocol):
    def cancel_ticket(self, ticket_id: str, reason: str = REASON) -> dict: ...

    def take_ticket(
        self, service: str, priority: bool = False, idempotency_key: str | None = None
    ) -> dict: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PendingCancels:
    """The durable list; every change is written through before the call returns."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = self._load()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the file --------------------------------------------------------------
    def _load(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            # keep the unreadable file for a person to look at, start a new list
            log.error("pending cancellations in %s unreadable (%s); kept as .bad", self.path, exc)
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_suffix(".bad"))
            return []
        if not isinstance(data, list):
            return []
        return [e for e in data if isinstance(e, dict) and e.get("kind") in ("cancel", "take")]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(self._entries, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)

    # -- changes -----------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def add_cancel(self, ticket: dict[str, Any], reason: str = REASON) -> None:
        """Remember that ``ticket`` must be cancelled."""
        entry = {"kind": "cancel", "ticket_id": str(ticket["id"]),
                 "number": ticket.get("number"), "reason": reason, "since": _now()}
        with self._lock:
            if any(e.get("ticket_id") == entry["ticket_id"] for e in self._entries):
                return
            self._entries.append(entry)
            self._save()
        log.warning("ticket %s will be cancelled when the server answers", entry["number"])

    def add_take(self, key: str, service: str, priority: bool) -> None:
        """Remember a ticket request whose answer was lost (it may have issued a number)."""
        entry = {"kind": "take", "key": key, "service": service, "priority": bool(priority),
                 "since": _now()}
        with self._lock:
            if any(e.get("key") == key for e in self._entries):
                return
            self._entries.append(entry)
            self._save()

    def forget_take(self, key: str) -> None:
        """The request's answer arrived after all (a repeat with the same key)."""
        with self._lock:
            kept = [e for e in self._entries if not (e["kind"] == "take" and e.get("key") == key)]
            if len(kept) != len(self._entries):
                self._entries = kept
                self._save()

    # -- retrying ---------------------------------------------------------------
    def _settle(self, entry: dict[str, Any], client: CancelClient) -> dict[str, Any] | None:
        """Try one entry; returns what is still pending of it (None when done)."""
        if entry["kind"] == "take":
            try:
                ticket = client.take_ticket(entry["service"], entry["priority"], entry["key"])
            except KioskError as exc:
                if exc.code in FINAL_CODES:
                    return None  # the server refused: no ticket was issued
                raise
            log.warning("found ticket %s whose answer was lost; cancelling it",
                        ticket.get("number"))
            entry = {"kind": "cancel", "ticket_id": str(ticket["id"]),
                     "number": ticket.get("number"), "reason": REASON, "since": entry["since"]}
        try:
            client.cancel_ticket(entry["ticket_id"], entry.get("reason") or REASON)
        except KioskError as exc:
            if exc.code not in FINAL_CODES:
                return entry
            log.warning("ticket %s not cancelled: %s", entry.get("number"), exc)
            return None
        log.info("ticket %s cancelled", entry.get("number"))
        return None

    def retry(self, client: CancelClient) -> int:
        """Try every entry once; returns how many are still pending."""
        for entry in self.entries():
            try:
                left = self._settle(entry, client)
            except KioskError as exc:
                log.info("server still unavailable for pending cancellations: %s", exc.code)
                break  # the next ones would fail the same way
            except Exception:
                log.exception("retrying a pending cancellation failed")
                break
            with self._lock:
                ident = entry.get("ticket_id") or entry.get("key")
                index = next((i for i, e in enumerate(self._entries)
                              if (e.get("ticket_id") or e.get("key")) == ident), None)
                if index is not None:
                    if left is None:
                        del self._entries[index]
                    else:
                        self._entries[index] = left
                    self._save()
        return len(self)

    def start(self, client: CancelClient, interval: float = DEFAULT_RETRY_S) -> None:
        """Retry in a background thread every ``interval`` seconds while entries remain."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._wake.set()  # entries left by an earlier run are tried at once

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                if self._stop.is_set():
                    return
                if len(self):
                    self.retry(client)

        self._thread = threading.Thread(target=loop, name="kiosk-cancels", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
