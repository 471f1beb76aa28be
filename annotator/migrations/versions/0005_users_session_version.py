"""users.session_version: sessions that end on the server

Every session cookie carries a fingerprint of the user's password hash and session version;
signing out, a new password, deactivation and an admin's "sign out everywhere" add one to the
version, so every cookie made before stops working at once (a copied cookie included).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
