"""Asking the province's dossier system where a dossier stands (docs/integration.md).

One small adapter interface, ``DossierConnector.look_up(code)``, and two adapters:
``none`` (no dossier system: every answer is ``checked: false``) and ``http`` (a
generic JSON lookup, ``GET {url}/{code}``). A lookup never takes longer than its
``timeout_s``: a slow, failing or garbled answer is reported as not checked, so the
kiosk can say it cannot check now instead of freezing in front of a citizen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from protocol.config_file import ConfigError
from queue_server.domain.dossier_receipt import DEFAULT_KEYS, FIELDS, ReceiptFormat
from queue_server.webhook_endpoints import WebhookSpec, secret_problem, url_problem

log = logging.getLogger(__name__)

STATUSES = ("received", "in_progress", "ready", "returned", "unknown")
CONNECTORS = ("none", "http")
#: the most of an answer worth reading
_ANSWER_MAX = 64 * 1024


@dataclass(frozen=True)
class DossierStatus:
    """Where a dossier stands; ``checked`` is False when nobody could say."""

    code: str
    status: str = "unknown"
    return_date: date | None = None
    checked: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "return_date": self.return_date.isoformat() if self.return_date else None,
            "checked": self.checked,
        }


class DossierConnector(Protocol):
    """Looks a dossier up by its code in the province's dossier system."""

    name: str

    def look_up(self, code: str) -> DossierStatus: ...


class NoConnector:
    """No dossier system is connected: nothing can be checked."""

    name = "none"

    def look_up(self, code: str) -> DossierStatus:
        return DossierStatus(code=code)


class HttpJsonConnector:
    """``GET {url}/{code}`` answering ``{"code","status","return_date"}`` (integration.md).

    The request runs on a worker thread so that the caller waits at most ``timeout_s``
    in all, whatever the other side does (a slow first byte, an answer dribbled out, a
    connection that never opens); the worker itself gives up at the same socket timeout.
    """

    name = "http"

    def __init__(self, url: str, *, token: str = "", hmac_key: str = "",
                 timeout_s: float = 2.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.hmac_key = hmac_key
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dossier-lookup")

    def look_up(self, code: str) -> DossierStatus:
        started = time.monotonic()
        future = self._pool.submit(self._fetch, code)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            log.warning("dossier system did not answer for %s within %.1f s", code,
                        self.timeout_s)
        except Exception as exc:  # any failure of the other side is "not checked"
            log.warning("dossier system lookup for %s failed after %.2f s: %s", code,
                        time.monotonic() - started, exc)
        return DossierStatus(code=code)

    def headers(self, code: str, now: float | None = None) -> dict[str, str]:
        """The request's authentication: a bearer token or an HMAC signature."""
        headers = {"Accept": "application/json", "User-Agent": "motcua-queue"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.hmac_key:
            stamp = str(int(time.time() if now is None else now))
            headers["X-MotCua-Timestamp"] = stamp
            headers["X-MotCua-Signature"] = "sha256=" + signature(self.hmac_key, stamp, code)
        return headers

    def _fetch(self, code: str) -> DossierStatus:
        url = f"{self.url}/{urllib.parse.quote(code, safe='')}"
        request = urllib.request.Request(url, headers=self.headers(code))
        deadline = time.monotonic() + self.timeout_s
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                body = b""
                # read as it comes, so an answer dribbled out byte by byte frees the
                # worker at the deadline instead of one socket timeout per byte
                while len(body) <= _ANSWER_MAX:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the answer took longer than timeout_s")
                    chunk = answer.read1(16 * 1024)
                    if not chunk:
                        break
                    body += chunk
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return DossierStatus(code=code, status="unknown", checked=True)
            raise RuntimeError(f"HTTP {exc.code}") from None
        if len(body) > _ANSWER_MAX:
            raise RuntimeError("answer too long")
        return parse_answer(code, body)


def signature(key: str, stamp: str, code: str) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}\\n{code}"`` with the shared key."""
    return hmac.new(key.encode(), f"{stamp}\n{code}".encode(), hashlib.sha256).hexdigest()


def parse_answer(code: str, body: bytes) -> DossierStatus:
    """A dossier system's JSON answer, checked; ValueError when it is not the contract's."""
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("answer is not a JSON object")
    status = data.get("status")
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    raw_date = data.get("return_date")
    if raw_date is None:
        return_date = None
    elif isinstance(raw_date, str):
        return_date = date.fromisoformat(raw_date[:10])
    else:
        raise ValueError("return_date must be a YYYY-MM-DD string or null")
    return DossierStatus(code=code, status=status, return_date=return_date, checked=True)


@dataclass(frozen=True)
class DossierConfig:
    """The server config's ``[dossier]`` table."""

    connector: str = "none"
    url: str = ""
    token: str = ""
    hmac_key: str = ""
    timeout_s: float = 2.0
    receipt: ReceiptFormat = field(default_factory=ReceiptFormat)
    #: where the dossier system takes the event feed (its webhook), and the signing secret
    events_url: str = ""
    events_secret: str = ""

    def events_receiver(self) -> WebhookSpec | None:
        """The dossier system as a receiver of ticket events, when it takes them."""
        return WebhookSpec(self.events_url, self.events_secret) if self.events_url else None

    def make_connector(self) -> DossierConnector:
        if self.connector == "http":
            return HttpJsonConnector(self.url, token=self.token, hmac_key=self.hmac_key,
                                     timeout_s=self.timeout_s)
        return NoConnector()


_KEYS = {"connector", "url", "token", "hmac_key", "timeout_s", "qr", "events_url",
         "events_secret"}
_QR_KEYS = {"kind", "pair_separator", "key_separator", "field_order", "field_separator", "keys"}


def dossier_config(table: object) -> DossierConfig:
    """``[dossier]`` read and checked; a ConfigError names the key at fault."""
    if table is None:
        return DossierConfig()
    if not isinstance(table, dict):
        raise ConfigError("config key 'dossier' must be a table ([dossier])")
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"config key 'dossier.{key}' is not known "
                              f"(known: {', '.join(sorted(_KEYS))})")
    connector = _text(table, "connector", "none")
    if connector not in CONNECTORS:
        raise ConfigError(f"config key 'dossier.connector' must be one of "
                          f"{', '.join(CONNECTORS)}, got {connector!r}")
    url = _text(table, "url", "")
    if connector == "http":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError("config key 'dossier.url' must be an http:// or https:// URL "
                              f"for connector \"http\", got {url!r}")
    timeout = table.get("timeout_s", 2.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or \
            not 0.05 <= timeout <= 30:
        raise ConfigError(f"config key 'dossier.timeout_s' must be a number of seconds "
                          f"0.05..30, got {timeout!r}")
    events_url, events_secret = _text(table, "events_url", ""), _text(table, "events_secret", "")
    if events_url or events_secret:
        problem = url_problem(events_url) if events_url else "is missing"
        if problem:
            raise ConfigError(f"config key 'dossier.events_url' {problem}")
        problem = secret_problem(events_secret) if events_secret else "is missing"
        if problem:
            raise ConfigError(f"config key 'dossier.events_secret' {problem}")
    return DossierConfig(
        connector=connector, url=url, token=_text(table, "token", ""),
        hmac_key=_text(table, "hmac_key", ""), timeout_s=float(timeout),
        receipt=_receipt_format(table.get("qr")),
        events_url=events_url, events_secret=events_secret,
    )


def _text(table: dict, key: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"config key 'dossier.{key}' must be str, got {value!r}")
    return value


def _receipt_format(qr: object) -> ReceiptFormat:
    if qr is None:
        return ReceiptFormat()
    if not isinstance(qr, dict):
        raise ConfigError("config key 'dossier.qr' must be a table ([dossier.qr])")
    for key in qr:
        if key not in _QR_KEYS:
            raise ConfigError(f"config key 'dossier.qr.{key}' is not known "
                              f"(known: {', '.join(sorted(_QR_KEYS))})")
    options: dict[str, Any] = {}
    for key in ("kind", "pair_separator", "key_separator", "field_separator"):
        if key in qr:
            if not isinstance(qr[key], str):
                raise ConfigError(f"config key 'dossier.qr.{key}' must be str, got {qr[key]!r}")
            options[key] = qr[key]
    if "field_order" in qr:
        order = qr["field_order"]
        if not isinstance(order, list) or not all(isinstance(f, str) for f in order):
            raise ConfigError("config key 'dossier.qr.field_order' must be a list of field "
                              f"names ({', '.join(FIELDS)}; \"\" skips a field)")
        options["field_order"] = tuple(order)
    if "keys" in qr:
        keys = qr["keys"]
        if not isinstance(keys, dict):
            raise ConfigError("config key 'dossier.qr.keys' must be a table of field → names")
        merged = dict(DEFAULT_KEYS)
        for name, aliases in keys.items():
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ConfigError(f"config key 'dossier.qr.keys.{name}' must be a name or "
                                  "a list of names")
            merged[name] = tuple(aliases)
        options["keys"] = merged
    try:
        return ReceiptFormat(**options)
    except ValueError as exc:
        raise ConfigError(f"config key 'dossier.qr': {exc}") from None
