"""How a ticket number looks: the service prefix and a zero-padded daily sequence."""

from __future__ import annotations


def format_ticket_number(prefix: str, sequence: int, width: int = 3) -> str:
    """``format_ticket_number("A", 12) == "A012"``; wider numbers are never truncated."""
    return f"{prefix}{sequence:0{width}d}"


def sequence_for(first_number: int, issued_before: int) -> int:
    """The sequence of the next ticket when ``issued_before`` were issued today."""
    return first_number + issued_before
