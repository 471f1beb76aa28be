"""model_suspects: the final labels each model version flags as suspected errors (issue 19
item 3)

Revision ID: 0021_suspects
Revises: 0020_crowd
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_suspects"
down_revision = "0020_crowd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_suspects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("predicted", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_versions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sentence_id"], ["sentences.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_version_id", "sentence_id"),
    )


def downgrade() -> None:
    op.drop_table("model_suspects")
