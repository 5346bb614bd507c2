"""Which tickets a report covers: a local date range and optional field/counter/officer.

Parsed from query arguments in one place so the API, the page and the exports accept
exactly the same parameters and reject bad ones with a message naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

#: the longest range a report may cover, in days (a year plus a margin)
MAX_DAYS = 400


class ReportFilterError(ValueError):
    """A bad query parameter; ``param`` names it for the error answer."""

    def __init__(self, param: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.param = param
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class ReportFilter:
    """Local calendar days ``first``..``last`` (inclusive) and the optional filters."""

    first: date
    last: date
    service: str | None = None
    counter: str | None = None
    officer: int | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str], today: date) -> ReportFilter:
        """Read ``from``, ``to``, ``service``, ``counter``, ``officer``; days default to today."""
        first = _day(args, "from", today)
        last = _day(args, "to", today)
        if first > last:
            raise ReportFilterError(
                "from", "'from' phải không sau 'to'", "'from' must not be after 'to'"
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise ReportFilterError(
                "to",
                f"Khoảng thời gian tối đa {MAX_DAYS} ngày ('from'..'to')",
                f"the range 'from'..'to' may cover at most {MAX_DAYS} days",
            )
        service = _text(args, "service", 8)
        counter = _text(args, "counter", 8)
        officer_text = _text(args, "officer", 12)
        officer = None
        if officer_text is not None:
            if not officer_text.isdigit():
                raise ReportFilterError(
                    "officer", "'officer' phải là mã số cán bộ", "'officer' must be a user id"
                )
            officer = int(officer_text)
        return cls(first, last, service, counter, officer)

    def query_args(self) -> dict[str, str]:
        """The same filter as query arguments (for export links)."""
        args = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.service:
            args["service"] = self.service
        if self.counter:
            args["counter"] = self.counter
        if self.officer is not None:
            args["officer"] = str(self.officer)
        return args

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _day(args: Mapping[str, str], name: str, today: date) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return today
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ReportFilterError(
            name,
            f"'{name}' phải là ngày dạng YYYY-MM-DD",
            f"'{name}' must be a date as YYYY-MM-DD",
        ) from None


def _text(args: Mapping[str, str], name: str, max_len: int) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if len(raw) > max_len:
        raise ReportFilterError(
            name, f"'{name}' quá dài", f"'{name}' is longer than {max_len} characters"
        )
    return raw
