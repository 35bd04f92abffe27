"""conversations: each chat's conversation state (aiogram FSM state and data) in the database

Revision ID: 0009_conversations
Revises: 0008_serial
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_conversations'
down_revision = '0008_serial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('thread_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('destiny', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bot_id', 'chat_id', 'user_id', 'thread_id', 'destiny', name=op.f('pk_conversations'))
    )


def downgrade() -> None:
    op.drop_table('conversations')
