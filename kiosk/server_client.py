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

import requests

from kiosk.kiosk_error import KioskError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_RETRIES = 2


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
        url = f"{self.base_url}/api/v1{path}"
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("Accept", "application/json")
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=self.timeout, **kwargs
                )
                break
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retries:
                    log.warning("%s %s failed after %d tries: %s", method, url, attempt + 1, exc)
                    raise KioskError("unreachable") from exc
                attempt += 1
                time.sleep(self.retry_pause * attempt)
            except requests.RequestException as exc:
                raise KioskError("unreachable") from exc
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
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            message = error.get("message")
            raise KioskError(
                error["code"],
                message if isinstance(message, str) and message else None,
                status=response.status_code,
            )
        code = "server_error" if response.status_code >= 500 else "bad_request"
        raise KioskError(code, status=response.status_code)

    def services(self) -> dict:
        """``{"site": {...}, "services": [...]}`` as the server lists them."""
        body = self._request("GET", "/services")
        if not isinstance(body.get("services"), list):
            raise KioskError("bad_response")
        return body

    def take_ticket(
        self, service: str, priority: bool = False, idempotency_key: str | None = None
    ) -> dict:
        """Issue one ticket; retries after lost connections never issue a second one."""
        key = idempotency_key or str(uuid.uuid4())
        body = self._request(
            "POST",
            "/tickets",
            json={"service": service, "priority": bool(priority)},
            headers={"Idempotency-Key": key},
        )
        if not isinstance(body.get("number"), str):
            raise KioskError("bad_response")
        return body

    def close(self) -> None:
        self.session.close()
