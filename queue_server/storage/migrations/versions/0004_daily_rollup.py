"""Daily roll-up of the manager figures: per day × field × counter × officer × hour.

Revision ID: 0004_daily_rollup
Revises: 0002_report_indexes

A year's report adds up these rows and each day's duration histograms instead of
scanning a million tickets; see queue_server/statistics/daily_rollup.py.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_daily_rollup"
down_revision = "0002_report_indexes"
branch_labels = None
depends_on = None

TALLIES = [
    "issued", "served", "no_show", "transferred", "expired", "waiting", "called", "wait_sum",
    "within_target", "service_n", "service_sum", "rating_1", "rating_2", "rating_3",
    "rating_4", "estimate_error_sum",
]


def upgrade() -> None:
    op.create_table(
        "daily_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("counter_id", sa.Integer(), sa.ForeignKey("counters.id"), nullable=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in TALLIES],
        sa.Column("wait_max", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_daily_rollup_site_day", "daily_rollup", ["site_id", "day"])
    op.create_table(
        "daily_rollup_days",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events_through", sa.BigInteger(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("histograms", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("daily_rollup_days")
    op.drop_index("ix_daily_rollup_site_day", table_name="daily_rollup")
    op.drop_table("daily_rollup")
