"""A lease keeps the arm of the assistance experiment its sentence was shown in (assist.py):
the label is recorded in that arm, even where a model was trained or the settings changed
between showing the sentence and labelling it. NULL: shown before this column, or in a
project with no assistance; the label write then draws the arm as it did before.

Revision ID: 0026_lease_arm
Revises: 0025_suspect_score
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_lease_arm"
down_revision = "0025_suspect_score"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.add_column(sa.Column("assist", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.drop_column("assist")
