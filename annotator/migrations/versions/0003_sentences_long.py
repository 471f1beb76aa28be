"""sentences.long: the unit was cut by segment's length cap, not at a sentence boundary

Admins see the flag on the article page and may repair the cut (merge or split units).
Existing rows were segmented before the cap existed: they are not long.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sentences") as batch_op:
        batch_op.add_column(sa.Column("long", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sentences") as batch_op:
        batch_op.drop_column("long")
