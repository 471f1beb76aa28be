"""A stored prediction keeps its margin (the top probability minus the second): the worker's
queue orders rank 100,000 sentences by it, and reading it beats parsing 100,000 JSON objects.
NULL for the rows stored before; the reordering computes theirs from the probabilities.

Revision ID: 0027_prediction_margin
Revises: 0026_lease_arm
"""
import sqlalchemy as sa
from alembic import op

revision = "0027_prediction_margin"
down_revision = "0026_lease_arm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_predictions") as batch:
        batch.add_column(sa.Column("margin", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_predictions") as batch:
        batch.drop_column("margin")
