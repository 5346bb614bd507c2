"""A kiosk without its screen: take a number from the server, print it, report health.

The touch screen, the ``print-ticket`` command and the hall simulator all drive
this one class, so a ticket is issued and printed the same way everywhere. It
holds a lock so that one citizen's ticket is complete before the next starts.

It never lies: a number that was issued but not printed is cancelled on the
server (now, or later from the durable pending list), so nobody is called for it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from escpos.escpos import Escpos
from PIL import Image

from kiosk.fonts import font_path
from kiosk.kiosk_config import KioskConfig
from kiosk.kiosk_error import KioskError
from kiosk.pending_cancels import FILE_NAME, FINAL_CODES, REASON, PendingCancels
from kiosk.printer_spec import open_printer
from kiosk.server_client import ServerClient
from kiosk.status_publisher import StatusPublisher
from kiosk.ticket_image import DEFAULT_TIMEZONE
from kiosk.ticket_printer import TicketPrinter
from protocol.config_file import ConfigError

log = logging.getLogger(__name__)

#: printer health → the error shown instead of taking a number nobody can hold
BLOCKING_HEALTH = {"paper_out": "paper_out", "offline": "printer_offline"}


class KioskStation:
    """Issues and prints tickets for one kiosk device."""

    def __init__(
        self,
        client: ServerClient,
        printer: TicketPrinter,
        *,
        language: str = "vi",
        status: StatusPublisher | None = None,
        config: KioskConfig | None = None,
        pending: PendingCancels | None = None,
    ) -> None:
        self.client = client
        self.printer = printer
        self.language = language
        self.status = status
        self.config = config
        self.pending = pending
        self.site: dict[str, Any] = {}
        self.last_image: Image.Image | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_config(cls, cfg: dict[str, Any], printer: Escpos | None = None) -> KioskStation:
        """Build from a loaded kiosk config; ``printer`` overrides the configured one.

        Raises ConfigError naming the key at fault, MissingFontError when DejaVu
        Sans is not installed. Starts the status publisher (in the background)
        when ``mqtt_url`` is set.
        """
        config = KioskConfig.from_dict(cfg, printer_needed=printer is None)
        # fail at start, not in front of the first citizen
        font_path(bold=False)
        font_path(bold=True)
        try:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"config key 'data_dir': cannot create {config.data_dir}: "
                              f"{exc.strerror or exc}") from None
        pending = PendingCancels(Path(config.data_dir) / FILE_NAME)
        escpos_printer = printer or open_printer(config.printer, config.profile)
        ticket_printer = TicketPrinter(escpos_printer)
        status = None
        if config.mqtt_url:
            status = StatusPublisher(
                config.mqtt_url, config.site, config.device_id, ticket_printer.health()
            )
        station = cls(
            ServerClient(config.server_url, config.device_token),
            ticket_printer,
            language=config.language,
            status=status,
            config=config,
            pending=pending,
        )
        # the retrier has its own HTTP session: requests sessions are not shared
        # between threads
        pending.start(ServerClient(config.server_url, config.device_token),
                      config.cancel_retry_s)
        if status is not None:
            status.start()
        return station

    @property
    def site_name(self) -> str:
        return str(self.site.get("name") or "")

    @property
    def timezone(self) -> str:
        return str(self.site.get("timezone") or DEFAULT_TIMEZONE)

    def services(self) -> list[dict[str, Any]]:
        """The server's list of services (open or not), remembering the site's name."""
        with self._lock:
            body = self.client.services()
            if isinstance(body.get("site"), dict):
                self.site = body["site"]
            return list(body["services"])

    def printer_health(self) -> str:
        """Ask the printer now and publish the answer if it changed."""
        with self._lock:
            health = self.printer.health()
            if self.status is not None:
                self.status.update(health)
            return health

    def take_ticket(
        self,
        service: str,
        priority: bool = False,
        language: str | None = None,
        idempotency_key: str | None = None,
        dossier: str | None = None,
    ) -> dict[str, Any]:
        """Take one ticket from the server and print it; returns the server's answer.

        ``dossier`` (a scanned receipt or typed code) goes to the server, which puts the
        dossier code on the ticket; the printed ticket shows it.

        The printer is checked first: a number must not be issued when there is no
        paper to print it on. If printing fails after the number was taken, the
        number is cancelled (or queued for cancelling) and the KioskError
        "print_failed" carries the ticket so the screen can say which number will
        not be called. ``idempotency_key`` is one per citizen interaction, so a
        repeat of the same choice returns the same ticket.
        """
        key = idempotency_key or str(uuid.uuid4())
        with self._lock:
            self._ready_to_print()
            try:
                if dossier is None:
                    ticket = self.client.take_ticket(service, priority, key)
                else:
                    ticket = self.client.take_ticket(service, priority, key, dossier=dossier)
            except KioskError as exc:
                if exc.uncertain and self.pending is not None:
                    # the server may have issued a number we never got: find it later
                    self.pending.add_take(key, service, priority)
                raise
            if self.pending is not None:
                self.pending.forget_take(key)
            self._print(ticket, language)
            return ticket

    def check_in(self, code: str, language: str | None = None) -> dict[str, Any]:
        """Check a booking in and print its appointment ticket; returns the ticket view.

        Like ``take_ticket``: no check-in without paper, and a ticket that does not
        print is cancelled (KioskError "print_failed" with the ticket). The server's
        refusals (too early, too late, cancelled, unknown code, 429) come through as
        KioskErrors with its details.
        """
        with self._lock:
            self._ready_to_print()
            ticket = self.client.check_in(code)
            self._print(ticket, language)
            return ticket

    def _ready_to_print(self) -> None:
        """Refuse before asking the server when the printer cannot print; know the site."""
        health = self.printer_health()
        if health in BLOCKING_HEALTH:
            raise KioskError(BLOCKING_HEALTH[health])
        if not self.site:
            try:
                self.services()
            except KioskError as exc:
                log.info("site details unavailable, printing without them: %s", exc)

    def dossier_status(self, text: str) -> dict[str, Any]:
        """Ask the server where the dossier of a scanned receipt (or typed code) stands."""
        return self.client.dossier(text)

    @property
    def booking_bases(self) -> tuple[str, ...]:
        """Addresses whose ``/booking/<code>`` links are this centre's booking slips."""
        public = self.config.public_url if self.config is not None else None
        return tuple(b for b in (public, self.client.base_url) if b)

    def _print(self, ticket: dict[str, Any], language: str | None) -> None:
        """Print an issued ticket; one that cannot be printed is cancelled."""
        try:
            self.last_image = self.printer.print_ticket(
                ticket,
                language=language or self.language,
                timezone=self.timezone,
                site_name=self.site_name or None,
            )
        except Exception as exc:  # whatever broke, the number must not be called
            log.error("ticket %s taken but not printed: %s", ticket.get("number"), exc)
            self.cancel(ticket)
            self.printer_health()
            raise KioskError("print_failed", ticket=ticket) from exc
        if self.status is not None:
            self.printer_health()  # paper may have reached the near-end sensor

    def cancel(self, ticket: dict[str, Any], reason: str = REASON) -> bool:
        """Cancel ``ticket`` on the server; True when done, False when left for retrying."""
        try:
            self.client.cancel_ticket(str(ticket["id"]), reason)
        except KioskError as exc:
            if exc.code in FINAL_CODES:
                log.warning("ticket %s not cancelled: %s", ticket.get("number"), exc)
                return True
            if self.pending is None:
                log.error("ticket %s could not be cancelled: %s", ticket.get("number"), exc)
                return False
            self.pending.add_cancel(ticket, reason)
            return False
        log.info("ticket %s cancelled (%s)", ticket.get("number"), reason)
        return True

    def close(self) -> None:
        """Publish offline status, close the HTTP session and the printer."""
        if self.pending is not None:
            self.pending.stop()
        with self._lock:
            if self.status is not None:
                self.status.close()
            self.client.close()
            try:
                self.printer.printer.close()
            except Exception as exc:  # closing a dead device must not stop shutdown
                log.info("closing printer: %s", exc)
