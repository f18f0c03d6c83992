"""Questions/réponses: the language a question was asked in

Revision ID: 0016_question_language
Revises: 0015_fold_unicode
Create Date: 2026-12-06 12:10:00

The acknowledgement and the answer were French whatever the asker read the form in; the
interface language at the time of asking is kept so that both speak it. Questions
asked before this revision were asked in French.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_question_language"
down_revision = "0015_fold_unicode"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=False,
                                   server_default="fr"))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("language")
