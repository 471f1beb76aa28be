"""Suspected label errors are scored by the probability that the label is wrong (model/suspects.py,
since 2026-12-05), no longer by the margin p(predicted) - p(label): model_versions gains
`suspect_score`, which score its model_suspects rows hold ("posterior"; NULL for the versions
trained before, whose rows hold the margin), so pages never read a margin as a probability.

Revision ID: 0025_suspect_score
Revises: 0024_task_shapes
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_suspect_score"
down_revision = "0024_task_shapes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("suspect_score", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("suspect_score")
