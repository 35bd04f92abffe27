"""confirmations: the key of each confirmed review, so a double tap on ✅ confirms once

Revision ID: 0008_serial
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_serial'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmations')),
    sa.UniqueConstraint('key', name=op.f('uq_confirmations_key'))
    )


def downgrade() -> None:
    op.drop_table('confirmations')
