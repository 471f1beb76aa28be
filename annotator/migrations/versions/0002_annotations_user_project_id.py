"""index annotations (user_id, project_id, id)

`next` counts a user's labels in a project on every call; with this index it counts only those
newer than the last full count (annotator/hotpath.py).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_annotations_user_project_id", "annotations",
                    ["user_id", "project_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_annotations_user_project_id", table_name="annotations")
