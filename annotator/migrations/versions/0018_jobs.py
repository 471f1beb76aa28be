"""jobs: the hidden staging project of a streamed import (issue 21 item 2)

Revision ID: 0018_jobs
Revises: 0017_queue_priority
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_jobs"
down_revision = "0017_queue_priority"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("staging_for", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_projects_staging_for", "projects", ["staging_for"], ["id"],
                                 ondelete="CASCADE")
    op.add_column("jobs", sa.Column("detail", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "detail")
    with op.batch_alter_table("projects") as batch:
        batch.drop_constraint("fk_projects_staging_for", type_="foreignkey")
        batch.drop_column("staging_for")
