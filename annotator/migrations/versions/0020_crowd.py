"""participations and users.study_project_id: crowd studies (issue 18 item 4)

Revision ID: 0020_crowd
Revises: 0019_events
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_crowd"
down_revision = "0019_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("study_project_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_users_study_project_id", "projects", ["study_project_id"], ["id"],
                                 ondelete="CASCADE")
    op.create_table(
        "participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("participant", sa.String(length=128), nullable=False),
        sa.Column("study", sa.String(length=128), nullable=True),
        sa.Column("session_ref", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "platform", "participant"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index("ix_participations_project_id", "participations", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_participations_project_id", table_name="participations")
    op.drop_table("participations")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_study_project_id", type_="foreignkey")
        batch.drop_column("study_project_id")
