"""events: an append-only log of every change, and soft deletes (issue 20 items 1 and 2)

Revision ID: 0019_events
Revises: 0018_jobs
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_events"
down_revision = "0018_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_project", "events", ["project_id", "id"])
    op.create_index("ix_events_actor", "events", ["actor_id", "id"])
    op.create_index("ix_events_kind", "events", ["kind", "id"])
    op.create_index("ix_events_target", "events", ["kind", "target"])
    for table in ("articles", "projects", "users"):
        op.add_column(table, sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ("articles", "projects", "users"):
        op.drop_column(table, "deleted_at")
    op.drop_table("events")
