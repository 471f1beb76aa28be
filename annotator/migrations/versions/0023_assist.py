"""annotations.assist (the arm of the assistance experiment) and model_predictions (the newest
model's stored predictions) (issue 19 items 4 and 5)

Revision ID: 0023_assist
Revises: 0022_languages
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_assist"
down_revision = "0022_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.add_column(sa.Column("assist", sa.String(length=12), nullable=True))
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("predictions_ready", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "model_predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("out_of_fold", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_versions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sentence_id"], ["sentences.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_version_id", "sentence_id"),
    )
    op.create_index("ix_model_predictions_project_id", "model_predictions", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_model_predictions_project_id", table_name="model_predictions")
    op.drop_table("model_predictions")
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("predictions_ready")
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("assist")
