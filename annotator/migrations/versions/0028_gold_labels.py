"""A multi-label project's gold label is a set: adjudications and their history keep it in
`labels` (scheme order; `label` stays its first, as annotations do). NULL for single-label
projects and for the gold labels given before.

Revision ID: 0028_gold_labels
Revises: 0027_prediction_margin
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_gold_labels"
down_revision = "0027_prediction_margin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("adjudications", "adjudication_history"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("labels", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("adjudications", "adjudication_history"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("labels")
