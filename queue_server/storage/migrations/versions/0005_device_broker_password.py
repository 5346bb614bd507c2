"""Each device's broker password hash, so the server can keep the broker's accounts.

Revision ID: 0005_device_broker_password
Revises: 0004_daily_rollup

The hash is Mosquitto's own ``$7$`` form (firmware_config/mosquitto_passwd.py); the
password itself is shown once in /admin and never stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_device_broker_password"
down_revision = "0004_daily_rollup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("broker_password_hash", sa.String(256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("broker_password_hash")
