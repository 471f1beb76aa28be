"""sentences.queue_pos: a project's queue order beyond reading order (issue 19 item 2)

Revision ID: 0017_queue_priority
Revises: 0015_guidelines_text
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_queue_priority"
down_revision = "0015_guidelines_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sentences") as batch:
        batch.add_column(sa.Column("queue_pos", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_index("ix_sentences_queue")
        batch.create_index("ix_sentences_queue", ["project_id", "full", "kind", "queue_pos", "article_id",
                                                  "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sentences") as batch:
        batch.drop_index("ix_sentences_queue")
        batch.create_index("ix_sentences_queue", ["project_id", "full", "kind", "article_id", "position"],
                           unique=False)
        batch.drop_column("queue_pos")
