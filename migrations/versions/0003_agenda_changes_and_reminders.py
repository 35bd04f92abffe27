"""agenda changes and reminders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agenda_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('session_code', sa.String(length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place_vi', sa.String(length=256), nullable=True),
    sa.Column('place_en', sa.String(length=256), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['accounts.id'], name=op.f('fk_agenda_changes_by_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_changes'))
    )
    with op.batch_alter_table('agenda_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_changes_event_id'), ['event_id'], unique=False)

    op.create_table('reminder_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('session_code', sa.String(length=32), nullable=False),
    sa.Column('offset_key', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_reminder_deliveries_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], name=op.f('fk_reminder_deliveries_delegate_id_delegates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries')),
    sa.UniqueConstraint('delegate_id', 'session_code', 'offset_key', name=op.f('uq_reminder_deliveries_delegate_id'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('reminders')

    op.drop_table('reminder_deliveries')
    with op.batch_alter_table('agenda_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_changes_event_id'))

    op.drop_table('agenda_changes')
