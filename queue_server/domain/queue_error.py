"""The one error type the queue's rules raise for bad requests."""

from __future__ import annotations


class QueueError(Exception):
    """A request the queue refuses, with a stable code and a message in both languages.

    ``status`` is the HTTP status the web shell answers with; the MQTT shell sends the
    code as the ``reason`` of a rejected command.
    """

    def __init__(
        self,
        code: str,
        message_vi: str,
        message_en: str,
        status: int = 400,
        *,
        retry_after_s: int | None = None,
        details: dict | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.status = status
        #: for a refusal that passes (429): seconds until trying again makes sense
        self.retry_after_s = retry_after_s
        #: more fields of the error body, e.g. ``come_back_at`` of a check-in too early
        self.details = details or {}
