"""Queue rules per site: priority mode, priority run length, no-show grace.

Revision ID: 0002_queue_rules
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_queue_rules"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("priority_mode", sa.String(16), nullable=False, server_default="strict")
        )
        batch.add_column(
            sa.Column("max_priority_in_row", sa.Integer(), nullable=False, server_default="3")
        )
        batch.add_column(
            sa.Column("no_show_grace_min", sa.Integer(), nullable=False, server_default="10")
        )


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("no_show_grace_min")
        batch.drop_column("max_priority_in_row")
        batch.drop_column("priority_mode")
