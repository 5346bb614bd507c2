"""Bookings made by staff for a citizen on the phone name the officer who made them.

Revision ID: 0007_booked_by_staff
Revises: 0006_appointments
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_booked_by_staff"
down_revision = "0006_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("booked_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_appointments_booked_by", "users", ["booked_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.drop_constraint("fk_appointments_booked_by", type_="foreignkey")
        batch.drop_column("booked_by_id")
