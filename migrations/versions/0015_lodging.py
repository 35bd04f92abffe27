"""lodging: the form of address, departure, room wishes, companions and diets of a delegate; room assignments

Revision ID: 0015_lodging
Revises: 0014_province_reports
"""
import sqlalchemy as sa
from alembic import op


revision = '0015_lodging'
down_revision = '0014_province_reports'
branch_labels = None
depends_on = None

COLUMNS = (
    ('salutation', sa.String(8), None), ('departure_date', sa.Date(), None), ('departure_time', sa.Time(), None),
    ('room_share', sa.String(16), None), ('roommate', sa.String(128), ''), ('companions', sa.String(200), ''),
    ('diets', sa.String(200), ''),
)


def upgrade() -> None:
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        for name, kind, default in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=default is None,
                                          server_default=default if default is not None else None))
    op.create_table(
        'room_assignments',
        sa.Column('delegate_id', sa.Integer(), sa.ForeignKey('delegates.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('event_id', sa.String(64), nullable=False),
        sa.Column('hotel', sa.String(32), nullable=False),
        sa.Column('room', sa.String(32), nullable=False),
        sa.Column('nights', sa.String(400), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('change', sa.String(200), nullable=False),
    )
    op.create_index('ix_room_assignments_event_id', 'room_assignments', ['event_id'])


def downgrade() -> None:
    op.drop_index('ix_room_assignments_event_id', table_name='room_assignments')
    op.drop_table('room_assignments')
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        for name, _kind, _default in reversed(COLUMNS):
            batch_op.drop_column(name)
