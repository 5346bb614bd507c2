"""Devices: a broker password hash the server keeps, and retiring a device.

Revision ID: 0005_device_accounts
Revises: 0004_daily_rollup

The hash is Mosquitto's own ``$7$`` form (firmware_config/mosquitto_passwd.py); the
password itself is shown once in /admin and never stored. A retired device keeps its
row (tickets and events name it) but loses its token, its broker account and its
place on the dashboard.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_device_accounts"
down_revision = "0004_daily_rollup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("broker_password_hash", sa.String(256), nullable=True))
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("active")
        batch.drop_column("broker_password_hash")
