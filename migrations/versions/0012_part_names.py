"""part names: a part of the conference is a part in the database too (session_code, list_code → part_code)

The code calls a part of the conference a `Part` and keeps `session` for database sessions; the columns
follow. Table names stay (delegate_sessions keeps its name: renaming a table renames none of its
constraints on PostgreSQL, so the names would disagree). batch_alter_table so SQLite can do it.

Revision ID: 0012_part_names
Revises: 0008_serial
"""
from alembic import op


revision = '0012_part_names'
down_revision = '0010_reminder_outbox'
branch_labels = None
depends_on = None

# (table, old column, new column, (old index, new index) or None)
RENAMES = (
    ('delegate_sessions', 'session_code', 'part_code',
     ('ix_delegate_sessions_session_code', 'ix_delegate_sessions_part_code')),
    ('agenda_changes', 'session_code', 'part_code', None),
    ('reminder_deliveries', 'session_code', 'part_code', None),
    ('checkins', 'list_code', 'part_code', ('ix_checkins_list_code', 'ix_checkins_part_code')),
    ('checkin_log', 'list_code', 'part_code', None),
)


def _rename(table: str, old: str, new: str, index: tuple[str, str] | None) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        if index:
            batch_op.drop_index(index[0])
        batch_op.alter_column(old, new_column_name=new)
    if index:  # a second batch: in the first, SQLite's copy of the table does not know the new name yet
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index[1], [new], unique=False)


def upgrade() -> None:
    for table, old, new, index in RENAMES:
        _rename(table, old, new, index)


def downgrade() -> None:
    for table, old, new, index in reversed(RENAMES):
        _rename(table, new, old, (index[1], index[0]) if index else None)
