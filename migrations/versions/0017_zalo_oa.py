"""zalo oa: the Official Account's tokens, the webhook's journal of events, and each OA user's window and phone

Revision ID: 0017_zalo_oa
Revises: 0016_transport
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_zalo_oa'
down_revision = '0016_transport'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('zalo_oa_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_oa_tokens'))
    )
    op.create_table('zalo_oa_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_oa_events')),
    sa.UniqueConstraint('event_key', name=op.f('uq_zalo_oa_events_event_key'))
    )
    op.create_index(op.f('ix_zalo_oa_events_received_at'), 'zalo_oa_events', ['received_at'], unique=False)
    op.create_index('ix_zalo_oa_events_state_taken_at', 'zalo_oa_events', ['state', 'taken_at'], unique=False)
    op.create_table('zalo_oa_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zalo_id', sa.String(length=64), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_oa_contacts')),
    sa.UniqueConstraint('zalo_id', name=op.f('uq_zalo_oa_contacts_zalo_id'))
    )


def downgrade() -> None:
    op.drop_table('zalo_oa_contacts')
    op.drop_index('ix_zalo_oa_events_state_taken_at', table_name='zalo_oa_events')
    op.drop_index(op.f('ix_zalo_oa_events_received_at'), table_name='zalo_oa_events')
    op.drop_table('zalo_oa_events')
    op.drop_table('zalo_oa_tokens')
