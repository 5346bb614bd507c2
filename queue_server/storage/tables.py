"""The database tables. The database is the truth; the broker only a cache of it.

Every ticket transition is also an append-only ``ticket_events`` row; statistics are
computed from events and tickets, never from counters kept in memory.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from queue_server.domain.site_spec import DeviceSpec


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    board_message: Mapped[str] = mapped_column(Text, default="")
    #: "strict" (priority always first) or "interleave" (at most N priority in a row)
    priority_mode: Mapped[str] = mapped_column(String(16), default="strict")
    max_priority_in_row: Mapped[int] = mapped_column(Integer, default=3)
    #: minutes after a no-show during which the officer may still recall the ticket
    no_show_grace_min: Mapped[int] = mapped_column(Integer, default=10)
    #: days without appointment slots, "2026-01-01,2026-04-30"
    closed_days: Mapped[str] = mapped_column(Text, default="", server_default="")
    check_in_before_min: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    check_in_after_min: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    appointment_retention_days: Mapped[int] = mapped_column(
        Integer, default=90, server_default="90"
    )
    #: a dossier that is not ready may still get a results ticket
    results_when_not_ready: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(8))
    prefix: Mapped[str] = mapped_column(String(8))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    first_number: Mapped[int] = mapped_column(Integer, default=1)
    number_width: Mapped[int] = mapped_column(Integer, default=3)
    daily_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_wait_min: Mapped[int] = mapped_column(Integer, default=15)
    hours: Mapped[str] = mapped_column(String(200), default="")  # "07:00-11:30,13:30-17:00"
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "1,2,3,4,5"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: the field's appointments (``domain.appointment_slots.AppointmentRules``);
    #: ``appointment_slot_min`` None: no appointments
    appointment_slot_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appointment_per_slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appointment_days_ahead: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appointment_prefix: Mapped[str | None] = mapped_column(String(8), nullable=True)
    appointment_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    appointment_weekdays: Mapped[str] = mapped_column(String(20), default="", server_default="")
    appointment_max_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: the results-pickup field (trả kết quả)
    results: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CounterService(Base):
    __tablename__ = "counter_services"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[str] = mapped_column(String(8))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the ticket at the counter now (no foreign key: tickets already reference counters)
    current_ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    services: Mapped[list[Service]] = relationship(
        secondary="counter_services", order_by="Service.position"
    )


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    counter_number: Mapped[str | None] = mapped_column(String(8), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(128))
    #: Mosquitto ``$7$`` hash of the device's broker password; None until the server
    #: keeps the broker's accounts (set in /admin, or taken over from the passwd file)
    broker_password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    #: False once retired in /admin: no token, no broker account, off the dashboard
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    printer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    @property
    def spec(self) -> DeviceSpec:
        """What the broker rules and device configs need to know of this device."""
        return DeviceSpec(self.code, self.kind, self.counter_number)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DailyCounter(Base):
    """One row per service per local day: the last number issued, bumped atomically."""

    __tablename__ = "daily_counters"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("service_day", "issue_service_id", "sequence"),
        Index("ix_tickets_status_service", "status", "service_id"),
        Index("ix_tickets_issued_at", "issued_at"),
        Index(
            "ix_tickets_report",
            "site_id", "issued_at", "service_id", "counter_id", "officer_id", "status",
            "called_at", "done_at", "transferred", "rating", "estimated_wait_s", "service_day",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: the service the ticket waits for now (changes on transfer)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    #: the service that issued the number (never changes)
    issue_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_day: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(16))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    ahead_at_issue: Mapped[int] = mapped_column(Integer, default=0)
    estimated_wait_s: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the booked slot's start for a checked-in appointment; None for a walk-in
    appointment_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])


class TicketDossier(Base):
    """A dossier code a ticket came for (scanned at the kiosk or attached at the counter)."""

    __tablename__ = "ticket_dossiers"
    __table_args__ = (UniqueConstraint("ticket_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    attached_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketEvent(Base):
    """Append-only history of every ticket; its id orders everything (the ``seq``)."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


class AppliedCommand(Base):
    """Each counter command id, applied at most once, with the answer it got."""

    __tablename__ = "applied_commands"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter_number: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


def _tally_column() -> Mapped[int]:
    return mapped_column(BigInteger, default=0)


class DailyRollup(Base):
    """One finished local day's figures per field, counter, officer and local hour.

    Computed from the tickets (never from counters kept in memory) by
    ``queue_server.statistics.daily_rollup``, so a year's report adds up a few thousand
    rows instead of a million tickets. Columns follow ``statistics.figures.SUM_FIELDS``;
    ``expired`` includes the tickets still waiting when the day closed.
    """

    __tablename__ = "daily_rollup"
    __table_args__ = (Index("ix_daily_rollup_site_day", "site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hour: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = _tally_column()
    served: Mapped[int] = _tally_column()
    no_show: Mapped[int] = _tally_column()
    transferred: Mapped[int] = _tally_column()
    expired: Mapped[int] = _tally_column()
    waiting: Mapped[int] = _tally_column()
    called: Mapped[int] = _tally_column()
    wait_sum: Mapped[int] = _tally_column()
    within_target: Mapped[int] = _tally_column()
    service_n: Mapped[int] = _tally_column()
    service_sum: Mapped[int] = _tally_column()
    rating_1: Mapped[int] = _tally_column()
    rating_2: Mapped[int] = _tally_column()
    rating_3: Mapped[int] = _tally_column()
    rating_4: Mapped[int] = _tally_column()
    estimate_error_sum: Mapped[int] = _tally_column()
    wait_max: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DailyRollupDay(Base):
    """A local day whose roll-up is stored, with its duration histograms.

    A row here (even for a day without tickets) says the day's ``daily_rollup`` rows are
    complete up to ticket event ``events_through``; ``histograms`` holds the wait and
    service-time buckets of each (field, counter, officer) of the day.
    """

    __tablename__ = "daily_rollup_days"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events_through: Mapped[int] = mapped_column(BigInteger, default=0)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    rolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    histograms: Mapped[bytes] = mapped_column(LargeBinary)


class AppointmentSlot(Base):
    """One bookable slot of a field, made at its first booking.

    ``booked`` only grows with a conditional ``UPDATE … WHERE booked < capacity``, so
    concurrent bookings can never put more citizens in a slot than it holds.
    """

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("service_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class AppointmentNumbers(Base):
    """The last appointment ticket number of a field on a local day (its own series)."""

    __tablename__ = "appointment_numbers"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class IntegratorKey(Base):
    """An outside system (a province portal) allowed to book: its key is stored hashed."""

    __tablename__ = "integrator_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Appointment(Base):
    """A booking: ``booked`` → ``checked_in`` (a ticket) | ``cancelled`` | ``no_show``.

    ``name`` and ``phone`` are erased ``appointment_retention_days`` after the slot.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("integrator_id", "external_id"),
        Index("ix_appointments_service_start", "service_id", "start"),
        Index("ix_appointments_status_start", "status", "start"),
        Index("ix_appointments_phone", "phone"),
        Index("ix_appointments_site_created", "site_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"))
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    integrator_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrator_keys.id"), nullable=True
    )
    #: where a public booking came from (for the per-address daily limit)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: ``domain.booking_status.BookingStatus``
    status: Mapped[str] = mapped_column(String(16), default="booked")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: when it left ``booked`` (checked in, cancelled, marked no-show)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: the officer or manager who booked it for a citizen (on the phone); None: the citizen
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class OutboxEvent(Base):
    """One event of the feed to outside systems, written in the ticket change's transaction.

    ``body`` holds the exact JSON sent (signed at delivery), so every retry of an event
    carries the same bytes and the same ``event_id``. The row id orders a ticket's events:
    a later change of a ticket waits for the row lock of the earlier one, so it always
    gets the higher id.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[str] = mapped_column(Text)


class WebhookEndpoint(Base):
    """A receiver of the event feed: from the server config (``[[webhooks]]``) or /admin."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(500))
    #: "config" (kept in step with the server config at start) or "admin"
    origin: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: failed rounds in a row; the endpoint backs off while it is > 0
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebhookDelivery(Base):
    """One event to one endpoint: attempts, next try, delivered or dead-lettered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_pending", "endpoint_id", "delivered_at", "outbox_id"),
        Index("ix_webhook_deliveries_ticket", "endpoint_id", "ticket_id", "outbox_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    #: the event's ticket, copied here so order per ticket needs no join
    ticket_id: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
