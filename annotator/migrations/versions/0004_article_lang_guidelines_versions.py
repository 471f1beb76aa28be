"""articles.lang (a language tag given on import) and guidelines_versions (each text a
project's guidelines have had, so an export can say which version a label was given under)

Existing projects get their current guidelines as version 1, dated when the project was
created: labels given before the upgrade are counted under it.

Revision ID: 0004
Revises: 0003
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column("lang", sa.String(length=35), nullable=True))
    versions = op.create_table(
        "guidelines_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "version"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, guidelines, created_at FROM projects")).all()
    if rows:
        op.bulk_insert(versions, [
            {"project_id": pid, "version": 1,
             "digest": hashlib.sha256((text or "").encode()).hexdigest(), "created_at": created}
            for pid, text, created in rows])


def downgrade() -> None:
    op.drop_table("guidelines_versions")
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("lang")
