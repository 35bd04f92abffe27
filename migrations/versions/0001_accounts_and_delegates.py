"""accounts and delegates

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('display_name', sa.String(length=256), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('reachable', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('channel', 'user_id', name=op.f('uq_accounts_channel'))
    )
    op.create_table('account_roles',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_roles_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['accounts.id'], name=op.f('fk_account_roles_granted_by_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('account_id', 'role', name=op.f('pk_account_roles'))
    )
    op.create_table('delegates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=128), nullable=False),
    sa.Column('position', sa.String(length=128), nullable=False),
    sa.Column('organization', sa.String(length=256), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('arrival_time', sa.Time(), nullable=True),
    sa.Column('travel_mode', sa.String(length=32), nullable=True),
    sa.Column('needs_lodging', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ticket_version', sa.Integer(), nullable=False),
    sa.Column('claim_code', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_delegates_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['accounts.id'], name=op.f('fk_delegates_registered_by_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegates')),
    sa.UniqueConstraint('claim_code', name=op.f('uq_delegates_claim_code'))
    )
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegates_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_delegates_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegates_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegates_registered_by_id'), ['registered_by_id'], unique=False)

    op.create_table('delegate_sessions',
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('session_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], name=op.f('fk_delegate_sessions_delegate_id_delegates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('delegate_id', 'session_code', name=op.f('pk_delegate_sessions'))
    )
    with op.batch_alter_table('delegate_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegate_sessions_session_code'), ['session_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('delegate_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegate_sessions_session_code'))

    op.drop_table('delegate_sessions')
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegates_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_delegates_phone'))
        batch_op.drop_index('ix_delegates_event_status')
        batch_op.drop_index(batch_op.f('ix_delegates_account_id'))

    op.drop_table('delegates')
    op.drop_table('account_roles')
    op.drop_table('accounts')
