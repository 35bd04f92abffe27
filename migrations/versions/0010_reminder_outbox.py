"""reminders keyed by their part's start too, which is also the time after which a reminder is too late

Revision ID: 0010_reminder_outbox
Revises: 0008_serial
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_reminder_outbox'
down_revision = '0009_conversations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rows already written keep no start time: they stand for any start of their part (as before)
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_reminder_deliveries_delegate_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_reminder_deliveries_delegate_id'),
                                          ['delegate_id', 'session_code', 'offset_key', 'starts_at'])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM reminder_deliveries WHERE starts_at IS NOT NULL AND id NOT IN "
                       "(SELECT MIN(id) FROM reminder_deliveries GROUP BY delegate_id, session_code, offset_key)"))
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reminder_deliveries_delegate_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_reminder_deliveries_delegate_id'),
                                          ['delegate_id', 'session_code', 'offset_key'])
        batch_op.drop_column('starts_at')
