"""The one error type the queue's rules raise for bad requests."""

from __future__ import annotations


class QueueError(Exception):
    """A request the queue refuses, with a stable code and a message in both languages.

    ``status`` is the HTTP status the web shell answers with; the MQTT shell sends the
    code as the ``reason`` of a rejected command.
    """

    def __init__(self, code: str, message_vi: str, message_en: str, status: int = 400) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.status = status
