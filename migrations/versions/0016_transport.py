"""transport: a delegate's seat in an airport pick-up or a trip (models/transport.py)

Revision ID: 0016_transport
Revises: 0015_lodging
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_transport'
down_revision = '0015_lodging'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transport_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('trip', sa.String(length=32), nullable=False),
    sa.Column('vehicle', sa.String(length=32), nullable=False),
    sa.Column('departs_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('told', sa.String(length=128), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], name=op.f('fk_transport_seats_delegate_id_delegates'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_seats')),
    sa.UniqueConstraint('delegate_id', 'trip', name=op.f('uq_transport_seats_delegate_id'))
    )
    with op.batch_alter_table('transport_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_seats_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_seats_delegate_id'), ['delegate_id'], unique=False)


def downgrade() -> None:
    op.drop_table('transport_seats')
