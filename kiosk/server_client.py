"""HTTP client of the queue server's kiosk API (DESIGN.md section 5).

Short timeouts keep the touch screen responsive when the server is away. A ticket
request carries one Idempotency-Key reused on every retry, so a request that
reached the server but whose answer was lost returns the same ticket instead of
issuing a second number.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from kiosk.kiosk_error import KioskError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_RETRIES = 2


def may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether a failed request may still have been carried out by the server.

    A refused or timed-out connection never carried the request; a connection
    that broke or went silent after sending may have issued a ticket whose answer
    was lost, and such a ticket must be found again and cancelled.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
        if isinstance(reason, NewConnectionError):
            return False
    return True


def _retry_after(response: requests.Response) -> float | None:
    """Seconds of a Retry-After header given in seconds (dates are not used by the server)."""
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if 0 <= value < 86400 else None


class ServerClient:
    """Talks to ``{base_url}/api/v1``; every failure becomes a KioskError."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        retry_pause: float = 0.2,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.retry_pause = retry_pause
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        """One call with retries; an "unreachable" error says whether it may have arrived."""
        url = f"{self.base_url}/api/v1{path}"
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("Accept", "application/json")
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        uncertain = False
        while True:
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=self.timeout, **kwargs
                )
                break
            except (requests.ConnectionError, requests.Timeout) as exc:
                uncertain = uncertain or may_have_arrived(exc)
                if attempt >= self.retries:
                    log.warning("%s %s failed after %d tries: %s", method, url, attempt + 1, exc)
                    raise KioskError("unreachable", uncertain=uncertain) from exc
                attempt += 1
                time.sleep(self.retry_pause * attempt)
            except requests.RequestException as exc:
                raise KioskError("unreachable", uncertain=True) from exc
        return self._answer(response)

    @staticmethod
    def _answer(response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.ok:
            if not isinstance(body, dict):
                raise KioskError("bad_response", status=response.status_code)
            return body
        error = body.get("error") if isinstance(body, dict) else None
        retry_after = _retry_after(response) if response.status_code == 429 else None
        if response.status_code == 429:  # whatever the body says: wait, then try again
            raise KioskError("too_many_attempts", status=429, retry_after=retry_after)
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            message = error.get("message")
            details = {k: v for k, v in error.items() if k not in ("code", "message")}
            raise KioskError(
                error["code"],
                message if isinstance(message, str) and message else None,
                status=response.status_code,
                details=details,
            )
        if isinstance(error, str):  # a bare ``{"error": "code", ...}`` body
            details = {k: v for k, v in body.items() if k != "error"}
            raise KioskError(error, status=response.status_code, details=details)
        code = "server_error" if response.status_code >= 500 else "bad_request"
        raise KioskError(code, status=response.status_code)

    def services(self) -> dict:
        """``{"site": {...}, "services": [...]}`` as the server lists them."""
        body = self._request("GET", "/services")
        if not isinstance(body.get("services"), list):
            raise KioskError("bad_response")
        return body

    def take_ticket(
        self, service: str, priority: bool = False, idempotency_key: str | None = None,
        dossier: str | None = None,
    ) -> dict:
        """Issue one ticket; retries after lost connections never issue a second one.

        ``dossier`` is a scanned receipt's text (or a typed code): the server reads the
        code from it and puts it on the ticket (KioskError "bad_dossier" when it cannot,
        "not_ready" with ``return_date`` for a result not ready yet).
        """
        key = idempotency_key or str(uuid.uuid4())
        request: dict = {"service": service, "priority": bool(priority)}
        if dossier is not None:
            request["dossier"] = dossier
        body = self._request(
            "POST",
            "/tickets",
            json=request,
            headers={"Idempotency-Key": key},
        )
        if not isinstance(body.get("number"), str):
            raise KioskError("bad_response")
        return body

    def check_in(self, code: str) -> dict:
        """Check a booking in (DESIGN.md section 11); returns its ticket view.

        A repeat answers the same ticket. KioskError codes: "too_early" (details
        ``come_back_at``), "too_late" (details ``service`` when the server names the
        field), "cancelled", "unknown_booking", and a 429 with ``retry_after``.
        """
        body = self._request("POST", f"/appointments/{quote(code, safe='')}/check-in", json={})
        if not isinstance(body.get("number"), str):
            raise KioskError("bad_response")
        return body

    def dossier(self, text: str) -> dict:
        """Where a dossier stands: ``{"code","status","return_date","checked"}``.

        ``text`` is the receipt's QR text or a typed code; the server reads it with the
        same rules as for a ticket (KioskError "bad_dossier" when it cannot).
        """
        body = self._request("GET", f"/dossiers/{quote(text, safe='')}")
        if not isinstance(body.get("code"), str) or not isinstance(body.get("checked"), bool):
            raise KioskError("bad_response")
        return body

    def cancel_ticket(self, ticket_id: str, reason: str = "print_failed") -> dict:
        """Cancel a ticket this kiosk issued, so it is never called; returns the ticket view.

        KioskError "not_cancellable" (409) when it was already called, "not_found"
        (404) when the server does not know it as this kiosk's ticket.
        """
        return self._request("POST", f"/tickets/{ticket_id}/cancel", json={"reason": reason})

    def close(self) -> None:
        self.session.close()
