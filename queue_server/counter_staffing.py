"""Which officer sits at which counter (``counters.officer_id``).

One officer per counter and one counter per officer at a time: sitting down at a
counter frees the one the officer held before, and a counter held by another active
officer is refused unless an admin forces the change (the officer who forgot to leave
yesterday, say). Who sits where is what the dashboard shows and what the officer
console acts for; the queue rules themselves do not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from queue_server.domain.queue_error import QueueError
from queue_server.hall import Hall
from queue_server.storage.tables import Counter, User

#: roles that may sit at a counter
STAFFING_ROLES = ("officer", "admin")


@dataclass(frozen=True)
class Seat:
    """The outcome of sitting down: the counter taken, and what it replaced."""

    counter: str
    #: the counter the officer left by sitting here (None when they held none, or the same)
    left: str | None = None
    #: the officer moved away by an admin's forced change
    displaced: str | None = None


def officer_name(user: User) -> str:
    return user.full_name or user.username


def find_counter(session: Session, site_id: int, number: str) -> Counter:
    """The site's counter ``number``, or the ``unknown_counter`` refusal."""
    counter = session.scalar(
        select(Counter).where(Counter.site_id == site_id, Counter.number == number)
    )
    if counter is None:
        raise QueueError(
            "unknown_counter", f"Không có quầy {number}", f"no counter {number!r}", 404
        )
    return counter


def _officer(session: Session, officer_id: int) -> User:
    # locking the account row orders two sittings of the same officer (PostgreSQL);
    # SQLite already serialises every writing transaction
    user = session.scalar(select(User).where(User.id == officer_id).with_for_update())
    if user is None or not user.active or user.role not in STAFFING_ROLES:
        raise QueueError(
            "forbidden", "Tài khoản không được nhận quầy", "this account may not staff a counter",
            403,
        )
    return user


def _holder(session: Session, counter: Counter) -> User | None:
    """The active officer sitting at ``counter`` (an inactive account holds nothing)."""
    if counter.officer_id is None:
        return None
    holder = session.get(User, counter.officer_id)
    return holder if holder is not None and holder.active else None


def sit(hall: Hall, number: str, officer_id: int, *, force: bool = False) -> Seat:
    """Seat ``officer_id`` at counter ``number``; ``force`` (admins) takes it from another.

    The claim is a conditional UPDATE so two officers choosing the same free counter at
    the same instant cannot both win: the loser is refused like any taken counter.
    """
    with hall.transaction() as session:
        site = hall.site(session)
        _officer(session, officer_id)
        counter = find_counter(session, site.id, number)
        holder = _holder(session, counter)
        if holder is not None and holder.id != officer_id and not force:
            raise CounterTaken(number, officer_name(holder))
        previous = session.scalar(
            select(Counter.number).where(
                Counter.site_id == site.id,
                Counter.officer_id == officer_id,
                Counter.id != counter.id,
            )
        )
        session.execute(
            update(Counter)
            .where(Counter.officer_id == officer_id, Counter.id != counter.id)
            .values(officer_id=None)
            .execution_options(synchronize_session=False)
        )
        claim = update(Counter).where(Counter.id == counter.id).values(officer_id=officer_id)
        if not force:
            free = [Counter.officer_id.is_(None), Counter.officer_id == officer_id]
            if counter.officer_id is not None and holder is None:
                free.append(Counter.officer_id == counter.officer_id)  # an inactive account
            claim = claim.where(or_(*free))
        claimed = session.execute(claim.execution_options(synchronize_session=False)).rowcount
        if claimed != 1:  # another officer sat down first (the transaction is undone)
            winner_id = session.scalar(select(Counter.officer_id).where(Counter.id == counter.id))
            winner = session.get(User, winner_id) if winner_id else None
            raise CounterTaken(number, officer_name(winner) if winner else "?")
        displaced = (
            officer_name(holder) if holder is not None and holder.id != officer_id else None
        )
        return Seat(counter=number, left=previous, displaced=displaced)


class CounterTaken(QueueError):
    """The counter is staffed by another active officer."""

    def __init__(self, counter: str, holder: str) -> None:
        super().__init__(
            "counter_taken",
            f"Quầy {counter} đang do cán bộ {holder} phụ trách. "
            "Vui lòng chọn quầy khác hoặc nhờ quản trị viên giao lại quầy.",
            f"counter {counter} is staffed by {holder}; choose another or ask an admin",
            409,
        )
        self.counter = counter
        self.holder = holder


def leave(hall: Hall, officer_id: int) -> str | None:
    """Free the counter the officer sits at; returns its number (None when none)."""
    with hall.transaction() as session:
        site = hall.site(session)
        counter = session.scalar(
            select(Counter).where(Counter.site_id == site.id, Counter.officer_id == officer_id)
        )
        if counter is None:
            return None
        counter.officer_id = None
        return counter.number


def seat_of(session: Session, site_id: int, officer_id: int) -> str | None:
    """The number of the counter where the officer sits now, if any."""
    return session.scalar(
        select(Counter.number)
        .where(Counter.site_id == site_id, Counter.officer_id == officer_id)
        .order_by(Counter.number)
        .limit(1)
    )
