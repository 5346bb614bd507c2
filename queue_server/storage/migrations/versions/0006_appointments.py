"""Appointments: booked time slots, integrator keys, and appointment tickets.

Revision ID: 0006_appointments
Revises: 0005_device_accounts

A slot row holds its capacity and how many are booked (bumped by a conditional
UPDATE); an appointment ticket keeps its slot's start in ``tickets.appointment_start``
and numbers in its own daily series (``appointment_numbers``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_appointments"
down_revision = "0005_device_accounts"
branch_labels = None
depends_on = None

SERVICE_COLUMNS = [
    ("appointment_slot_min", sa.Integer()),
    ("appointment_per_slot", sa.Integer()),
    ("appointment_days_ahead", sa.Integer()),
    ("appointment_prefix", sa.String(8)),
    ("appointment_max_share", sa.Float()),
]


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("closed_days", sa.Text(), nullable=False, server_default=""))
        for name, default in (
            ("check_in_before_min", "30"),
            ("check_in_after_min", "15"),
            ("appointment_retention_days", "90"),
        ):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
    with op.batch_alter_table("services") as batch:
        for name, kind in SERVICE_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(
            sa.Column("appointment_hours", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("appointment_weekdays", sa.String(20), nullable=False, server_default="")
        )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("appointment_start", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "start"),
    )
    op.create_table(
        "appointment_numbers",
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "day"),
    )
    op.create_table(
        "integrator_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("appointment_slots.id"), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("integrator_id", sa.Integer(), sa.ForeignKey("integrator_keys.id"),
                  nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("integrator_id", "external_id"),
    )
    op.create_index("ix_appointments_service_start", "appointments", ["service_id", "start"])
    op.create_index("ix_appointments_status_start", "appointments", ["status", "start"])
    op.create_index("ix_appointments_phone", "appointments", ["phone"])
    op.create_index("ix_appointments_site_created", "appointments", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_appointments_site_created", table_name="appointments")
    op.drop_index("ix_appointments_phone", table_name="appointments")
    op.drop_index("ix_appointments_status_start", table_name="appointments")
    op.drop_index("ix_appointments_service_start", table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("integrator_keys")
    op.drop_table("appointment_numbers")
    op.drop_table("appointment_slots")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("appointment_start")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("appointment_weekdays")
        batch.drop_column("appointment_hours")
        for name, _ in reversed(SERVICE_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("sites") as batch:
        for name in ("appointment_retention_days", "check_in_after_min", "check_in_before_min",
                     "closed_days"):
            batch.drop_column(name)
