"""The interface in several languages (issue 22 item 5): each user's interface language and a
project's guidelines written per language.

Revision ID: 0022_languages
Revises: 0021_suspects
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_languages"
down_revision = "0021_suspects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        # None: the browser's Accept-Language chooses, else English.
        batch.add_column(sa.Column("locale", sa.String(length=35), nullable=True))
    with op.batch_alter_table("projects") as batch:
        # {language tag: Markdown}: the guidelines in other languages than the default text.
        batch.add_column(sa.Column("guidelines_translations", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("guidelines_translations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
