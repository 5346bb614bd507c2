"""Dossier codes on tickets and the results-pickup field.

Revision ID: 0009_ticket_dossiers
Revises: 0008_event_feed

``ticket_dossiers`` holds the dossier codes a ticket came for (one row per code, looked
up by code for the per-dossier report); a field can be the results-pickup field, and a
site says whether a dossier that is not ready may still get a results ticket.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_ticket_dossiers"
down_revision = "0008_event_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("results_when_not_ready", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("results", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "ticket_dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "code"),
    )
    op.create_index("ix_ticket_dossiers_ticket_id", "ticket_dossiers", ["ticket_id"])
    op.create_index("ix_ticket_dossiers_code", "ticket_dossiers", ["code"])


def downgrade() -> None:
    op.drop_index("ix_ticket_dossiers_code", table_name="ticket_dossiers")
    op.drop_index("ix_ticket_dossiers_ticket_id", table_name="ticket_dossiers")
    op.drop_table("ticket_dossiers")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("results")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("results_when_not_ready")
