"""Covering index for the manager reports.

Revision ID: 0002_report_indexes
Revises: 0002_queue_rules

A report reads every ticket of a date range but only these columns; with all of
them in one index ordered by (site, issue time), SQLite answers from the index
alone and PostgreSQL can use an index-only scan, instead of jumping from the
issue-time index to each table row.
"""

from alembic import op

revision = "0002_report_indexes"
down_revision = "0002_queue_rules"
branch_labels = None
depends_on = None

COLUMNS = [
    "site_id",
    "issued_at",
    "service_id",
    "counter_id",
    "officer_id",
    "status",
    "called_at",
    "done_at",
    "transferred",
    "rating",
    "estimated_wait_s",
    "service_day",
]


def upgrade() -> None:
    op.create_index("ix_tickets_report", "tickets", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_report", table_name="tickets")
