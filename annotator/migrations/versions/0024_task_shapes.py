"""Task shapes (issue 17 item 2): annotations and annotation_history gain `labels` (the labels
of a multi-label project, in scheme order; `label` keeps the first), `confidence` (a point on
the project's scale), `unsure` and `rationale`.

Revision ID: 0024_task_shapes
Revises: 0023_assist
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_task_shapes"
down_revision = "0023_assist"
branch_labels = None
depends_on = None

TABLES = ("annotations", "annotation_history")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("labels", sa.JSON(), nullable=True))
            batch.add_column(sa.Column("confidence", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("unsure", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
            batch.add_column(sa.Column("rationale", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            for column in ("rationale", "unsure", "confidence", "labels"):
                batch.drop_column(column)
