"""guidelines_versions keep their text and labels, so annotators can see what changed
(issue 20 item 4)

Revision ID: 0015_guidelines_text
Revises: 0013_releases
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0015_guidelines_text"
down_revision = "0013_releases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guidelines_versions") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("labels", sa.JSON(), nullable=True))
    # The current text of each project is known: give it to the version it matches.
    conn = op.get_bind()
    versions = sa.table("guidelines_versions", sa.column("id", sa.Integer),
                        sa.column("project_id", sa.Integer), sa.column("digest", sa.String),
                        sa.column("text", sa.Text))
    for pid, text in conn.execute(sa.text("SELECT id, guidelines FROM projects")).all():
        digest = hashlib.sha256((text or "").encode()).hexdigest()
        conn.execute(versions.update().where(versions.c.project_id == pid,
                                             versions.c.digest == digest).values(text=text or ""))


def downgrade() -> None:
    with op.batch_alter_table("guidelines_versions") as batch:
        batch.drop_column("labels")
        batch.drop_column("text")
